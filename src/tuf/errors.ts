// Typed errors of the TUF engine. Each names what was wrong and where, so the CLI can print one line
// that a user can act on.

export class TufError extends Error {
  override name = 'TufError';
}

/** Metadata that cannot be parsed or breaks the format's rules. `role` and `field` say where. */
export class MetadataError extends TufError {
  override name = 'MetadataError';
  constructor(
    readonly role: string,
    readonly field: string | undefined,
    detail: string,
  ) {
    super(`${role} metadata${field ? ` field ${field}` : ''}: ${detail}`);
  }
}

/** Signatures that do not verify, or fewer distinct keys than the role's threshold. */
export class SignatureError extends TufError {
  override name = 'SignatureError';
  constructor(
    readonly role: string,
    detail: string,
  ) {
    super(`${role}: ${detail}`);
  }
}

/** A key that cannot be used: unknown type, malformed public material, bad certificate. */
export class KeyError extends TufError {
  override name = 'KeyError';
}
