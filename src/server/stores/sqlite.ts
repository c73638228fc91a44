// SQLite storage for `trust-tui server` (better-sqlite3, WAL mode). Writes go through one connection
// inside BEGIN IMMEDIATE transactions, queued so that only one runs at a time in this process (and
// SQLite's own lock serialises other processes on the same file: server workers). Reads outside a
// transaction use a second connection, which in WAL mode sees only committed data and never waits
// for a writer.
import { webcrypto } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type {
  ChangeQuery,
  HeadReader,
  MetadataReader,
  NewMetadata,
  PendingRequestRecord,
  ServerKeyRecord,
  Storage,
  StorageTransaction,
} from './storage.js';
import { unusableDatabase } from '../data-dir.js';
import { WalCheckpointer, BACKSTOP_AUTOCHECKPOINT_PAGES } from './wal-checkpointer.js';
import { WriteReadiness } from './write-readiness.js';
import { migrate, Queries, toKey, type KeyRow } from './sqlite-queries.js';

/**
 * Files at least this large are hashed off the request thread (a 10 MB file takes 10-20 ms), and a
 * transaction that wrote this much lets other requests run before its commit.
 */
const LARGE_WRITE_BYTES = 1024 * 1024;

async function sha256Hex(data: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', data)).toString('hex');
}

/** Reads through a Queries object, as the async MetadataReader (and HeadReader) interface. */
class Reader implements MetadataReader, HeadReader {
  constructor(protected readonly q: Queries) {}
  async currentHead(gun: string, role: string) {
    return this.q.currentHeadOf(gun, role);
  }
  async currentHeads(gun: string) {
    return this.q.currentHeads(gun);
  }
  async checksumHead(gun: string, role: string, sha256Hex: string) {
    return this.q.checksumHeadOf(gun, role, sha256Hex);
  }
  async versionHead(gun: string, role: string, version: number) {
    return this.q.versionHead(gun, role, version);
  }
  async getCurrent(gun: string, role: string) {
    return this.q.getCurrent(gun, role);
  }
  async getCurrentAll(gun: string) {
    return this.q.getCurrentAll(gun);
  }
  async getVersion(gun: string, role: string, version: number) {
    return this.q.getVersion(gun, role, version);
  }
  async getByChecksum(gun: string, role: string, sha256Hex: string) {
    return this.q.getByChecksum(gun, role, sha256Hex);
  }
  async listKeys(gun: string, role: ServerKeyRecord['role']) {
    return this.q.listKeys(gun, role);
  }
  async changes(query: ChangeQuery) {
    return this.q.changes(query);
  }
  async listPending(gun: string) {
    return this.q.listPending(gun);
  }
  async getPending(gun: string, id: string) {
    return this.q.getPending(gun, id);
  }
}

class Transaction extends Reader implements StorageTransaction {
  constructor(
    q: Queries,
    private readonly clock: () => number,
  ) {
    super(q);
  }
  async putMetadata(gun: string, files: readonly NewMetadata[]) {
    // Large files are hashed in libuv's thread pool (Web Crypto's digest), not on the request thread.
    const sha256s = await Promise.all(files.map((f) => (f.data.length >= LARGE_WRITE_BYTES ? sha256Hex(f.data) : undefined)));
    this.q.putMetadata(gun, files, this.clock(), sha256s);
  }
  async deleteRepository(gun: string) {
    this.q.deleteRepository(gun, this.clock());
  }
  async addKey(key: Omit<ServerKeyRecord, 'createdAt'>) {
    this.q.addKey(key, this.clock());
  }
  async putPending(record: Omit<PendingRequestRecord, 'createdAt' | 'updatedAt'>) {
    this.q.putPending(record, this.clock());
  }
  async deletePending(gun: string, id: string) {
    return this.q.deletePending(gun, id);
  }
}

export interface SqliteStorageOptions {
  /** Database file, or ':memory:' (tests). Its directory is created if needed. */
  file: string;
  /** How long a writer waits for another process's lock before failing. */
  busyTimeoutMs?: number;
  /** Milliseconds since the epoch for created_at (tests pin it). */
  clock?: () => number;
  /** SQLite's durability setting; FULL also survives power cuts at the cost of an fsync per update. */
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * Checkpoint the write-ahead log in a worker thread instead of in the committing call (the
   * server: a large publish's checkpoint would stall every request). File databases only.
   */
  checkpointInWorker?: boolean;
}

export class SqliteStorage extends Reader implements Storage, HeadReader {
  private readonly writer: Queries;
  private readonly clock: () => number;
  /** Tail of the queue of transactions of this process. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** When the last write failed for lack of room or an IO error (cleared by a successful one). */
  private readonly readiness = new WriteReadiness();

