// PostgreSQL storage for `trust-tui server` (the `pg` driver's Pool), for several server processes on
// several hosts sharing one database ("replicas").
//
// Concurrency: a transaction takes a per-repository advisory lock (pg_advisory_xact_lock) the first
// time it touches a repository, before reading or writing it, and keeps it until it ends. So two
// transactions on one repository run one after the other whichever process runs them, and the second
// reads what the first committed (READ COMMITTED: every statement sees the latest commits); updates
// of different repositories run in parallel. The unique (gun, role, version) constraint is the
// backstop. Deadlocks and serialization failures are retried a few times.
//
// Change feed: IDs come from a sequence, which hands them out at insert, not at commit; a reader
// paging by "ID > last seen" could then skip an ID that commits after a higher one. So a transaction
// appends its feed entries last, under a database-wide advisory lock it holds only from that append
// to its commit: feed entries become visible in ID order.
import { hostname } from 'node:os';
import pg from 'pg';
import { LOCK_NAMESPACE_CHANGEFEED, LOCK_NAMESPACE_REPOSITORY } from './postgres-locks.js';
import { applyMigrations, type Migration } from './postgres-migrations.js';
import { poolConfig, redactDatabaseUrl, type DatabaseConnection } from './postgres-url.js';
import { createHash } from 'node:crypto';
import type {
  ChangeQuery,
  ChangeRecord,
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
import { isStorageUnavailable, VersionConflictError } from './storage.js';
import { WriteReadiness } from './write-readiness.js';

/** The health check's `SELECT 1` must answer within this. */
const HEALTH_TIMEOUT_MS = 2_000;
/** Attempts of a transaction that failed with a deadlock or a serialization failure. */
const TRANSACTION_ATTEMPTS = 5;
/** SQLSTATEs worth running the transaction again for: serialization_failure, deadlock_detected. */
const RETRYABLE = new Set(['40001', '40P01']);

/** Anything that runs queries: the pool (autocommit) or one client inside a transaction. */
interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>>;
}

interface FileRow {
  gun: string;
  role: string;
  version: number;
  sha256: string;
  data: Buffer;
  created_at: Date;
}

interface ChangeRow {
  id: string;
  gun: string;
  version: number;
  sha256: string;
  category: string;
  created_at: Date;
}

interface KeyRow {
  gun: string;
  role: string;
  key_id: string;
  keytype: string;
  public_b64: string;
  encrypted_private_key: string;
  created_at: Date;
}

interface PendingRow {
  gun: string;
  id: string;
  base_key: string;
  deadline: Date;
  document: Buffer;
  created_at: Date;
  updated_at: Date;
}

const FILE_COLUMNS = 'gun, role, version, sha256, data, created_at';
const KEY_COLUMNS = 'gun, role, key_id, keytype, public_b64, encrypted_private_key, created_at';
const PENDING_COLUMNS = 'gun, id, base_key, deadline, document, created_at, updated_at';

const toMetadata = (r: FileRow): StoredMetadata => ({
  gun: r.gun,
  role: r.role,
  version: r.version,
  sha256: r.sha256,
  data: r.data,
  createdAt: r.created_at,
});

const toChange = (r: ChangeRow): ChangeRecord => ({
  id: String(r.id),
  createdAt: r.created_at,
  gun: r.gun,
  version: r.version,
  sha256: r.sha256,
  category: r.category === 'deletion' ? 'deletion' : 'update',
});

const toKey = (r: KeyRow): ServerKeyRecord => ({
  gun: r.gun,
  role: r.role === 'snapshot' ? 'snapshot' : 'timestamp',
  keyId: r.key_id,
  keytype: r.keytype,
  publicB64: r.public_b64,
  encryptedPrivateKey: r.encrypted_private_key,
  createdAt: r.created_at,
});

