// The behaviour behind the routes: reads (with timestamp/snapshot renewal), server keys, publishes
// (validated, then committed in one storage transaction), repository deletion and the change feed.
import type { PublicKeyJson } from '../tuf/key.js';
import { parseMetadata } from '../tuf/metadata/parse.js';
import type { Root } from '../tuf/metadata/root.js';
import { GoTime } from '../tuf/time.js';
import { ApiError } from '../notary/api-errors.js';
import type { TakeKeyToken } from './cluster-key-tokens.js';
import { RateLimiter } from './rate-limit.js';
import { nextTimestamp, renewedSnapshot, signersFor } from './generate.js';
import type { NotaryService, ServerKeyRole } from './routes.js';
import type { Keyring } from './signer.js';
import { VersionConflictError, type ChangeQuery, type MetadataReader, type Storage, type StoredMetadata, type StorageTransaction } from './stores/storage.js';
import type { UploadedFile } from './upload.js';
import { ValidationPool } from './validation-pool.js';
import { ParsedMetadataCache, validateUpdate, type UpdateResult } from './validator.js';

export interface ServiceOptions {
  storage: Storage;
  keyring: Keyring;
  /** The time used for expiry checks and new expiries (tests move it). */
  clock?: () => GoTime;
  /** Limits on key creation (defaults below). */
  keyLimits?: Partial<KeyLimits>;
  /** Where key-creation tokens come from (default: this process's buckets, sized by keyLimits). */
  takeKeyToken?: TakeKeyToken;
  /** Validates large publishes in worker threads (without it every publish is validated inline). */
  validationPool?: ValidationPool;
}

export interface KeyLimits {
  /** Keys one client (remote address) may have the server create at once, and per second after. */
  perClientBurst: number;
  perClientPerSecond: number;
  /** Keys of one role of one repository that no root lists yet (rotations not yet published). */
  pendingPerRole: number;
}

/**
 * Generous for real use (a CI job setting up many repositories, a few rotations before a publish),
 * and a bound on what unauthenticated `GET|POST …/timestamp.key` calls can make the server store.
 */
export const KEY_LIMITS_DEFAULT: KeyLimits = { perClientBurst: 120, perClientPerSecond: 2, pendingPerRole: 4 };

/** Per-client token buckets for key creation under `limits` (the defaults for what is not given). */
export function keyCreationLimiter(limits: Partial<KeyLimits> = {}): RateLimiter {
  const { perClientBurst, perClientPerSecond } = { ...KEY_LIMITS_DEFAULT, ...limits };
  return new RateLimiter(perClientBurst, perClientPerSecond);
}

/** Remembered expiry of stored snapshots/timestamps by sha256, so that hot reads do not re-parse. */
const FRESHNESS_CACHE_SIZE = 10_000;

interface Freshness {
  expiresMs: number;
  /** For a timestamp: the hex sha256 of the snapshot it names. */
  snapshotSha256?: string;
}

export class TrustService implements NotaryService {
  readonly #storage: Storage;
  readonly #keyring: Keyring;
  readonly #clock: () => GoTime;
  readonly #freshness = new Map<string, Freshness>();
  /** Stored files already parsed, by role and sha256 (content-addressed, so never stale). */
  readonly #parsed = new ParsedMetadataCache();
  /** Expired snapshots (by sha256) the server cannot re-sign: no write lock for them on every read. */
  readonly #unrenewable = new Set<string>();
  readonly #keyLimits: KeyLimits;
  readonly #takeKeyToken: TakeKeyToken;
  readonly #validationPool: ValidationPool | undefined;