  private constructor(
    writer: Queries,
    reader: Queries,
    clock: () => number,
    private readonly busyTimeoutMs: number,
    private readonly checkpointer: WalCheckpointer | undefined,
  ) {
    super(reader);
    this.writer = writer;
    this.clock = clock;
  }

  /**
   * Runs a statement that needs the write lock; while another process holds it, retries after a
   * short pause (1, 2, 4, 8 ms ...) without blocking, for up to busyTimeoutMs.
   */
  private async execWhenUnlocked(sql: string): Promise<void> {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, 8)) {
      try {
        this.writer.db.exec(sql);
        return;
      } catch (e) {
        if (!String((e as { code?: string }).code).startsWith('SQLITE_BUSY') || Date.now() > deadline) throw e;
      }
      await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
    }
  }

  static open(options: SqliteStorageOptions): SqliteStorage {
    const inMemory = options.file === ':memory:';
    const busy = options.busyTimeoutMs ?? 10_000;
    let writeDb: Database.Database;
    try {
      if (!inMemory) mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
      writeDb = new Database(options.file);
      writeDb.pragma(`busy_timeout = ${busy}`); // for opening and migrating
      // The first write: a read-only file system or file fails here, not at `new Database`.
      if (!inMemory) writeDb.pragma('journal_mode = WAL');
    } catch (e) {
      throw unusableDatabase(options.file, e as NodeJS.ErrnoException);
    }
    // NORMAL in WAL mode: every transaction is atomic and survives a crash of this process; after
    // a power cut the last commits may be missing (never half of one). FULL would fsync every commit.
    writeDb.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    writeDb.pragma('foreign_keys = ON');
    const checkpointer = !inMemory && options.checkpointInWorker ? new WalCheckpointer(options.file) : undefined;
    if (checkpointer) writeDb.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
    migrate(writeDb);
    // From now on a busy write lock is waited for asynchronously (see transaction()), never by
    // SQLite's busy handler, which would block this process's event loop while it sleeps.
    writeDb.pragma('busy_timeout = 0');
    let readDb = writeDb;
    if (!inMemory) {
      readDb = new Database(options.file, { readonly: true });
      readDb.pragma(`busy_timeout = ${busy}`);
    }
    const writer = new Queries(writeDb);
    const reader = readDb === writeDb ? writer : new Queries(readDb);
    return new SqliteStorage(writer, reader, options.clock ?? Date.now, busy, checkpointer);
  }

  transaction<T>(fn: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new Error('storage is closed');
      const db = this.writer.db;
      // IMMEDIATE takes the write lock now, so two processes cannot both read the old state and then
      // both write: the second waits and then reads the first one's result.
      await this.execWhenUnlocked('BEGIN IMMEDIATE');
      this.writer.takeWrittenBytes();
      try {
        const result = await fn(new Transaction(this.writer, this.clock));
        const written = this.writer.takeWrittenBytes();
        // Copying a large file into pages and writing those pages to the log are each tens of
        // milliseconds on the request thread: other requests get a turn between the two.
        if (written >= LARGE_WRITE_BYTES) await new Promise((resolve) => setImmediate(resolve));
        await this.execWhenUnlocked('COMMIT');
        this.checkpointer?.committed(written);
        this.readiness.succeeded();
        return result;
      } catch (e) {
        this.readiness.failed(e);
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async allKeys(): Promise<ServerKeyRecord[]> {
    return this.q.db
      .prepare<[], KeyRow>('SELECT gun, role, key_id, keytype, public_b64, encrypted_private_key, created_at FROM server_keys ORDER BY id')
      .all()
      .map(toKey);
  }

  async writable(): Promise<boolean> {
    const probe = async (): Promise<boolean> => {
      if (this.closed) return false;
      const db = this.writer.db;
      try {
        await this.execWhenUnlocked('BEGIN IMMEDIATE');
        db.exec('CREATE TABLE IF NOT EXISTS readiness_probe (id INTEGER PRIMARY KEY, probed_at INTEGER NOT NULL)');
        db.prepare('INSERT OR REPLACE INTO readiness_probe (id, probed_at) VALUES (1, ?)').run(Date.now());
        await this.execWhenUnlocked('COMMIT');
        return true;
      } catch {
        if (db.inTransaction) db.exec('ROLLBACK');
        return false;
      }
    };
    return this.readiness.check(() => {
      // Behind the transactions of this process, as any write.
      const result = this.queue.then(probe, probe);
      this.queue = result.catch(() => undefined);
      return result;
    });
  }

  async healthy(): Promise<boolean> {
    if (this.closed) return false;
    try {
      this.q.db.prepare('SELECT 1').get();
      return true;
    } catch {
      return false;
    }
  }

  /** Waits for queued transactions, then closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    await this.checkpointer?.close();
    if (this.q !== this.writer) this.q.db.close();
    this.writer.db.close();
  }
}
