// Errors of trust operations. The message is the one line a user sees: what happened and what to do.

export class TrustError extends Error {
  override name = 'TrustError';
}

/** The user refused a confirmation (or a prompt was closed). Distinct from failure for scripts. */
export class CancelledError extends TrustError {
  override name = 'CancelledError';
}

/** Arguments that name something that does not exist or cannot be used. */
export class InputError extends TrustError {
  override name = 'InputError';
}
