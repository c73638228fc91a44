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
//
// The statements, and the locks they take, are in postgres-queries.ts; this file has the pool, the
// transactions around them (BEGIN, retries, COMMIT), the probes and the errors of opening.
import { hostname } from 'node:os';
import pg from 'pg';
import { applyMigrations, type Migration } from './postgres-migrations.js';
import { Reader, selectAllKeys, Transaction } from './postgres-queries.js';
import { poolConfig, redactDatabaseUrl, type DatabaseConnection } from './postgres-url.js';
import type { HeadReader, ServerKeyRecord, Storage, StorageTransaction } from './storage.js';
import { isStorageUnavailable } from './storage.js';
import { WriteReadiness } from './write-readiness.js';

/** The health check's `SELECT 1` must answer within this. */
const HEALTH_TIMEOUT_MS = 2_000;
/** Attempts of a transaction that failed with a deadlock or a serialization failure. */
const TRANSACTION_ATTEMPTS = 5;
/** SQLSTATEs worth running the transaction again for: serialization_failure, deadlock_detected. */
const RETRYABLE = new Set(['40001', '40P01']);

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
    return selectAllKeys(this.#pool);
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
