// Where an update gets the files after root (TUF 5.4–5.6): online, the cached file when trusted
// metadata vouches for it and the server otherwise; offline, the cache alone (offline-read.ts). Either
// way the TrustedSet verifies what it is given: this module only chooses the bytes and the rollback
// floor that goes with them.
import { TufError, type HintInput } from '../tuf/errors.js';
import { parseMetadata, type FileMeta, type Root } from '../tuf/metadata/index.js';
import { tufLimits, type TufLimits } from '../tuf/limits.js';
import { countValidSignatures } from '../tuf/threshold.js';
import type { TrustCache } from './cache.js';
import type { ExchangeHooks } from './http-client.js';

/** The part of NotaryClient the updater reads with (a fake in tests). */
export interface MetadataSource {
  readonly baseUrl: string;
  getMetadata(gun: string, role: string, maxBytes?: number, hooks?: ExchangeHooks): Promise<Buffer>;
  getMetadataByChecksum(gun: string, role: string, sha256Hex: string, maxBytes: number): Promise<Buffer>;
  getMetadataByVersion(gun: string, role: string, version: number, maxBytes?: number): Promise<Buffer>;
}

export interface Fetched {
  bytes: Buffer;
  /** The file cached before this update, for the trusted set's rollback floor. */
  cached?: Buffer;
}

/** The files of one update after root, from the server (cache first) or from the cache only. */
export interface UpdateFiles {
  /** Offline: every file must come from the cache. */
  readonly offline: boolean;
  /** `asked`: the server's timestamp when it was asked for before the root check. */
  timestamp(root: Root, asked?: Promise<Buffer>): Promise<Fetched>;
  /** A file whose length and hashes trusted metadata states (`root` given for the snapshot). */
  vouched(role: string, meta: FileMeta, root?: Root): Promise<Fetched>;
}

/** Offline, a file that the cache does not hold, or a cached timestamp or snapshot the trusted root's keys did not sign. */
export class NotCachedError extends TufError {
  override name = 'NotCachedError';
  constructor(role: string, message = `${role} is not cached in the version the trusted metadata names`, hint?: HintInput) {
    super(message, { hint });
  }
}

/**
 * Offline, a cached file whose bytes are not the ones trusted metadata vouches for: its length or
 * hash differs from what the trusted snapshot (the timestamp, for the snapshot) names. Files are
 * cached only once verified, so it was damaged or changed afterwards. The walk treats it as it
 * treats a missing file (hence a NotCachedError): fatal to a cache-only read; a delegation is
 * skipped with a warning when the server cannot be reached.
 */
export class CachedFileMismatchError extends NotCachedError {
  override name = 'CachedFileMismatchError';
  constructor(gun: string, role: string) {
    const namedBy = role === 'snapshot' ? 'timestamp' : 'snapshot';
    const restore = `restore ${role}.json from a backup of the trust directory, or copy it from another host that trusted ${gun}`;
    super(role, `the cached ${role}.json does not match the hash the trusted ${namedBy} names for it: it was damaged or tampered with after it was cached`, {
      cli: `${restore}; if the old server still answers, read from it instead (migrate --from URL)`,
      ui: restore,
    });
  }
}

/** The largest root or timestamp the update downloads (a snapshot, targets or delegation: its stated length). */
export function metadataLimit(limits: Partial<TufLimits> | undefined, role: 'root' | 'timestamp'): number {
  const resolved = tufLimits(limits);
  return role === 'root' ? resolved.maxRootBytes : resolved.maxTimestampBytes;
}

/** The cached files of one repository as the update may use them. */
export class CachedFiles {
  /**
   * TUF 5.3.11: the new root changed the timestamp or snapshot keys, so the cached timestamp and
   * snapshot (signed by the old keys) no longer set a version floor, and are replaced. A repository
   * moved to another server restarts their numbering under that server's keys.
   */
  #timestampSnapshotKeysRotated = false;

  constructor(
    readonly gun: string,
    readonly cache: TrustCache,
  ) {}

  /** The trusted root went from `before` to `after`. */
  rootReplaced(before: Root, after: Root): void {
    if (serverKeysChanged(before, after)) this.#timestampSnapshotKeysRotated = true;
  }

  /**
   * The cached file of `role`, except a timestamp or snapshot whose keys were rotated (5.3.11), or
   * that the trusted root does not vouch for: notary 0.7 and docker store a new root that rotated
   * those keys, then refuse the new server's timestamp and keep the old files. Signed by keys the
   * root no longer lists, those files are not trusted metadata, so their versions are no floor.
   */
  async read(role: string, root?: Root): Promise<Buffer | undefined> {
    return vouchedByRoot(role, await this.readUnchecked(role), root);
  }

  /** The cached file of `role` before the check of `read` (none for a rotated timestamp or snapshot). */
  async readUnchecked(role: string): Promise<Buffer | undefined> {
    if ((role === 'timestamp' || role === 'snapshot') && this.#timestampSnapshotKeysRotated) return undefined;
    return this.cache.read(this.gun, role);
  }
}

/** Online: a file is read from the cache when it is the one trusted metadata names, else downloaded. */
export class ServerFiles implements UpdateFiles {
  readonly offline = false;

  constructor(
    readonly client: MetadataSource,
    readonly cached: CachedFiles,
    /** Roles fetched from the server, recorded here for the cache write that follows the update. */
    readonly downloaded: Set<string>,
    readonly limits: Partial<TufLimits> | undefined,
  ) {}

  get #gun(): string {
    return this.cached.gun;
  }

  async timestamp(root: Root, asked?: Promise<Buffer>): Promise<Fetched> {
    const cached = await this.cached.readUnchecked('timestamp');
    const bytes = await (asked ?? this.client.getMetadata(this.#gun, 'timestamp', metadataLimit(this.limits, 'timestamp')));
    // The same file as cached (the server re-signs it only now and then): nothing to write back, and
    // no floor to check it against but itself; the trusted set verifies these bytes with root's keys.
    if (cached?.equals(bytes)) return { bytes };
    this.downloaded.add('timestamp');
    return { bytes, cached: vouchedByRoot('timestamp', cached, root) };
  }

  async vouched(role: string, meta: FileMeta, root?: Root): Promise<Fetched> {
    const unchecked = await this.cached.readUnchecked(role);
    // A cached file that is exactly the one trusted metadata vouches for is what a download by
    // checksum would bring: the trusted set verifies it as it would verify that download (a snapshot
    // without root's threshold is refused the same way), so CachedFiles.read's own check would only repeat it.
    if (unchecked && meta.mismatch(unchecked) === undefined) return { bytes: unchecked };
    const cached = vouchedByRoot(role, unchecked, root);
    const sha256 = meta.hex('sha256');
    // The download may not exceed the stated length (endless-data attack).
    const bytes = sha256
      ? await this.client.getMetadataByChecksum(this.#gun, role, sha256, meta.length)
      : await this.client.getMetadata(this.#gun, role, meta.length);
    this.downloaded.add(role);
    return { bytes, cached };
  }
}

/** `bytes` unless they are a timestamp or snapshot without the threshold of `root`'s keys for the role. */
function vouchedByRoot(role: string, bytes: Buffer | undefined, root?: Root): Buffer | undefined {
  if (role !== 'timestamp' && role !== 'snapshot') return bytes;
  if (!bytes || !root || signedByRootKeysOf(root, role, bytes)) return bytes;
  return undefined;
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
