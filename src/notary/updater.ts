// Brings the local view of one repository up to date, as notary's client update does
// (notary client/tufclient.go) with the guarantees of the TUF client workflow. The TrustedSet decides
// what is trusted; this module only fetches (cache first where hashes allow), feeds it in workflow
// order, writes what verified to the cache, and handles the two recoveries notary has:
//   * any verification failure -> download root again (rotating through `<v>.root.json`) and retry once;
//   * server unreachable -> answer from UNEXPIRED cached metadata, and say so.
import { DirectoryNotWritableError } from '../config/writable.js';
import { TufError } from '../tuf/errors.js';
import type { FileMeta, Root } from '../tuf/metadata/index.js';
import { parseMetadata } from '../tuf/metadata/index.js';
import { RepositoryView } from '../tuf/repository-view.js';
import { GoTime } from '../tuf/time.js';
import { tufLimits, type TufLimits } from '../tuf/limits.js';
import { countValidSignatures } from '../tuf/threshold.js';
import { TrustedSet, trustedVersionOf, type TrustedSetOptions } from '../tuf/trusted-set.js';
import {
  DelegationRefusedError,
  RollbackError,
  RootCertificateError,
  UpdateRefusedError,
} from '../tuf/update-errors.js';
import type { TrustCache } from './cache.js';
import {
  DownloadTooLargeError,
  MetadataNotFoundError,
  RepositoryNotInitialisedError,
  ServerUnreachableError,
  UnexpectedStatusError,
} from './http-errors.js';
import type { MetadataFile } from './multipart.js';
import {
  CachedRootError,
  NothingCachedError,
  refusalKind,
  RepositoryMissingOnServerError,
  RootExpiredOnServerError,
  TrustDataRefusedError,
} from './refresh-errors.js';
import { rootKeyFilter, type TrustPolicy } from './root-pinning.js';

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

/** The part of NotaryClient the updater reads with (a fake in tests). */
export interface MetadataSource {
  readonly baseUrl: string;
  getMetadata(gun: string, role: string, maxBytes?: number, signal?: AbortSignal): Promise<Buffer>;
  getMetadataByChecksum(gun: string, role: string, sha256Hex: string, maxBytes: number): Promise<Buffer>;
  getMetadataByVersion(gun: string, role: string, version: number, maxBytes?: number): Promise<Buffer>;
}

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
  onRoleVerified?: (set: TrustedSet, progress: { done: number; total: number }) => void;
}

export interface RefreshResult {
  trusted: TrustedSet;
  view: RepositoryView;
  /** True when the server was unreachable and the answer comes from the cache. */
  offline: boolean;
  warnings: string[];
}

function expiredPartOfRoot(set: TrustedSet): 'root' | 'root certificate' | undefined {
  if (set.root.signed.isExpired(GoTime.fromDate(set.now()))) return 'root';
  const certificates = new RepositoryView(set).rootCertificates();
  return certificates.length > 0 && certificates.every((c) => c.state === 'expired') ? 'root certificate' : undefined;
}

/** The snapshot names a root other than the trusted one: root rotated (notary's checkRoot). */
class RootChangedError extends UpdateRefusedError {
  constructor() {
    super('root', 'the snapshot lists a different root than the one trusted');
  }
}

/** Errors after which notary downloads root again and retries the update once. */
function warrantsRootRefresh(e: unknown): e is Error {
  if (e instanceof RepositoryNotInitialisedError) return false;
  return e instanceof TufError || e instanceof MetadataNotFoundError || e instanceof DownloadTooLargeError;
}

interface Fetched {
  bytes: Buffer;
  /** The file cached before this update, for the trusted set's rollback floor. */
  cached?: Buffer;
}

class Update {
  readonly warnings: string[] = [];
  readonly #setOptions: TrustedSetOptions;
  /** Offline: every file must come from the cache. */
  #offline = false;
  /** Roles fetched from the server in this update; written to the cache once everything verified. */
  readonly #downloaded = new Set<string>();
  /**
   * TUF 5.3.11: the new root changed the timestamp or snapshot keys, so the cached timestamp and
   * snapshot (signed by the old keys) no longer set a version floor, and are replaced. A repository
   * moved to another server restarts their numbering under that server's keys.
   */
  #timestampSnapshotKeysRotated = false;

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

