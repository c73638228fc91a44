// Typed errors of the keystore. Messages are one line, name the file or key they concern, and never
// contain private key material or passphrases.
import { HintedError } from '../tuf/errors.js';
import { shortKeyId } from '../tuf/short-key-id.js';

export class KeyStoreError extends HintedError {
  override name = 'KeyStoreError';
}

/** A key file that cannot be used: not PEM, truncated, malformed DER, unsupported encryption. */
export class KeyFileError extends KeyStoreError {
  override name = 'KeyFileError';
  constructor(
    readonly file: string,
    readonly detail: string,
    hint?: string,
  ) {
    super(`${file}: ${detail}`, hint === undefined ? {} : { hint });
  }
}

/** A file given as a private key holds a public key or certificate. */
export class NotAPrivateKeyError extends KeyFileError {
  override name = 'NotAPrivateKeyError';
}

/** The passphrase did not decrypt the key (bad padding or undecodable plaintext). */
export class WrongPassphraseError extends KeyStoreError {
  override name = 'WrongPassphraseError';
  constructor(
    readonly keyId: string,
    /** Where the rejected passphrase came from, e.g. an environment variable. */
    readonly from?: string,
  ) {
    super(`wrong passphrase for key ${shortKeyId(keyId)}${from ? ` (from ${from})` : ''}`, {
      hint: from ? `correct ${from} and try again` : 'try again with the right passphrase',
    });
  }
}

/** The passphrase of `variable`, tried first as docker does, does not open a key file being imported. */
export class KeyFilePassphraseError extends KeyStoreError {
  override name = 'KeyFilePassphraseError';
  constructor(
    readonly file: string,
    readonly variable: string,
  ) {
    super(`the passphrase in ${variable} does not open ${file}: the file is encrypted with another one`, {
      hint: `run on a terminal to type the file's passphrase, or set ${variable} to it for this command (the key is then stored under it)`,
    });
  }
}

export class KeyNotFoundError extends KeyStoreError {
  override name = 'KeyNotFoundError';
  constructor(
    readonly keyId: string,
    readonly directory: string,
  ) {
    super(`no private key ${shortKeyId(keyId)} in ${directory}`);
  }
}

/** Storing would replace a file that holds (or may hold) a different key. */
export class KeyConflictError extends KeyStoreError {
  override name = 'KeyConflictError';
  constructor(
    readonly keyId: string,
    readonly file: string,
    detail: string,
    hint?: string,
  ) {
    super(`cannot store key ${shortKeyId(keyId)}: ${file} ${detail}`, hint === undefined ? {} : { hint });
  }
}

/** `new targets key 1a2b3c4`: the key a passphrase is asked for, in messages. */
function passphraseKeyLabel(role: string, keyId: string, purpose: 'unlock' | 'new'): string {
  return `${purpose === 'new' ? 'new ' : ''}${role} key ${shortKeyId(keyId)}`;
}

/** What the user can do instead, as one hint (`set X or run on a terminal`), or none. */
function hintsOption(hints: readonly string[]): { hint?: string } {
  return hints.length ? { hint: hints.join(' or ') } : {};
}

/** No source could supply a passphrase; `hints` say what the user can do (set a variable, use a terminal). */
export class PassphraseUnavailableError extends KeyStoreError {
  override name = 'PassphraseUnavailableError';
  constructor(
    readonly role: string,
    readonly keyId: string,
    readonly hints: readonly string[],
    purpose: 'unlock' | 'new' = 'unlock',
  ) {
    super(`no passphrase for the ${passphraseKeyLabel(role, keyId, purpose)}`, hintsOption(hints));
  }
}

/** The user pressed Ctrl-C at a passphrase prompt (or Esc in the UI's passphrase dialog). */
export class PromptCancelledError extends KeyStoreError {
  override name = 'PromptCancelledError';
  constructor(detail = 'passphrase entry cancelled') {
    super(detail);
  }
}

/**
 * The input a passphrase prompt reads from ended (the terminal's other end closed, or Ctrl-D on an
 * empty line) before a passphrase was entered. Not a cancellation: nothing more can come from that
 * input, and `hints` name what to do instead (the passphrase variable to set).
 */
export class PassphraseInputEndedError extends KeyStoreError {
  override name = 'PassphraseInputEndedError';
  constructor(
    readonly role: string,
    readonly keyId: string,
    readonly hints: readonly string[],
    purpose: 'unlock' | 'new' = 'unlock',
  ) {
    super(`standard input ended at the passphrase prompt for the ${passphraseKeyLabel(role, keyId, purpose)}`, hintsOption(hints));
  }
}

/** Docker's wording when a new passphrase was refused too often (too short or not repeated). */
export class PassphraseAttemptsExceededError extends KeyStoreError {
  override name = 'PassphraseAttemptsExceededError';
  constructor() {
    super('maximum number of passphrase attempts exceeded');
  }
}

/**
 * Internal: key bytes that do not decode (DER structure, unsupported algorithm). Callers that know
 * the file turn it into a KeyFileError.
 */
export class KeyFormatError extends Error {
  override name = 'KeyFormatError';
}

/**
 * Internal: bytes that cannot be a key written by any tool (broken DER, an algorithm identifier no
 * standard defines): the file was damaged, not written in a format trust-tui lacks.
 */
export class DamagedKeyError extends KeyFormatError {
  override name = 'DamagedKeyError';
}

/** Internal: decryption produced no valid plaintext, i.e. the passphrase is wrong. */
export class DecryptionFailedError extends Error {
  override name = 'DecryptionFailedError';
  constructor() {
    super('decryption failed');
  }
}
