// Typed errors of the TUF engine. Each names what was wrong and where, so the CLI can print one line
// that a user can act on.

/**
 * The next step a user can take. The command line and the UI offer different means (a flag, a
 * screen), so a hint may carry one form for each; a plain string serves both.
 */
export interface Hint {
  cli: string;
  ui: string;
}

export type HintInput = string | Hint;

/**
 * Base of every error trust-tui raises on purpose: the message is the cause, `hint` the next step.
 * Callers classify with `instanceof`, never by the message text.
 */
export class HintedError extends Error {
  readonly hint?: Hint;
  constructor(message: string, options: ErrorOptions & { hint?: HintInput } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.hint !== undefined) this.hint = typeof options.hint === 'string' ? { cli: options.hint, ui: options.hint } : options.hint;
  }
}

/** The hint of an error for one face of the program, if it has one. */
export function hintOf(e: unknown, face: keyof Hint): string | undefined {
  return e instanceof HintedError ? e.hint?.[face] : undefined;
}

export class TufError extends HintedError {
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