  constructor(options: ServiceOptions) {
    this.#storage = options.storage;
    this.#keyring = options.keyring;
    this.#clock = options.clock ?? GoTime.now;
    this.#keyLimits = { ...KEY_LIMITS_DEFAULT, ...options.keyLimits };
    const own = keyCreationLimiter(this.#keyLimits);
    this.#takeKeyToken = options.takeKeyToken ?? ((client) => own.take(client));
    this.#validationPool = options.validationPool;
  }

  async currentMetadata(gun: string, role: string): Promise<StoredMetadata | undefined> {
    if (role !== 'timestamp' && role !== 'snapshot') return this.#storage.getCurrent(gun, role);
    // notary serves timestamp and snapshot through "get or create": renewed when stale.
    // One store query for both files (the newest version of every role, served from the read cache)
    // rather than one per role: on PostgreSQL a round trip costs more than the rest of the request.
    const files = await this.#storage.getCurrentAll(gun);
    const timestamp = files.get('timestamp');
    const snapshot = files.get('snapshot');
    if (!timestamp || !snapshot || !this.#isStale({ timestamp, snapshot })) return files.get(role);
    await this.#renew(gun);
    return this.#storage.getCurrent(gun, role);
  }

  metadataByChecksum(gun: string, role: string, sha256Hex: string): Promise<StoredMetadata | undefined> {
    return this.#storage.getByChecksum(gun, role, sha256Hex);
  }

  metadataByVersion(gun: string, role: string, version: number): Promise<StoredMetadata | undefined> {
    return this.#storage.getVersion(gun, role, version);
  }

  /**
   * The key the current root lists for `role` if the server holds it; otherwise the newest key made
   * for the repository, created on first use. Unlike notary (server/handlers/default.go makes a new key per call), repeated calls before a root
   * exists return the same pending key instead of minting a new one each time.
   */
  async serverKey(gun: string, role: ServerKeyRole, client = '-'): Promise<PublicKeyJson> {
    const found = await this.#findServerKey(this.#storage, gun, role);
    if (found) return found;
    await this.#takeKeyTokenOrRefuse(client);
    const made = await this.#keyring.newKey(gun, role);
    return this.#storage.transaction(async (tx) => {
      // Another request may have created it meanwhile: that one wins, this one is dropped.
      const raced = await this.#findServerKey(tx, gun, role);
      if (raced) return raced;
      return (await this.#keyring.addKey(tx, made)).toJSON();
    });
  }

  /** A new pending key; it takes effect when a root listing it is published. */
  async rotateServerKey(gun: string, role: ServerKeyRole, client = '-'): Promise<PublicKeyJson> {
    // Checked before the expensive part (so a flood costs little) and again under the write lock.
    await this.#checkPendingKeys(this.#storage, gun, role);
    await this.#takeKeyTokenOrRefuse(client);
    const made = await this.#keyring.newKey(gun, role);
    return this.#storage.transaction(async (tx) => {
      await this.#checkPendingKeys(tx, gun, role);
      return (await this.#keyring.addKey(tx, made)).toJSON();
    });
  }

