// A read cache in front of any Storage: recently served metadata bytes, bounded in bytes.
//
// Only content-addressed entries are kept: (gun, role, sha256) -> the stored file with that checksum.
// What is *current* (and whether a version or checksum is still stored at all) is asked of the store
// on every read with a head query that reads no metadata bytes (HeadReader); a cached file is served
// only when the head the store returns names the same version and checksum. So a replica never serves
// a stale current version after another replica published, and a repository deleted through another
// replica stops answering at once (its heads are gone), not when an entry expires. Entries of a
// repository deleted here are dropped at once; those of one deleted elsewhere are never served again
// and leave the cache as it evicts the least recently used. A store without head queries is passed
// through uncached.
import type {
  ChangeQuery,
  HeadReader,
  MetadataHead,
  MetadataReader,
  NewMetadata,
  PendingRequestRecord,
  ServerKeyRecord,
  Storage,
  StorageTransaction,
  StoredMetadata,
} from './storage.js';

/** The default bound: the hot metadata of many thousand repositories. */
export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

class MetadataCache {
  readonly #entries = new Map<string, StoredMetadata>();
  #bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(gun: string, role: string, head: MetadataHead): StoredMetadata | undefined {
    const key = cacheKey(gun, role, head.sha256);
    const entry = this.#entries.get(key);
    if (!entry || entry.version !== head.version) return undefined;
    // Most recently used last.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  put(entry: StoredMetadata): StoredMetadata {
    if (entry.data.length > this.maxBytes / 4) return entry;
    const key = cacheKey(entry.gun, entry.role, entry.sha256);
    const old = this.#entries.get(key);
    if (old) {
      this.#bytes -= old.data.length;
      this.#entries.delete(key);
    }
    this.#entries.set(key, entry);
    this.#bytes += entry.data.length;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= v.data.length;
    }
    return entry;
  }

  dropRepository(gun: string): void {
    const prefix = `${gun}\0`;
    for (const [k, v] of this.#entries) {
      if (!k.startsWith(prefix)) continue;
      this.#entries.delete(k);
      this.#bytes -= v.data.length;
    }
  }
}

const cacheKey = (gun: string, role: string, sha256: string) => `${gun}\0${role}\0${sha256}`;

function hasHeads(reader: MetadataReader): reader is MetadataReader & HeadReader {
  const r = reader as Partial<HeadReader>;
  return typeof r.currentHead === 'function' && typeof r.currentHeads === 'function' && typeof r.checksumHead === 'function' && typeof r.versionHead === 'function';
}

/** Reads of `source`, served from the cache where the store's heads confirm the cached file. */
class CachedReader implements MetadataReader {
  constructor(
    protected readonly source: MetadataReader,
    protected readonly cache: MetadataCache,
  ) {}

  async getCurrent(gun: string, role: string): Promise<StoredMetadata | undefined> {
    if (!hasHeads(this.source)) return this.source.getCurrent(gun, role);
    const head = await this.source.currentHead(gun, role);
    if (!head) return undefined;
    const hit = this.cache.get(gun, role, head);
    if (hit) return hit;
    const file = await this.source.getCurrent(gun, role);
    return file && this.cache.put(file);
  }

  async getCurrentAll(gun: string): Promise<Map<string, StoredMetadata>> {
    if (!hasHeads(this.source)) return this.source.getCurrentAll(gun);
    const heads = await this.source.currentHeads(gun);
    const files = new Map<string, StoredMetadata>();
    for (const [role, head] of heads) {
      const hit = this.cache.get(gun, role, head);
      if (!hit) {
        // Any miss: one query for the whole repository, then everything is cached.
        const all = await this.source.getCurrentAll(gun);
        for (const file of all.values()) this.cache.put(file);
        return all;
      }
      files.set(role, hit);
    }
    return files;
  }

  async getVersion(gun: string, role: string, version: number): Promise<StoredMetadata | undefined> {
    if (!hasHeads(this.source)) return this.source.getVersion(gun, role, version);
    const head = await this.source.versionHead(gun, role, version);
    if (!head) return undefined;
    const hit = this.cache.get(gun, role, head);
    if (hit) return hit;
    const file = await this.source.getVersion(gun, role, version);
    return file && this.cache.put(file);
  }

  async getByChecksum(gun: string, role: string, sha256Hex: string): Promise<StoredMetadata | undefined> {
    if (!hasHeads(this.source)) return this.source.getByChecksum(gun, role, sha256Hex);
    const head = await this.source.checksumHead(gun, role, sha256Hex);
    if (!head) return undefined;
    const hit = this.cache.get(gun, role, head);
    if (hit) return hit;
    const file = await this.source.getByChecksum(gun, role, sha256Hex);
    return file && this.cache.put(file);
  }

  listKeys(gun: string, role: ServerKeyRecord['role']) {
    return this.source.listKeys(gun, role);
  }
  changes(query: ChangeQuery) {
    return this.source.changes(query);
  }
  listPending(gun: string) {
    return this.source.listPending(gun);
  }
  getPending(gun: string, id: string) {
    return this.source.getPending(gun, id);
  }
}

class CachedTransaction extends CachedReader implements StorageTransaction {
  readonly deleted = new Set<string>();

  constructor(
    private readonly tx: StorageTransaction,
    cache: MetadataCache,
  ) {
    super(tx, cache);
  }
  putMetadata(gun: string, files: readonly NewMetadata[]) {
    return this.tx.putMetadata(gun, files);
  }
  async deleteRepository(gun: string) {
    await this.tx.deleteRepository(gun);
    this.deleted.add(gun);
  }
  putPending(record: Omit<PendingRequestRecord, 'createdAt' | 'updatedAt'>) {
    return this.tx.putPending(record);
  }
  deletePending(gun: string, id: string) {
    return this.tx.deletePending(gun, id);
  }
  addKey(key: Omit<ServerKeyRecord, 'createdAt'>) {
    return this.tx.addKey(key);
  }
}

export class CachedStorage extends CachedReader implements Storage {
  constructor(
    private readonly inner: Storage,
    maxBytes = DEFAULT_CACHE_BYTES,
  ) {
    super(inner, new MetadataCache(maxBytes));
  }

  /** The wrapped store (metrics read its pool statistics). */
  get store(): Storage {
    return this.inner;
  }

  async transaction<T>(fn: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    let last: CachedTransaction | undefined;
    try {
      return await this.inner.transaction((tx) => fn((last = new CachedTransaction(tx, this.cache))));
    } finally {
      // Committed or not, the memory is better spent elsewhere.
      for (const gun of last?.deleted ?? []) this.cache.dropRepository(gun);
    }
  }

  allKeys() {
    return this.inner.allKeys();
  }
  healthy() {
    return this.inner.healthy();
  }
  writable() {
    return this.inner.writable();
  }
  close() {
    return this.inner.close();
  }
}
