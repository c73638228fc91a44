// Optional HTTP Basic authentication from htpasswd files (bcrypt only, as docker/distribution's
// htpasswd access controller). A 401 carries `WWW-Authenticate: Basic realm="…"`, the challenge the
// notary CLI (NOTARY_AUTH) and the docker CLI (registry credentials) answer with Basic credentials.
// Users in the read-write file may push and pull; users in the read-only file may only pull.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bcryptCost, PasswordCheckBusyError, PasswordChecker } from './password-check.js';

/** What a request needs: notary's scopes for `repository:<gun>` (pull, push, `*`). */
export type Access = 'pull' | 'push' | 'admin';

export type AuthResult =
  | { ok: true; user: string | undefined }
  | { ok: false; status: 401 | 403; challenge: string | undefined }
  /** The client already has its share of password checks running. */
  | { ok: false; status: 429; challenge: undefined };

/** What a request touches: a repository, the whole server (global changefeed, /metrics), or only the /v2/ ping. */
export type AuthTarget = { kind: 'repository'; gun: string } | { kind: 'server' } | { kind: 'ping' };

export interface Authenticator {
  /**
   * Checks the request's Authorization header for the access it needs; `client` is the remote address;
   * `target` names the resource (token auth puts it in the challenge's scope).
   */
  authorize(authorization: string | undefined, access: Access, client?: string, target?: AuthTarget): Promise<AuthResult>;
  /** Releases what the authenticator holds (worker threads). */
  close?(): Promise<void>;
}

/** No authentication: everything is allowed (the default, as notary-server without `auth`). */
export const openAccess: Authenticator = {
  async authorize() {
    return { ok: true, user: undefined };
  },
};

export class HtpasswdError extends Error {
  override name = 'HtpasswdError';
}

/** Reads `user:bcrypt-hash` lines; blank lines and `#` comments are skipped. */
export function parseHtpasswd(text: string, file: string): Map<string, string> {
  const users = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (colon <= 0 || !/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
      throw new HtpasswdError(
        `${file} line ${index + 1}: expected user:bcrypt-hash (make one with \`htpasswd -B\`); other hash types are not accepted`,
      );
    }
    users.set(user, hash);
  });
  return users;
}

export interface HtpasswdOptions {
  /** Users who may read and write. */
  readWrite: Map<string, string>;
  /** Users who may only read. */
  readOnly?: Map<string, string>;
  /** Let requests without credentials read (public trust data); writes still need a user. */
  anonymousRead?: boolean;
  realm?: string;
}

/** How many verified passwords to remember: bcrypt costs tens of milliseconds per check. */
const VERIFIED_CACHE_SIZE = 1000;

export class HtpasswdAuthenticator implements Authenticator {
  readonly #options: HtpasswdOptions;
  readonly #challenge: string;
  /** sha256(user, hash, password) of recent successful checks. */
  readonly #verified = new Set<string>();
  readonly #checker: PasswordChecker;

  constructor(options: HtpasswdOptions) {
    this.#options = options;
    this.#challenge = `Basic realm=${JSON.stringify(options.realm ?? 'trust-tui')}`;
    const hashes = [...options.readWrite.values(), ...(options.readOnly?.values() ?? [])];
    this.#checker = new PasswordChecker(Math.max(4, ...hashes.map(bcryptCost)));
  }

  close(): Promise<void> {
    return this.#checker.close();
  }

  static fromFiles(readWriteFile: string, readOnlyFile?: string, anonymousRead = false): HtpasswdAuthenticator {
    const load = (file: string) => parseHtpasswd(readFileSync(file, 'utf8'), file);
    return new HtpasswdAuthenticator({
      readWrite: load(readWriteFile),
      readOnly: readOnlyFile ? load(readOnlyFile) : undefined,
      anonymousRead,
    });
  }

  async authorize(authorization: string | undefined, access: Access, client = '-'): Promise<AuthResult> {
    const credentials = parseBasic(authorization);
    if (!credentials) {
      if (access === 'pull' && this.#options.anonymousRead) return { ok: true, user: undefined };
      return { ok: false, status: 401, challenge: this.#challenge };
    }
    const { user, password } = credentials;
    const writeHash = this.#options.readWrite.get(user);
    const readHash = this.#options.readOnly?.get(user);
    try {
      // An unknown user is checked against a dummy hash: the answer takes as long as for a known one.
      if (writeHash !== undefined || readHash === undefined) {
        if (await this.#matches(client, user, writeHash, password)) return { ok: true, user };
      }
      if (readHash !== undefined && (await this.#matches(client, user, readHash, password))) {
        // Known user, wrong scope: 403 without a challenge, so clients do not loop asking for a password.
        return access === 'pull' ? { ok: true, user } : { ok: false, status: 403, challenge: undefined };
      }
    } catch (e) {
      if (e instanceof PasswordCheckBusyError) return { ok: false, status: 429, challenge: undefined };
      throw e;
    }
    return { ok: false, status: 401, challenge: this.#challenge };
  }

  async #matches(client: string, user: string, hash: string | undefined, password: string): Promise<boolean> {
    const key = createHash('sha256').update(`${user}\0${hash ?? ''}\0${password}`).digest('hex');
    if (hash !== undefined && this.#verified.has(key)) return true;
    if (!(await this.#checker.matches(client, password, hash, key))) return false;
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.clear();
    this.#verified.add(key);
    return true;
  }
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
