// Where key passphrases come from: the environment (docker's and notary's variables), a terminal
// prompt, a script (tests, the TUI's modal dialog), or the first of several that is available.
import { KeyFilePassphraseError, PassphraseUnavailableError, WrongPassphraseError } from './errors.js';

export type PassphrasePurpose = 'unlock' | 'new';

/** notary/docker refuse interactive new passphrases shorter than this (in bytes). */
export const MIN_PASSPHRASE_BYTES = 8;

/**
 * A passphrase as typed at a prompt or in the UI, as notary uses it: surrounding whitespace trimmed
 * (notary's passphrase.PromptRetriever). Keys it wrote depend on that, so every face trims alike.
 */
export function typedPassphrase(raw: string): string {
  return raw.trim();
}

/** The rule for a new typed passphrase: at least MIN_PASSPHRASE_BYTES once trimmed. */
export function isPassphraseTooShort(passphrase: string): boolean {
  return Buffer.byteLength(typedPassphrase(passphrase), 'utf8') < MIN_PASSPHRASE_BYTES;
}

export interface PassphraseRequest {
  /** The key's canonical ID (or, for a file being imported, a name for it). */
  keyId: string;
  /** The key's role: root, targets, snapshot, timestamp, a delegation (`targets/releases`) or a signer name. */
  role: string;
  gun?: string;
  /** `unlock` decrypts an existing key; `new` chooses the passphrase for a key about to be stored. */
  purpose: PassphrasePurpose;
  /** 0 for the first request for this key; n > 0 after n wrong passphrases. */
  attempt: number;
  /** A key file being imported: the passphrase asked is the one that file was encrypted with. */
  file?: string;
}

export interface PassphraseSource {
  /**
   * Resolves to a passphrase, or rejects: PassphraseUnavailableError when this source has nothing
   * to offer (a chain then tries the next one), PromptCancelledError, WrongPassphraseError when the
   * source cannot offer anything other than an answer already rejected.
   */
  get(req: PassphraseRequest): Promise<string>;
}

/**
 * The environment variables consulted for a role, in order. DOCKER_CONTENT_TRUST_* come first
 * (docker/cli trust.GetPassphraseRetriever), then notary's own (cmd/notary getPassphraseRetriever):
 * notary's delegation variable is used for every role that is not a base role.
 */
export function passphraseVariables(role: string): string[] {
  const repository = 'DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE';
  switch (role) {
    case 'root':
      return ['DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE', 'NOTARY_ROOT_PASSPHRASE'];
    case 'targets':
      return [repository, 'NOTARY_TARGETS_PASSPHRASE'];
    case 'snapshot':
      return [repository, 'NOTARY_SNAPSHOT_PASSPHRASE'];
    case 'timestamp':
      return [repository]; // notary has no variable for it; its timestamp keys live on the server
    default:
      return [repository, 'NOTARY_DELEGATION_PASSPHRASE'];
  }
}

/** Reads passphrases from environment variables (an empty variable counts as unset, as in docker and notary). */
export class EnvPassphraseSource implements PassphraseSource {
  constructor(private readonly env: Readonly<Record<string, string | undefined>> = process.env) {}

  /** The first variable set for `role` and its value. */
  lookup(role: string): { variable: string; value: string } | undefined {
    for (const variable of passphraseVariables(role)) {
      const value = this.env[variable];
      if (value) return { variable, value };
    }
    return undefined;
  }

  async get(req: PassphraseRequest): Promise<string> {
    const found = this.lookup(req.role);
    if (!found) {
      throw new PassphraseUnavailableError(req.role, req.keyId, [`set ${passphraseVariables(req.role)[0]}`], req.purpose);
    }
    // Asking again would return the same value: name its origin instead of retrying (docker's
    // retry ends in a misleading "could not find necessary signing keys").
    if (req.purpose === 'unlock' && req.attempt > 0) throw new WrongPassphraseError(req.keyId, found.variable);
    return found.value;
  }
}

/** Answers with a function: tests, and UIs that ask in their own way (a modal dialog). */
export class ScriptedPassphraseSource implements PassphraseSource {
  constructor(private readonly answer: (req: PassphraseRequest) => string | Promise<string>) {}

  async get(req: PassphraseRequest): Promise<string> {
    return this.answer(req);
  }
}

/**
 * Asks each source in turn and uses the first that has a passphrase. When none has, the error
 * collects every source's hint, e.g. "set DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE or run on a terminal".
 */
export class FirstAvailablePassphraseSource implements PassphraseSource {
  readonly sources: readonly PassphraseSource[];

  constructor(...sources: PassphraseSource[]) {
    this.sources = sources;
  }

  async get(req: PassphraseRequest): Promise<string> {
    const hints: string[] = [];
    for (const source of this.sources) {
      try {
        return await source.get(req);
      } catch (e) {
        if (!(e instanceof PassphraseUnavailableError)) throw e;
        hints.push(...e.hints);
      }
    }
    throw new PassphraseUnavailableError(req.role, req.keyId, hints, req.purpose);
  }
}

/**
 * The environment, then `prompt` (a terminal). A key file being imported is first tried with the
 * environment's passphrase, as docker's `trust key load` does (docker/cli trust.GetPassphraseRetriever
 * answers the file's "encrypted" alias with DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE); when that does
 * not open it, the file's own passphrase is asked of `prompt`, where docker gives up.
 */
export class EnvironmentThenPromptSource implements PassphraseSource {
  readonly #chain: FirstAvailablePassphraseSource;

  constructor(
    private readonly env: EnvPassphraseSource,
    private readonly prompt: PassphraseSource,
  ) {
    this.#chain = new FirstAvailablePassphraseSource(env, prompt);
  }

  async get(req: PassphraseRequest): Promise<string> {
    const rejected = req.file !== undefined && req.purpose === 'unlock' && req.attempt > 0 ? this.env.lookup(req.role) : undefined;
    if (!rejected) return this.#chain.get(req);
    try {
      return await this.prompt.get({ ...req, attempt: req.attempt - 1 });
    } catch (e) {
      if (e instanceof PassphraseUnavailableError) throw new KeyFilePassphraseError(req.file!, rejected.variable);
      throw e;
    }
  }
}
