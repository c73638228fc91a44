// Brings the local view of one repository up to date, as notary's client update does
// (notary client/tufclient.go) with the guarantees of the TUF client workflow. The TrustedSet decides
// what is trusted; this module establishes root, has the rest walked in workflow order (update-walk.ts)
// over files from the cache where hashes allow or else the server (update-files.ts), writes what
// verified to the cache, and handles the two recoveries notary has:
//   * any verification failure -> download root again (rotating through `<v>.root.json`) and retry once;
//   * server unreachable -> answer from UNEXPIRED cached metadata, and say so (offline-read.ts).
import { DirectoryNotWritableError } from '../config/writable.js';
import { SignatureError, TufError } from '../tuf/errors.js';
import { parseMetadata } from '../tuf/metadata/index.js';
import { RepositoryView } from '../tuf/repository-view.js';
import { GoTime } from '../tuf/time.js';
import type { TufLimits } from '../tuf/limits.js';
import { TrustedSet, trustedVersionOf, type TrustedSetOptions } from '../tuf/trusted-set.js';
import { RollbackError } from '../tuf/update-errors.js';
import type { TrustCache } from './cache.js';
import {
  DownloadTooLargeError,
  MetadataNotFoundError,
  RepositoryNotInitialisedError,
  ServerUnreachableError,
  UnexpectedStatusError,
} from './http-errors.js';
import type { MetadataFile } from './multipart.js';
import { CacheFiles, readCacheOnly, readCacheWhenUnreachable, type OfflineRead } from './offline-read.js';
import {
  CachedRootError,
  expiredPartOfRoot,
  refusalKind,
  RepositoryMissingOnServerError,
  RootExpiredOnServerError,
  TrustDataRefusedError,
} from './refresh-errors.js';
import { rootKeyFilter, type TrustPolicy } from './root-pinning.js';
import { CachedFiles, metadataLimit, ServerFiles, type MetadataSource, type UpdateFiles } from './update-files.js';
import { loadAfterRoot, type RoleVerified, type Walk } from './update-walk.js';

export {
  CachedRootError,
  NothingCachedError,
  RepositoryMissingOnServerError,
  RootExpiredOnServerError,
  rootCertificateHint,
  TrustDataRefusedError,
  type RefusalKind,
} from './refresh-errors.js';

export type { TrustPolicy } from './root-pinning.js';

export type { MetadataSource } from './update-files.js';

/**
 * The longest the cached root's check waits for the timestamp request to be on the wire. On loopback
 * the request is sent within a few milliseconds; past this, the check runs anyway (see #askForTimestamp).
 */
const ROOT_CHECK_WAITS_MS = 20;

export interface RefreshOptions {
  client: MetadataSource;
  cache: TrustCache;
  trustPolicy: TrustPolicy;
  clock?: () => Date;
  /** Called for each warning as it happens (also collected in the result). */
  onWarning?: (message: string) => void;
  limits?: Partial<TufLimits>;
  /**
   * Always ask for `root.json` first, as notary does before a publish (AlwaysCheckInitialized), so a
   * rotated or deleted repository is noticed before anything is signed against it.
   */
  alwaysFetchRoot?: boolean;
  /** For `key rotate root`: read a repository whose root certificates expired (see TrustedSetOptions). */
  replacingRootKey?: boolean;
  /**
   * The caller is about to publish: no fallback to the cache when the server is unreachable (a
   * change that cannot be published must not be prepared, nor passphrases asked for it).
   */
  toPublish?: boolean;
  /**
   * Report expiry instead of refusing on it (TrustedSetOptions.tolerateExpiry; `trusted.expiredRoles`):
   * for the expiry listing, renewal and migration. What is read this way is verified but not written
   * to the cache, and also offline an expired cache is read.
   */
  tolerateExpiry?: boolean;
  /**
   * Read the cached files only, never the server: the last verified state of a repository whose
   * server is gone. Every check still runs over them.
   */
  cacheOnly?: boolean;
  /**
   * Called each time a targets role has been verified (or skipped) during the walk, with the set as
   * trusted so far and how many of the snapshot's targets roles are done: a caller may show what is
   * already verified while the rest loads. The update's result still decides; a retry starts over.
   */
  onRoleVerified?: RoleVerified;
}

export interface RefreshResult {
  trusted: TrustedSet;
  view: RepositoryView;
  /** True when the server was unreachable and the answer comes from the cache. */
  offline: boolean;
  warnings: string[];
}

