// The PostgreSQL store's SQL and row mapping. Reader runs the read queries, on the pool or on one
// transaction's client; Transaction adds the writes, taking the repository's advisory lock before its
// first statement on it and appending the change feed last. postgres.ts owns the pool, runs the
// transactions and explains the locking at its top.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { LOCK_NAMESPACE_CHANGEFEED, LOCK_NAMESPACE_REPOSITORY } from './postgres-locks.js';
import type {
  ChangeQuery,
  ChangeRecord,
  HeadReader,
  MetadataHead,
  MetadataReader,
  NewMetadata,
  PendingRequestRecord,
  ServerKeyRecord,
  StorageTransaction,
  StoredMetadata,
} from './storage.js';
import { VersionConflictError } from './storage.js';

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
export class Reader implements MetadataReader, HeadReader {
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

export class Transaction extends Reader implements StorageTransaction {
  readonly #locked = new Set<string>();
  /** Change feed entries, appended at commit (see the top of postgres.ts). */
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

/** The server keys of every repository, in the order they were added. */
export async function selectAllKeys(db: Queryable): Promise<ServerKeyRecord[]> {
  const { rows } = await db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM trust_server_keys ORDER BY id`);
  return rows.map(toKey);
}