  async run(): Promise<RefreshResult> {
    let trusted: TrustedSet;
    if (this.options.cacheOnly) {
      trusted = await this.#cacheOnly();
      return { trusted, view: new RepositoryView(trusted), offline: true, warnings: this.warnings };
    }
    try {
      trusted = await this.#online();
    } catch (e) {
      if (!(e instanceof ServerUnreachableError) || this.options.toPublish) throw e;
      trusted = await this.#fromCacheOnly(e);
    }
    const view = new RepositoryView(trusted);
    this.#warnIfRootCertificateExpiresSoon(view);
    return { trusted, view, offline: this.#offline, warnings: this.warnings };
  }

  /** notary warns within six months of a root certificate's end; after it, notary-server refuses every update. */
  #warnIfRootCertificateExpiresSoon(view: RepositoryView): void {
    // An expiry listing says it itself.
    if (this.options.replacingRootKey || this.options.tolerateExpiry) return;
    const certificates = view.rootCertificates();
    if (certificates.length === 0 || !certificates.every((c) => c.state === 'expires-soon')) return;
    const last = new Date(Math.max(...certificates.map((c) => c.notAfter.getTime()))).toISOString();
    this.#warn(
      `the root certificate of ${this.gun} expires on ${last}: replace it before then with \`trust-tui key rotate root ${this.gun}\` ` +
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
      await this.#loadAfterRoot(set, timestamp?.answer);
    } catch (first) {
      const expired = first instanceof UnexpectedStatusError && first.status >= 500 ? expiredPartOfRoot(set) : undefined;
      if (expired) throw new RootExpiredOnServerError(this.gun, set, expired, first as Error);
      if (!warrantsRootRefresh(first)) throw first;
      // notary: on any failure, download root again (rotating through every version) and retry once.
      set = await this.#refreshRoot(set);
      await this.#loadAfterRoot(set);
    }
    await this.#commit(set);
    return set;
  }

  /**
   * Sends the request for the server's timestamp (5.4) and lets the connection start, so that the
   * cached root is checked (5.3) while the server answers rather than before it is asked. The answer
   * is only bytes: nothing in them is used until 5.4 verifies them with the root 5.3 trusts, exactly
   * as if they had been fetched after it.
   */
  async #askForTimestamp(): Promise<{ answer: Promise<Buffer>; abort: AbortController }> {
    const abort = new AbortController();
    const answer = this.#client.getMetadata(this.gun, 'timestamp', this.#limit('timestamp'), abort.signal);
    // Awaited where 5.4 needs it; until then a failure (an unreachable server) is not unhandled.
    answer.catch(() => undefined);
    // One turn of the event loop: the socket connects and the TLS handshake's first message goes out.
    await new Promise<void>((resolve) => setImmediate(resolve));
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
  async #refreshRoot(set: TrustedSet): Promise<TrustedSet> {
    const latestBytes = await this.#client.getMetadata(this.gun, 'root', this.#limit('root'));
    const latestVersion = parseMetadata(latestBytes, 'root').signed.version;
    const fresh = TrustedSet.fromTrustedRoot(set.root.raw, this.#setOptions);
    const trustedVersion = fresh.root.signed.version;
    if (latestVersion < trustedVersion) throw new RollbackError('root', trustedVersion, latestVersion);
    fresh.checkRootWalk(latestVersion);
    for (let v = trustedVersion + 1; v < latestVersion; v++) {
      fresh.updateRoot(await this.#client.getMetadataByVersion(this.gun, 'root', v, this.#limit('root')));
    }
    if (latestVersion > trustedVersion) {
      fresh.updateRoot(latestBytes);
      this.#downloaded.add('root');
    }
    if (serverKeysChanged(set.root.signed, fresh.root.signed)) this.#timestampSnapshotKeysRotated = true;
    return fresh;
  }

  // ------------------------------------------------------------------ timestamp .. delegations

  /** `askedForTimestamp`: the server's timestamp when it was asked for before the root check (#askForTimestamp). */
  async #loadAfterRoot(set: TrustedSet, askedForTimestamp?: Promise<Buffer>): Promise<void> {
    // 5.4 timestamp: always the current one from the server (plain name, at most 1 MiB).
    const timestamp = await this.#fetchTimestamp(set.root.signed, askedForTimestamp);
    set.updateTimestamp(timestamp.bytes, { cached: timestamp.cached });

    // 5.5 snapshot: from the cache when it is the file the timestamp names, else by checksum.
    const snapshot = await this.#fetchVouched('snapshot', set.timestamp!.signed.snapshotMeta, set.root.signed);
    set.updateSnapshot(snapshot.bytes, { cached: snapshot.cached });
    // notary's checkRoot: a snapshot naming another root means root rotated; refresh and retry.
    if (!set.snapshotMatchesRoot()) throw new RootChangedError();

    // 5.6 targets (every failure fatal), then delegations.
    const targets = await this.#fetchVouched('targets', set.snapshot!.signed.metaFor('targets')!);
    set.updateTargets(targets.bytes, { cached: targets.cached });
    this.#rolesDone = 0;
    this.#roleDone(set);
    await this.#loadDelegations(set, 'targets');
  }

  /** Targets roles of this attempt walked so far (onRoleVerified). */
  #rolesDone = 0;

  #roleDone(set: TrustedSet): void {
    const report = this.options.onRoleVerified;
    if (!report) return;
    this.#rolesDone++;
    let total = 0;
    for (const role of set.snapshot!.signed.meta.keys()) if (role === 'targets' || role.startsWith('targets/')) total++;
    report(set, { done: this.#rolesDone, total: Math.max(total, this.#rolesDone) });
  }

  /**
   * Depth-first, pre-order (a role's children, in file order, before its later siblings), only roles
   * the snapshot lists — notary's order. Expired or below-threshold delegations are skipped with a
   * warning (their subtree too); any other failure is fatal.
   *
   * Once a parent is trusted, the snapshot (already verified) states the length and hashes of each
   * child it declares, so the children's files are fetched together; each is still checked against
   * the snapshot and verified in the order above, and nothing of a skipped subtree is fetched.
   */
  async #loadDelegations(set: TrustedSet, parent: string): Promise<void> {
    const declared = set.targetsOf(parent)?.signed.delegations ?? [];
    const listed: { name: string; meta: FileMeta }[] = [];
    for (const { name } of declared) {
      const meta = set.snapshot!.signed.metaFor(name);
      if (meta) listed.push({ name, meta });
    }
    const fetches = listed.map(({ name, meta }) => settled(this.#fetchVouched(name, meta)));
    for (const [i, { name }] of listed.entries()) {
      const fetched = await fetches[i]!;
      if (!fetched.ok) {
        const e = fetched.error;
        // A cache-only read is for moving the repository: a missing file would be lost, so it is fatal.
        if (!(this.#offline && e instanceof NotCachedError) || this.options.cacheOnly) throw e;
        this.#warn(`${name} is not in the local cache; its signatures are not shown while offline`);
        this.#roleDone(set);
        continue;
      }
      try {
        set.updateDelegation(name, fetched.value.bytes, parent, { cached: fetched.value.cached });
      } catch (e) {
        if (!(e instanceof DelegationRefusedError)) throw e;
        this.#warn(`${this.gun}: skipping ${e.message}`);
        this.#roleDone(set);
        continue;
      }
      this.#roleDone(set);
      await this.#loadDelegations(set, name);
    }
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

  /**
   * The cached file of `role`, except a timestamp or snapshot whose keys were rotated (5.3.11), or
   * that the trusted root does not vouch for: notary 0.7 and docker store a new root that rotated
   * those keys, then refuse the new server's timestamp and keep the old files. Signed by keys the
   * root no longer lists, those files are not trusted metadata, so their versions are no floor.
   */
  async #cached(role: string, root?: Root): Promise<Buffer | undefined> {
    return this.#vouchedByRoot(role, await this.#cachedUnchecked(role), root);
  }

  /** The cached file of `role` before the check of #cached (none for a rotated timestamp or snapshot). */
  async #cachedUnchecked(role: string): Promise<Buffer | undefined> {
    if ((role === 'timestamp' || role === 'snapshot') && this.#timestampSnapshotKeysRotated) return undefined;
    return this.#cache.read(this.gun, role);
  }

  /** `bytes` unless they are a timestamp or snapshot without the threshold of `root`'s keys for the role. */
  #vouchedByRoot(role: string, bytes: Buffer | undefined, root?: Root): Buffer | undefined {
    if (role !== 'timestamp' && role !== 'snapshot') return bytes;
    if (!bytes || !root || signedByRootKeysOf(root, role, bytes)) return bytes;
    return undefined;
  }

  async #fetchTimestamp(root?: Root, asked?: Promise<Buffer>): Promise<Fetched> {
    if (this.#offline) {
      const cached = await this.#cached('timestamp', root);
      if (!cached) throw new NotCachedError('timestamp');
      return { bytes: cached };
    }
    const cached = await this.#cachedUnchecked('timestamp');
    const bytes = await (asked ?? this.#client.getMetadata(this.gun, 'timestamp', this.#limit('timestamp')));
    // The same file as cached (the server re-signs it only now and then): nothing to write back, and
    // no floor to check it against but itself; the trusted set verifies these bytes with root's keys.
    if (cached?.equals(bytes)) return { bytes };
    this.#downloaded.add('timestamp');
    return { bytes, cached: this.#vouchedByRoot('timestamp', cached, root) };
  }

  /** A file whose length and hashes trusted metadata states: cache when identical, else by checksum. */
  async #fetchVouched(role: string, meta: FileMeta, root?: Root): Promise<Fetched> {
    const unchecked = await this.#cachedUnchecked(role);
    // Online, a cached file that is exactly the one trusted metadata vouches for is what a download by
    // checksum would bring: the trusted set verifies it as it would verify that download (a snapshot
    // without root's threshold is refused the same way), so #cached's own check would only repeat it.
    if (!this.#offline && unchecked && meta.mismatch(unchecked) === undefined) return { bytes: unchecked };
    const cached = this.#vouchedByRoot(role, unchecked, root);
    if (cached && meta.mismatch(cached) === undefined) return { bytes: cached };
    if (this.#offline) throw new NotCachedError(role);
    const sha256 = meta.hex('sha256');
    // The download may not exceed the stated length (endless-data attack).
    const bytes = sha256
      ? await this.#client.getMetadataByChecksum(this.gun, role, sha256, meta.length)
      : await this.#client.getMetadata(this.gun, role, meta.length);
    this.#downloaded.add(role);
    return { bytes, cached };
  }

  #limit(role: 'root' | 'timestamp'): number {
    const limits = tufLimits(this.options.limits);
    return role === 'root' ? limits.maxRootBytes : limits.maxTimestampBytes;
  }

  // ------------------------------------------------------------------ offline

  /** `cacheOnly`: the cached files, verified as a download would be; nothing is asked of the server. */
  async #cacheOnly(): Promise<TrustedSet> {
    this.#offline = true;
    const root = await this.#cache.read(this.gun, 'root');
    if (!root) throw new NothingCachedError(this.gun, this.#cache.metadataDir(this.gun));
    try {
      let set: TrustedSet;
      try {
        set = TrustedSet.fromTrustedRoot(root, this.#setOptions);
      } catch (e) {
        throw new CachedRootError(this.gun, this.#cache.metadataDir(this.gun), e as Error);
      }
      await this.#loadAfterRoot(set);
      return set;
    } catch (e) {
      if (e instanceof CachedRootError) throw e;
      if (e instanceof NotCachedError) {
        throw new TrustDataRefusedError(this.gun, this.#cache.metadataDir(this.gun), 'invalid', new TufError(`the cache is incomplete: ${e.message}`));
      }
      if (e instanceof TufError) throw new TrustDataRefusedError(this.gun, this.#cache.metadataDir(this.gun), refusalKind(e), e);
      throw e;
    }
  }

  /** The server is unreachable: the same checks over cached files only; expired data is refused. */
  async #fromCacheOnly(unreachable: ServerUnreachableError): Promise<TrustedSet> {
    this.#offline = true;
    const root = await this.#cache.read(this.gun, 'root');
    if (!root) throw unreachable;
    try {
      const set = TrustedSet.fromTrustedRoot(root, this.#setOptions);
      await this.#loadAfterRoot(set);
      const when = set.timestamp!.signed.expires.toDate().toISOString();
      this.#warn(`cannot reach the trust server at ${unreachable.url}: ${unreachable.reason}; showing the trust data cached on this machine (valid until ${when})`);
      return set;
    } catch (e) {
      if (!(e instanceof TufError)) throw e;
      if (e instanceof RootCertificateError) throw new TrustDataRefusedError(this.gun, this.#client.baseUrl, 'root-certificate', e);
      throw new ServerUnreachableError(unreachable.url, `${unreachable.reason}, and the cached trust data for ${this.gun} cannot be used (${e.message})`);
    }
  }
}

/**
 * A promise that never rejects: fetches started ahead of their turn must not become unhandled
 * rejections when an earlier role ends the update.
 */
function settled<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** Whether a cached timestamp or snapshot carries the threshold of signatures `root` asks for that role. */
function signedByRootKeysOf(root: Root, role: 'timestamp' | 'snapshot', bytes: Buffer): boolean {
  try {
    const envelope = parseMetadata(bytes, role);
    const keys = root.role(role);
    return countValidSignatures(envelope.signedCanonicalBytes(), envelope.signatures, { keyids: keys.distinctKeyIds, threshold: keys.threshold }, root.keys).met;
  } catch {
    // Unparseable: the trusted set refuses it with its own message.
    return true;
  }
}

/** Whether `after` lists other timestamp or snapshot keys than `before` (TUF 5.3.11). */
function serverKeysChanged(before: Root, after: Root): boolean {
  const ids = (root: Root, role: 'timestamp' | 'snapshot') => root.role(role).keyIds.slice().sort().join(',');
  return ids(before, 'timestamp') !== ids(after, 'timestamp') || ids(before, 'snapshot') !== ids(after, 'snapshot');
}

/** Offline, a file that the cache does not hold (or holds in another version). */
class NotCachedError extends TufError {
  override name = 'NotCachedError';
  constructor(role: string) {
    super(`${role} is not cached in the version the trusted metadata names`);
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