/** Errors after which notary downloads root again and retries the update once. */
function warrantsRootRefresh(e: unknown): e is Error {
  if (e instanceof RepositoryNotInitialisedError) return false;
  return e instanceof TufError || e instanceof MetadataNotFoundError || e instanceof DownloadTooLargeError;
}

class Update {
  readonly warnings: string[] = [];
  readonly #setOptions: TrustedSetOptions;
  /** Roles fetched from the server in this update; written to the cache once everything verified. */
  readonly #downloaded = new Set<string>();
  readonly #cached: CachedFiles;
  readonly #server: ServerFiles;

  constructor(
    readonly gun: string,
    readonly options: RefreshOptions,
  ) {
    // TUF 5.1: the time the update began is the reference for every expiry check in it.
    const startedAt = (options.clock ?? (() => new Date()))();
    this.#setOptions = {
      gun,
      clock: () => startedAt,
      rootKeyFilter: rootKeyFilter(options.trustPolicy),
      limits: options.limits,
      replacingRootKey: options.replacingRootKey,
      tolerateExpiry: options.tolerateExpiry,
    };
    this.#cached = new CachedFiles(gun, options.cache);
    this.#server = new ServerFiles(options.client, this.#cached, this.#downloaded, options.limits);
  }

  get #client(): MetadataSource {
    return this.options.client;
  }

  get #cache(): TrustCache {
    return this.options.cache;
  }

  #warn(message: string): void {
    this.warnings.push(message);
    this.options.onWarning?.(message);
  }

  /** The walk after root (TUF 5.4–5.6) over `files`. */
  #walk(files: UpdateFiles): Walk {
    const { onRoleVerified, cacheOnly } = this.options;
    return { gun: this.gun, files, warn: (message) => this.#warn(message), onRoleVerified, cacheOnly };
  }

  /** A read of the cached files alone (offline-read.ts). */
  #offlineRead(): OfflineRead {
    return { gun: this.gun, cache: this.#cache, setOptions: this.#setOptions, walk: this.#walk(new CacheFiles(this.#cached)) };
  }

  async run(): Promise<RefreshResult> {
    let trusted: TrustedSet;
    if (this.options.cacheOnly) {
      trusted = await readCacheOnly(this.#offlineRead());
      return { trusted, view: new RepositoryView(trusted), offline: true, warnings: this.warnings };
    }
    let offline = false;
    try {
      trusted = await this.#online();
    } catch (e) {
      if (!(e instanceof ServerUnreachableError) || this.options.toPublish) throw e;
      trusted = await readCacheWhenUnreachable(this.#offlineRead(), e, this.#client.baseUrl);
      offline = true;
    }
    const view = new RepositoryView(trusted);
    this.#warnIfRootCertificateExpiresSoon(view);
    return { trusted, view, offline, warnings: this.warnings };
  }

  /** notary warns within six months of a root certificate's end; after it, notary-server refuses every update. */
  #warnIfRootCertificateExpiresSoon(view: RepositoryView): void {
    // An expiry listing says it itself.
    if (this.options.replacingRootKey || this.options.tolerateExpiry) return;
    const certificates = view.rootCertificates();
    if (certificates.length === 0 || !certificates.every((c) => c.state === 'expires-soon')) return;
    const last = new Date(Math.max(...certificates.map((c) => c.notAfter.getTime()))).toISOString();
    this.#warn(
      `the root certificate of ${this.gun} expires on ${last}: renew it before then with \`trust-tui renew ${this.gun}\` ` +
        '(once it has expired, notary-server refuses every update of the repository)',
    );
  }

  // ------------------------------------------------------------------ online

  async #online(): Promise<TrustedSet> {
    try {
      return await this.#updateWithOneRetry();
    } catch (e) {
      if (e instanceof RepositoryNotInitialisedError) {
        const cachedRoot = await this.#cache.read(this.gun, 'root');
        if (cachedRoot) {
          const trusted = trustedVersionOf(await this.#cache.read(this.gun, 'snapshot')) ?? trustedVersionOf(cachedRoot) ?? 1;
          throw new RepositoryMissingOnServerError(this.gun, this.#client.baseUrl, trusted);
        }
      }
      if (e instanceof TrustDataRefusedError || e instanceof CachedRootError) throw e;
      if (e instanceof TufError || e instanceof DownloadTooLargeError) {
        throw new TrustDataRefusedError(this.gun, this.#client.baseUrl, refusalKind(e), e);
      }
      throw e;
    }
  }

  async #updateWithOneRetry(): Promise<TrustedSet> {
    // 5.3.1–5.3.2 bootstrap: the cached root is the trust anchor; without one, TOFU or pinning.
    const cachedRoot = await this.#cache.read(this.gun, 'root');
    // Before a publish, root.json goes first on the wire too, as notary asks for it (alwaysFetchRoot).
    const timestamp = cachedRoot && !this.options.alwaysFetchRoot ? await this.#askForTimestamp() : undefined;
    let set: TrustedSet;
    try {
      set = await this.#bootstrapRoot(cachedRoot);
      // 5.3.10: an expired trusted root is replaced before anything is checked with it.
      const rootExpired = set.root.signed.isExpired(GoTime.fromDate(set.now()));
      if (rootExpired || (this.options.alwaysFetchRoot && !this.#downloaded.has('root'))) set = await this.#refreshRoot(set);
    } catch (e) {
      // Nothing will read that timestamp: a server that never answers must not keep the command waiting.
      timestamp?.abort.abort();
      throw e;
    }
    try {
      await loadAfterRoot(set, this.#walk(this.#server), timestamp?.answer);
    } catch (first) {
      const expired = first instanceof UnexpectedStatusError && first.status >= 500 ? expiredPartOfRoot(set) : undefined;
      if (expired) throw new RootExpiredOnServerError(this.gun, set, expired, first as Error);
      if (!warrantsRootRefresh(first)) throw first;
      // notary: on any failure, download root again (rotating through every version) and retry once.
      set = await this.#refreshRoot(set, first);
      await loadAfterRoot(set, this.#walk(this.#server));
    }
    await this.#commit(set);
    return set;
  }

  /**
   * Sends the request for the server's timestamp (5.4) and waits until it is on the wire, so that
   * the cached root is checked (5.3) while the server answers rather than before it is asked. The
   * answer is only bytes: nothing in them is used until 5.4 verifies them with the root 5.3 trusts,
   * exactly as if they had been fetched after it.
   */
  async #askForTimestamp(): Promise<{ answer: Promise<Buffer>; abort: AbortController }> {
    const abort = new AbortController();
    let sent = (): void => undefined;
    const onWire = new Promise<void>((resolve) => (sent = resolve));
    const answer = this.#client.getMetadata(this.gun, 'timestamp', this.#limit('timestamp'), { signal: abort.signal, onSent: sent });
    // Awaited where 5.4 needs it; until then a failure (an unreachable server) is not unhandled.
    const settled = answer.then(
      () => undefined,
      () => undefined,
    );
    // Checking the root first would hold back the TLS handshake, which needs this thread too: the
    // check waits for the request to be sent (or to fail, or to be answered without a socket), but
    // not for long: a server that never finishes the handshake must not delay the refusal of a
    // damaged cached root, and across a network the check fits in the wait for the server.
    let timer: NodeJS.Timeout | undefined;
    const longEnough = new Promise<void>((resolve) => (timer = setTimeout(resolve, ROOT_CHECK_WAITS_MS)));
    await Promise.race([onWire, settled, longEnough]);
    clearTimeout(timer);
    return { answer, abort };
  }

  async #bootstrapRoot(cached: Buffer | undefined): Promise<TrustedSet> {
    if (cached) {
      try {
        return TrustedSet.fromTrustedRoot(cached, this.#setOptions);
      } catch (e) {
        // notary: "if we can't load the cached root, fail hard because that is how we pin trust"
        throw new CachedRootError(this.gun, this.#cache.metadataDir(this.gun), e as Error);
      }
    }
    const bytes = await this.#client.getMetadata(this.gun, 'root', this.#limit('root'));
    const set = TrustedSet.fromNewRoot(bytes, this.#setOptions);
    this.#downloaded.add('root');
    return set;
  }

  /**
   * 5.3.3–5.3.7: `root.json` tells the newest version N; every version between the trusted one and N
   * is fetched as `<v>.root.json` and must chain (signed by the previous root and by itself).
   * Returns a NEW set anchored at the newest root (5.3.11: nothing verified with the old root stays).
   */
  async #refreshRoot(set: TrustedSet, failure?: unknown): Promise<TrustedSet> {
    const latestBytes = await this.#client.getMetadata(this.gun, 'root', this.#limit('root'));
    const latest = parseMetadata(latestBytes, 'root');
    const latestVersion = latest.signed.version;
    const fresh = TrustedSet.fromTrustedRoot(set.root.raw, this.#setOptions);
    const trustedVersion = fresh.root.signed.version;
    if (latestVersion < trustedVersion) throw new RollbackError('root', trustedVersion, latestVersion);
    if (latestVersion === trustedVersion && !latest.signedCanonicalBytes().equals(fresh.root.signedCanonicalBytes())) {
      // A failure of the trusted root itself (its certificate's dates) is the cause to report.
      if (failure !== undefined && !(failure instanceof SignatureError)) throw failure;
      // Not a rotation (no version chains from the trusted root): the repository was re-created with
      // other root keys, or someone serves a root of their own. Said as such, not as a timestamp error.
      throw new SignatureError(
        'root',
        `could not rotate trust to a new trusted root: the server's root is version ${latestVersion}, as the one trusted so far, but not the same root; ` +
          `if the owner re-created the repository, forget the local trust data for ${this.gun} and trust it anew`,
      );
    }
    fresh.checkRootWalk(latestVersion);
    for (let v = trustedVersion + 1; v < latestVersion; v++) {
      fresh.updateRoot(await this.#client.getMetadataByVersion(this.gun, 'root', v, this.#limit('root')));
    }
    if (latestVersion > trustedVersion) {
      fresh.updateRoot(latestBytes);
      this.#downloaded.add('root');
    }
    this.#cached.rootReplaced(set.root.signed, fresh.root.signed);
    return fresh;
  }

  /**
   * Only a complete, verified update changes the cache (a refused one changes nothing): every
   * downloaded file that ended up trusted is written as received, and cached delegations that the
   * snapshot no longer lists are forgotten (their version must not act as a rollback floor).
   */
  async #commit(set: TrustedSet): Promise<void> {
    // Expired metadata never becomes the cached state a later read starts from.
    if (this.options.tolerateExpiry) return;
    try {
      await this.#writeCache(set);
    } catch (e) {
      // A read-only cache (a shared mount) does not stop a read: the answer was verified all the same.
      if (!(e instanceof DirectoryNotWritableError)) throw e;
      this.#warn(cacheNotUpdated(e));
    }
  }

  async #writeCache(set: TrustedSet): Promise<void> {
    const trusted = set.trustedFiles();
    // root first: the rest was verified against it
    for (const role of ['root', ...[...trusted.keys()].filter((r) => r !== 'root')]) {
      const bytes = trusted.get(role);
      if (bytes && this.#downloaded.has(role)) await this.#cache.write(this.gun, role, bytes);
    }
    for (const role of await this.#cache.cachedDelegations(this.gun)) {
      if (!set.snapshot!.signed.metaFor(role)) await this.#cache.remove(this.gun, role);
    }
  }

  #limit(role: 'root' | 'timestamp'): number {
    return metadataLimit(this.options.limits, role);
  }
}

/**
 * Updates and verifies the trust data of `gun`: root (bootstrap, rotation), timestamp, snapshot,
 * targets and delegations, writing each verified file to the cache.
 */
export function refresh(gun: string, options: RefreshOptions): Promise<RefreshResult> {
  return new Update(gun, options).run();
}

/**
 * Writes what was just published (and accepted by the server) to the cache, so the next command does
 * not download it again (notary #19). A new root is only cached when none is: a rotated root becomes
 * trusted through the next refresh's chain check, never by our word alone. The timestamp is never ours.
 */
export async function rememberPublished(gun: string, files: readonly MetadataFile[], cache: TrustCache): Promise<void> {
  const hasRoot = (await cache.read(gun, 'root')) !== undefined;
  try {
    for (const file of files) {
      if (file.role === 'timestamp' || (file.role === 'root' && hasRoot)) continue;
      await cache.write(gun, file.role, file.bytes);
    }
  } catch (e) {
    // Published already: the read-back that follows says that the cache could not be updated.
    if (!(e instanceof DirectoryNotWritableError)) throw e;
  }
}

/** The one warning of a read from a read-only trust directory (same words for every repository). */
export function cacheNotUpdated(e: DirectoryNotWritableError): string {
  return `the trust directory ${e.dir} is not writable (${e.code}): the local trust cache was not updated`;
}