const toPending = (r: PendingRow): PendingRequestRecord => ({
  gun: r.gun,
  id: r.id,
  baseKey: r.base_key,
  deadline: r.deadline,
  document: r.document,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * The newest row of every role of repository $1, by index seeks only: a recursive walk from role to
 * next role, then the newest version of each (a skip scan), so a repository with a long history of
 * renewed timestamps costs as much as a new one.
 *
 * Planning this recursive query costs PostgreSQL more than running it, and every timestamp read and
 * publish runs it: callers use it as a named prepared statement, planned once per connection
 * (measured: database CPU per `GET timestamp.json` 0.43 -> 0.17 ms). Named statements need
 * session pooling; behind PgBouncer in transaction mode, set its max_prepared_statements (1.21+).
 */
function newestOfEveryRole(columns: string): string {
  return `WITH RECURSIVE roles(role) AS (
      SELECT MIN(role) FROM trust_tuf_files WHERE gun = $1
      UNION ALL
      SELECT (SELECT MIN(role) FROM trust_tuf_files WHERE gun = $1 AND role > roles.role) FROM roles WHERE roles.role IS NOT NULL)
    SELECT ${columns.split(', ').map((c) => `f.${c}`).join(', ')} FROM roles CROSS JOIN LATERAL (
      SELECT * FROM trust_tuf_files WHERE gun = $1 AND role = roles.role ORDER BY version DESC LIMIT 1) f`;
}

/** The queries of MetadataReader and HeadReader, on the pool or on a transaction's client. */
class Reader implements MetadataReader, HeadReader {
  constructor(protected readonly db: Queryable) {}

  /** Called before any statement on `gun` (a transaction takes the repository's lock here). */
  protected async touch(_gun: string): Promise<void> {}

  async getCurrent(gun: string, role: string): Promise<StoredMetadata | undefined> {
    await this.touch(gun);
    const { rows } = await this.db.query<FileRow>(
      `SELECT ${FILE_COLUMNS} FROM trust_tuf_files WHERE gun = $1 AND role = $2 ORDER BY version DESC LIMIT 1`,
      [gun, role],
    );
    return rows[0] && toMetadata(rows[0]);
  }

  async getCurrentAll(gun: string): Promise<Map<string, StoredMetadata>> {
    await this.touch(gun);
    const { rows } = await this.db.query<FileRow>({ name: 'trust_current_files', text: newestOfEveryRole(FILE_COLUMNS), values: [gun] });
    return new Map(rows.map((r) => [r.role, toMetadata(r)]));
  }

  async getVersion(gun: string, role: string, version: number): Promise<StoredMetadata | undefined> {
    await this.touch(gun);
    const { rows } = await this.db.query<FileRow>(
      `SELECT ${FILE_COLUMNS} FROM trust_tuf_files WHERE gun = $1 AND role = $2 AND version = $3`,
      [gun, role, version],
    );
    return rows[0] && toMetadata(rows[0]);
  }

  async getByChecksum(gun: string, role: string, sha256Hex: string): Promise<StoredMetadata | undefined> {
    await this.touch(gun);
    const { rows } = await this.db.query<FileRow>(
      `SELECT ${FILE_COLUMNS} FROM trust_tuf_files WHERE gun = $1 AND role = $2 AND sha256 = $3 ORDER BY version DESC LIMIT 1`,
      [gun, role, sha256Hex.toLowerCase()],
    );
    return rows[0] && toMetadata(rows[0]);
  }

  async currentHead(gun: string, role: string): Promise<MetadataHead | undefined> {
    await this.touch(gun);
    const { rows } = await this.db.query<MetadataHead>(
      'SELECT version, sha256 FROM trust_tuf_files WHERE gun = $1 AND role = $2 ORDER BY version DESC LIMIT 1',
      [gun, role],
    );
    return rows[0];
  }

  async currentHeads(gun: string): Promise<Map<string, MetadataHead>> {
    await this.touch(gun);
    const { rows } = await this.db.query<MetadataHead & { role: string }>({
      name: 'trust_current_heads',
      text: newestOfEveryRole('role, version, sha256'),
      values: [gun],
    });
    return new Map(rows.map((r) => [r.role, { version: r.version, sha256: r.sha256 }]));
  }

  async checksumHead(gun: string, role: string, sha256Hex: string): Promise<MetadataHead | undefined> {
    await this.touch(gun);
    const { rows } = await this.db.query<MetadataHead>(
      'SELECT version, sha256 FROM trust_tuf_files WHERE gun = $1 AND role = $2 AND sha256 = $3 ORDER BY version DESC LIMIT 1',
      [gun, role, sha256Hex.toLowerCase()],
    );
    return rows[0];
  }

  async versionHead(gun: string, role: string, version: number): Promise<MetadataHead | undefined> {
    await this.touch(gun);
    const { rows } = await this.db.query<MetadataHead>(
      'SELECT version, sha256 FROM trust_tuf_files WHERE gun = $1 AND role = $2 AND version = $3',
      [gun, role, version],
    );
    return rows[0];
  }

  async listKeys(gun: string, role: ServerKeyRecord['role']): Promise<ServerKeyRecord[]> {
    await this.touch(gun);
    const { rows } = await this.db.query<KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM trust_server_keys WHERE gun = $1 AND role = $2 ORDER BY id DESC`,
      [gun, role],
    );
    return rows.map(toKey);
  }

  async changes(q: ChangeQuery): Promise<ChangeRecord[]> {
    // Notary's paging: forwards = IDs after changeId, oldest first; backwards = IDs before changeId
    // (or the newest when changeId is 0), returned oldest first as well.
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.gun !== undefined) {
      params.push(q.gun);
      where.push(`gun = $${params.length}`);
    }
    if (!q.reverse) {
      params.push(q.changeId);
      where.push(`id > $${params.length}`);
    } else if (q.changeId > 0) {
      params.push(q.changeId);
      where.push(`id < $${params.length}`);
    }
    params.push(q.records);
    const { rows } = await this.db.query<ChangeRow>(
      'SELECT id, gun, version, sha256, category, created_at FROM trust_changefeed' +
        (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
        ` ORDER BY id ${q.reverse ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
      params,
    );
    if (q.reverse) rows.reverse();
    return rows.map(toChange);
  }

  async listPending(gun: string): Promise<PendingRequestRecord[]> {
    await this.touch(gun);
    const { rows } = await this.db.query<PendingRow>(
      `SELECT ${PENDING_COLUMNS} FROM trust_pending_requests WHERE gun = $1 ORDER BY created_at, id`,
      [gun],
    );
    return rows.map(toPending);
  }

  async getPending(gun: string, id: string): Promise<PendingRequestRecord | undefined> {
    await this.touch(gun);
    const { rows } = await this.db.query<PendingRow>(`SELECT ${PENDING_COLUMNS} FROM trust_pending_requests WHERE gun = $1 AND id = $2`, [gun, id]);
    return rows[0] && toPending(rows[0]);
  }
}

interface FeedEntry {
  gun: string;
  version: number;
  sha256: string;
  category: 'update' | 'deletion';
  at: Date;
}

class Transaction extends Reader implements StorageTransaction {
  readonly #locked = new Set<string>();
  /** Change feed entries, appended at commit (see the top of this file). */
  readonly feed: FeedEntry[] = [];

  constructor(
    private readonly client: pg.PoolClient,
    private readonly clock: () => number,
  ) {
    super(client);
  }

  protected override async touch(gun: string): Promise<void> {
    if (this.#locked.has(gun)) return;
    await this.client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_NAMESPACE_REPOSITORY, gun]);
    this.#locked.add(gun);
  }

  async putMetadata(gun: string, files: readonly NewMetadata[]): Promise<void> {
    await this.touch(gun);
    const now = new Date(this.clock());
    for (const f of files) {
      const { rows } = await this.client.query<{ version: number | null }>(
        'SELECT MAX(version) AS version FROM trust_tuf_files WHERE gun = $1 AND role = $2',
        [gun, f.role],
      );
      const stored = rows[0]?.version;
      if (stored !== null && stored !== undefined && stored >= f.version) throw new VersionConflictError(gun, f.role, f.version);
      const sha256 = createHash('sha256').update(f.data).digest('hex');
      try {
        await this.client.query(`INSERT INTO trust_tuf_files (${FILE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, [gun, f.role, f.version, sha256, f.data, now]);
      } catch (e) {
        // The backstop: only reachable if a writer did not take the repository's lock.
        if ((e as { constraint?: string }).constraint === 'trust_tuf_files_version_unique') throw new VersionConflictError(gun, f.role, f.version);
        throw e;
      }
      if (f.role === 'timestamp') this.feed.push({ gun, version: f.version, sha256, category: 'update', at: now });
    }
  }

  async deleteRepository(gun: string): Promise<void> {
    await this.touch(gun);
    await this.client.query('DELETE FROM trust_tuf_files WHERE gun = $1', [gun]);
    await this.client.query('DELETE FROM trust_pending_requests WHERE gun = $1', [gun]);
    this.feed.push({ gun, version: 0, sha256: '', category: 'deletion', at: new Date(this.clock()) });
  }

  async putPending(r: Omit<PendingRequestRecord, 'createdAt' | 'updatedAt'>): Promise<void> {
    await this.touch(r.gun);
    const now = new Date(this.clock());
    await this.client.query(
      `INSERT INTO trust_pending_requests (${PENDING_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (gun, id) DO UPDATE SET base_key = excluded.base_key, deadline = excluded.deadline,
         document = excluded.document, updated_at = excluded.updated_at`,
      [r.gun, r.id, r.baseKey, r.deadline, r.document, now],
    );
  }

  async deletePending(gun: string, id: string): Promise<boolean> {
    await this.touch(gun);
    const result = await this.client.query('DELETE FROM trust_pending_requests WHERE gun = $1 AND id = $2', [gun, id]);
    return (result.rowCount ?? 0) > 0;
  }

  async addKey(k: Omit<ServerKeyRecord, 'createdAt'>): Promise<void> {
    await this.touch(k.gun);
    await this.client.query(
      `INSERT INTO trust_server_keys (${KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [k.gun, k.role, k.keyId, k.keytype, k.publicB64, k.encryptedPrivateKey, new Date(this.clock())],
    );
  }

  /** Appends the feed entries, in ID order across replicas: the lock is held until the commit. */
  async appendFeed(): Promise<void> {
    if (this.feed.length === 0) return;
    await this.client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_NAMESPACE_CHANGEFEED]);
    for (const c of this.feed) {
      await this.client.query('INSERT INTO trust_changefeed (gun, version, sha256, category, created_at) VALUES ($1, $2, $3, $4, $5)', [
        c.gun,
        c.version,
        c.sha256,
        c.category,
        c.at,
      ]);
    }
  }
}

export interface PostgresStorageOptions {
  connection: DatabaseConnection;
  /** Milliseconds since the epoch for created_at (tests pin it). */
  clock?: () => number;
  /** Errors of idle pooled connections (the database restarted, the network dropped). */
  onPoolError?: (message: string) => void;
}

/**
 * The schema version trust-tui's migrations left in the database, 0 when there is none; reads only
 * (a dry run must not create the schema). Connection errors as PostgresStorage.open reports them.
 */
export async function storedSchemaVersion(connection: DatabaseConnection): Promise<number> {
  const client = new pg.Client(poolConfig(connection));
  try {
    await client.connect();
    const { rows } = await client.query<{ present: string | null }>("SELECT to_regclass('trust_schema_migrations')::text AS present");
    if (!rows[0]?.present) return 0;
    const versions = await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM trust_schema_migrations');
    return versions.rows[0]?.version ?? 0;
  } catch (e) {
    throw new DatabaseOpenError(`cannot use the database ${redactDatabaseUrl(connection.url)}: ${describeConnectError(e)}`, { cause: e });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What `--migrate-only` and start-up report. */
export interface OpenedPostgres {
  storage: PostgresStorage;
  applied: Migration[];
}

/** The database could not be reached or used at start; the message names it without its password. */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  /** Queries and connections that failed since start. */
  errors: number;
}

export class PostgresStorage extends Reader implements Storage, HeadReader {
  readonly #pool: pg.Pool;
  /**
   * One connection of its own for health and readiness probes, so that they tell whether the
   * database answers, not whether the main pool is busy with publishes.
   */
  readonly #probes: pg.Pool;
  readonly #clock: () => number;
  /** The readiness probe's row: one per host. */
  readonly #replica = hostname();
  #closed = false;
  #errors = 0;
  readonly #readiness = new WriteReadiness();

  private constructor(pool: pg.Pool, probes: pg.Pool, clock: () => number) {
    super(pool);
    this.#pool = pool;
    this.#probes = probes;
    this.#clock = clock;
  }

  /** Connects, applies missing migrations (see postgres-migrations.ts) and returns the store. */
  static async open(options: PostgresStorageOptions): Promise<OpenedPostgres> {
    const shown = redactDatabaseUrl(options.connection.url);
    const config = poolConfig(options.connection);
    const pool = new pg.Pool(config);
    // Without a listener an idle connection's error (database restart) would end the process.
    pool.on('error', (e) => options.onPoolError?.(`database connection lost (${shown}): ${e.message}`));
    let applied: Migration[];
    try {
      const client = await pool.connect();
      try {
        applied = await applyMigrations(client);
      } finally {
        client.release();
      }
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw new DatabaseOpenError(`cannot use the database ${shown}: ${describeConnectError(e)}`, { cause: e });
    }
    const probes = new pg.Pool({ ...config, max: 1, connectionTimeoutMillis: HEALTH_TIMEOUT_MS, statement_timeout: HEALTH_TIMEOUT_MS });
    probes.on('error', () => undefined); // a lost probe connection shows as a failed probe
    const storage = new PostgresStorage(pool, probes, options.clock ?? Date.now);
    pool.on('error', () => storage.#errors++);
    return { storage, applied };
  }

  async transaction<T>(fn: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw new Error('storage is closed');
      const client = await this.#pool.connect().catch((e: unknown) => {
        this.#errors++;
        throw e;
      });
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const tx = new Transaction(client, this.#clock);
        const result = await fn(tx);
        await tx.appendFeed();
        await client.query('COMMIT');
        this.#readiness.succeeded();
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        const code = (e as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < TRANSACTION_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, attempt * 5 * (0.5 + Math.random())));
          continue;
        }
        // Database errors only: not VERSION conflicts, not the caller's own (validation) errors.
        if (e instanceof pg.DatabaseError || isStorageUnavailable(e)) this.#errors++;
        this.#readiness.failed(e);
        throw e;
      } finally {
        // A client whose rollback failed is not given to the next transaction.
        client.release(broken);
      }
    }
  }

  async allKeys(): Promise<ServerKeyRecord[]> {
    const { rows } = await this.#pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM trust_server_keys ORDER BY id`);
    return rows.map(toKey);
  }

  async healthy(): Promise<boolean> {
    if (this.#closed) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), HEALTH_TIMEOUT_MS);
    });
    const probe = this.#probes.query('SELECT 1').then(
      () => true,
      () => {
        this.#errors++;
        return false;
      },
    );
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async writable(): Promise<boolean> {
    const probe = async (): Promise<boolean> => {
      if (this.#closed) return false;
      try {
        await this.#probes.query(
          `INSERT INTO trust_readiness_probe (replica, probed_at) VALUES ($1, now())
           ON CONFLICT (replica) DO UPDATE SET probed_at = excluded.probed_at`,
          [this.#replica],
        );
        return true;
      } catch (e) {
        this.#errors++;
        this.#readiness.failed(e);
        return false;
      }
    };
    return this.#readiness.check(() => withTimeout(probe(), HEALTH_TIMEOUT_MS, false));
  }

  poolStats(): PoolStats {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount, errors: this.#errors };
  }

  /** Waits for checked-out connections to come back, then closes the pool. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#pool.end(), this.#probes.end()]);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]).finally(() => clearTimeout(timer));
}

/** One line with the cause and, where there is one, what to check. */
function describeConnectError(e: unknown): string {
  const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  const code = (e as { code?: string }).code ?? '';
  if (/certificate|self[- ]signed|unable to verify|Hostname\/IP does not match/i.test(message) || /^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code)) {
    return `${message}: the database's TLS certificate is not trusted; pass the CA that signed it with --database-ca (or fix sslmode)`;
  }
  if (/does not support SSL|server does not support SSL/i.test(message)) return `${message}: drop sslmode or enable ssl on the database`;
  if (code === '28P01' || code === '28000') return `${message}: check the user and password in the URL`;
  if (code === '3D000') return `${message}: create the database first (CREATE DATABASE)`;
  if (code === 'ECONNREFUSED') return `${message}: is PostgreSQL running and listening there?`;
  return message;
}