  async #checkPendingKeys(reader: MetadataReader, gun: string, role: ServerKeyRole): Promise<void> {
    const keys = await reader.listKeys(gun, role);
    const root = await reader.getCurrent(gun, 'root');
    const listed = new Set(root ? parseMetadata(root.data, 'root').signed.role(role).keyIds : []);
    const pending = keys.filter((k) => !listed.has(k.keyId)).length;
    if (pending >= this.#keyLimits.pendingPerRole) {
      throw new ApiError(
        'TOO_MANY_KEYS',
        `${gun} already has ${pending} ${role} keys that no published root lists: publish a root with one of them first`,
      );
    }
  }

  async #takeKeyTokenOrRefuse(client: string): Promise<void> {
    if (!(await this.#takeKeyToken(client))) {
      throw new ApiError('TOO_MANY_KEYS', `this client asked for more than ${this.#keyLimits.perClientBurst} new keys in a short time: try again later`);
    }
  }

  /**
   * Validates against the committed state without holding the write lock (the expensive part:
   * parsing, signature checks, signing), then commits in a transaction if no other update landed
   * meanwhile; if one did, validates again under the lock. So concurrent publishes from several
   * workers or server processes validate in parallel, and still one wins and the other gets VERSION.
   */
  async update(gun: string, files: UploadedFile[]): Promise<void> {
    try {
      const validate = async (reader: MetadataReader) => {
        const stored = await reader.getCurrentAll(gun);
        const heldKeys = await this.#keyring.heldKeys(reader, gun);
        const input = { gun, stored, uploads: files, heldKeys, now: this.#clock() };
        const size = files.reduce((sum, f) => sum + f.data.length, 0);
        const result: UpdateResult =
          this.#validationPool && ValidationPool.wants(size) ? await this.#validationPool.validate(input) : validateUpdate({ ...input, parsed: this.#parsed });
        return { stored, result };
      };
      const optimistic = await validate(this.#storage);
      await this.#storage.transaction(async (tx) => {
        const unchanged = sameFiles(optimistic.stored, await tx.getCurrentAll(gun));
        const { result } = unchanged ? optimistic : await validate(tx);
        await tx.putMetadata(gun, result.files);
      });
    } catch (e) {
      throw asApiError(e);
    }
  }

  async deleteRepository(gun: string): Promise<void> {
    try {
      await this.#storage.transaction((tx) => tx.deleteRepository(gun));
    } catch (e) {
      throw asApiError(e);
    }
  }

  changes(query: ChangeQuery) {
    return this.#storage.changes(query);
  }

  healthy(): Promise<boolean> {
    return this.#storage.healthy();
  }

  ready(): Promise<boolean> {
    return this.#storage.writable();
  }

  async #findServerKey(reader: MetadataReader, gun: string, role: ServerKeyRole): Promise<PublicKeyJson | undefined> {
    const keys = await reader.listKeys(gun, role);
    if (keys.length === 0) return undefined;
    const root = await reader.getCurrent(gun, 'root');
    if (root) {
      const listed = new Set(parseMetadata(root.data, 'root').signed.role(role).keyIds);
      const current = keys.find((k) => listed.has(k.keyId));
      if (current) return this.#keyring.publicKey(current).toJSON();
    }
    // No root yet, or the root lists a key held elsewhere: the newest (pending) key.
    return this.#keyring.publicKey(keys[0]!).toJSON();
  }

  /** Re-signs an expired snapshot (if the server holds its key) and an expired or outdated timestamp. */
  async #renew(gun: string): Promise<void> {
    // Decrypt the keys (PBKDF2, a fraction of a second the first time) before taking the repository's
    // lock, which every replica's reads and publishes of this repository would otherwise wait for.
    await this.#keyring.heldKeys(this.#storage, gun);
    await this.#storage.transaction(async (tx) => {
      const current = await this.#currentPair(tx, gun);
      if (!current || !this.#isStale(current)) return; // renewed by a concurrent request
      const [rootFile, snapshotFile, timestampFile] = await Promise.all(
        ['root', 'snapshot', 'timestamp'].map((r) => tx.getCurrent(gun, r)),
      );
      if (!rootFile || !snapshotFile || !timestampFile) return;
      const now = this.#clock();
      const root = parseMetadata(rootFile.data, 'root').signed as Root;
      const held = await this.#keyring.heldKeys(tx, gun);
      let snapshotBytes: Uint8Array = snapshotFile.data;
      const snapshot = parseMetadata(snapshotFile.data, 'snapshot').signed;
      const snapshotSigners = signersFor(held.snapshot, root.role('snapshot').keyIds);
      // Without the snapshot key an expired snapshot stays as it is: the client must publish a new one.
      const renewSnapshot = snapshot.isExpired(now) && snapshotSigners.length > 0;
      if (snapshot.isExpired(now) && !renewSnapshot) {
        if (this.#unrenewable.size >= FRESHNESS_CACHE_SIZE) this.#unrenewable.clear();
        this.#unrenewable.add(snapshotFile.sha256);
      }
      if (renewSnapshot) {
        const renewed = renewedSnapshot(snapshot, snapshotSigners, now);
        snapshotBytes = renewed.raw;
        await this.#put(tx, gun, 'snapshot', renewed.signed.version, renewed.raw);
      }
      const ts = this.#freshnessOf(timestampFile);
      const renewTimestamp = renewSnapshot || ts.expiresMs <= now.epochMs || ts.snapshotSha256 !== snapshotFile.sha256;
      const timestampSigners = signersFor(held.timestamp, root.role('timestamp').keyIds);
      if (!renewTimestamp || timestampSigners.length === 0) return; // nothing to do, or nothing to sign with
      const previous = parseMetadata(timestampFile.data, 'timestamp').signed;
      const next = nextTimestamp(previous, snapshotBytes, timestampSigners, now);
      await this.#put(tx, gun, 'timestamp', next.signed.version, next.raw);
    });
  }

  async #put(tx: StorageTransaction, gun: string, role: string, version: number, data: Buffer): Promise<void> {
    await tx.putMetadata(gun, [{ role, version, data }]);
  }

  async #currentPair(reader: MetadataReader, gun: string): Promise<{ timestamp: StoredMetadata; snapshot: StoredMetadata } | undefined> {
    const [timestamp, snapshot] = await Promise.all([reader.getCurrent(gun, 'timestamp'), reader.getCurrent(gun, 'snapshot')]);
    return timestamp && snapshot ? { timestamp, snapshot } : undefined;
  }

  /** The stored timestamp is expired or names another snapshot, or the snapshot is expired. */
  #isStale({ timestamp, snapshot }: { timestamp: StoredMetadata; snapshot: StoredMetadata }): boolean {
    const nowMs = this.#clock().epochMs;
    const ts = this.#freshnessOf(timestamp);
    const snap = this.#freshnessOf(snapshot);
    const snapshotExpired = snap.expiresMs <= nowMs && !this.#unrenewable.has(snapshot.sha256);
    return ts.expiresMs <= nowMs || ts.snapshotSha256 !== snapshot.sha256 || snapshotExpired;
  }

  #freshnessOf(file: StoredMetadata): Freshness {
    const key = `${file.role}:${file.sha256}`;
    const cached = this.#freshness.get(key);
    if (cached) return cached;
    let freshness: Freshness;
    try {
      const signed = parseMetadata(file.data, file.role).signed;
      const meta = file.role === 'timestamp' && 'snapshotMeta' in signed ? signed.snapshotMeta : undefined;
      freshness = { expiresMs: signed.expires.epochMs, snapshotSha256: meta?.hex('sha256') };
    } catch {
      // Unreadable stored metadata (cannot happen for validated uploads): treat as stale.
      freshness = { expiresMs: 0 };
    }
    if (this.#freshness.size >= FRESHNESS_CACHE_SIZE) this.#freshness.clear();
    this.#freshness.set(key, freshness);
    return freshness;
  }
}

/** The same newest version (and bytes) of the same roles. */
function sameFiles(a: ReadonlyMap<string, StoredMetadata>, b: ReadonlyMap<string, StoredMetadata>): boolean {
  if (a.size !== b.size) return false;
  for (const [role, file] of a) {
    const other = b.get(role);
    if (!other || other.version !== file.version || other.sha256 !== file.sha256) return false;
  }
  return true;
}

/** Storage failures become notary's error codes; validation errors pass through. */
function asApiError(e: unknown): unknown {
  if (e instanceof ApiError) return e;
  if (e instanceof VersionConflictError) return new ApiError('VERSION');
  if (e instanceof Error && /SQLITE_BUSY|SQLITE_LOCKED|database is locked/i.test(`${(e as { code?: string }).code} ${e.message}`)) {
    return new ApiError('UPDATING');
  }
  return e;
}
