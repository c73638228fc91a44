// Reading a notary-server 0.7 deployment: the server database (`tuf_files`, `changefeed`; notary's
// migrations/server/{postgresql,mysql}) and the signer database (`private_keys`; migrations/signer/…).
// They are read through one small SQL interface, so PostgreSQL, MySQL/MariaDB and SQLite sources
// share the logic.
import { redactUrl, redactUrlsIn } from '../redact-url.js';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';

/** One row of notary-server's `tuf_files`. */
export interface SourceFile {
  id: number;
  gun: string;
  role: string;
  version: number;
  /** The stored hex sha256 column (NULL in rows written before notary added it). */
  sha256: string | null;
  data: Buffer;
}

/** One row of notary-signer's `private_keys`. */
export interface SourceSignerKey {
  keyId: string;
  /** `ecdsa` or `ed25519` (notary's data.ECDSAKey / data.ED25519Key). */
  algorithm: string;
  passphraseAlias: string;
  gun: string;
  role: string;
  /** The public key bytes as notary stores them (PKIX DER for ecdsa, raw for ed25519). */
  publicKey: Buffer;
  /** The JWE compact serialisation of the private key (PBES2-HS256+A128KW, A256GCM). */
  jwe: string;
}

/** A read-only connection to a notary database. */
export interface SqlSource {
  /** postgres://user@host:port/db (never the password) or sqlite:PATH, for messages. */
  readonly display: string;
  /** Runs a SELECT with `?` placeholders. */
  query(sql: string, params: readonly (string | number)[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** A source URL that cannot be used; the message says why and what to give instead. */
export class SourceError extends Error {
  override name = 'SourceError';
}

export const SOURCE_URL_FORMS = 'postgres://USER:PASSWORD@HOST:PORT/DATABASE, mysql://USER:PASSWORD@HOST:PORT/DATABASE or sqlite:PATH';

/** The URL without its password, for messages and logs. */
export { redactUrl };

export async function openSqlSource(url: string, what: string): Promise<SqlSource> {
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, what);
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, ''), what);
  if (url.startsWith('mysql://')) return openMysql(url, what);
  throw new SourceError(`${what} ${JSON.stringify(redactUrl(url))} is not a database URL: expected ${SOURCE_URL_FORMS}`);
}

async function openPostgres(url: string, what: string): Promise<SqlSource> {
  const display = redactUrl(url);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // A dropped connection after connect() emits 'error'; the failing query reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new SourceError(`cannot connect to the ${what} ${display}: ${reason(e)}`);
  }
  return {
    display,
    async query(sql, params) {
      let n = 0;
      const numbered = sql.replace(/\?/g, () => `$${++n}`);
      try {
        return (await client.query(numbered, [...params])).rows as Record<string, unknown>[];
      } catch (e) {
        throw new SourceError(`reading the ${what} ${display} failed: ${reason(e)}${hintFor(e)}`);
      }
    },
    close: () => client.end(),
  };
}

async function openMysql(url: string, what: string): Promise<SqlSource> {
  const display = redactUrl(url);
  // Loaded only for MySQL sources.
  const mysql = await import('mysql2/promise');
  let connection: import('mysql2/promise').Connection;
  try {
    // notary's MySQL schema keeps data in LONGBLOB: returned as Buffers.
    connection = await mysql.createConnection({ uri: url, connectTimeout: 10_000, supportBigNumbers: true });
  } catch (e) {
    throw new SourceError(`cannot connect to the ${what} ${display}: ${reason(e)}`);
  }
  connection.on('error', () => undefined);
  return {
    display,
    async query(sql, params) {
      try {
        const [rows] = await connection.query(sql, [...params]);
        return rows as Record<string, unknown>[];
      } catch (e) {
        throw new SourceError(`reading the ${what} ${display} failed: ${reason(e)}${hintFor(e)}`);
      }
    },
    close: () => connection.end(),
  };
}

async function openSqlite(file: string, what: string): Promise<SqlSource> {
  const display = `sqlite:${file}`;
  if (!file || !existsSync(file)) throw new SourceError(`the ${what} ${display} does not exist: give sqlite:PATH of notary's SQLite database file`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.prepare('SELECT 1').get();
  } catch (e) {
    throw new SourceError(`cannot open the ${what} ${display}: ${reason(e)}`);
  }
  return {
    display,
    async query(sql, params) {
      try {
        return db.prepare(sql).all(...params) as Record<string, unknown>[];
      } catch (e) {
        throw new SourceError(`reading the ${what} ${display} failed: ${reason(e)}${hintFor(e)}`);
      }
    },
    async close() {
      db.close();
    },
  };
}

function reason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return redactUrlsIn(message.split('\n')[0]!);
}

function hintFor(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return /tuf_files|private_keys|changefeed/.test(message) && /(does not exist|doesn't exist|no such table)/.test(message)
    ? ' (is this the right database? notary-server keeps tuf_files, notary-signer private_keys)'
    : '';
}

/** Rows fetched per query: keeps memory bounded on large estates. */
const PAGE_ROWS = 200;

/** Every live row of `tuf_files` in insertion (id) order, a page at a time. */
export async function* readTufFiles(source: SqlSource): AsyncGenerator<SourceFile> {
  for (let after = 0; ; ) {
    const rows = await source.query(
      'SELECT id, gun, role, version, sha256, data FROM tuf_files WHERE deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?',
      [after, PAGE_ROWS],
    );
    for (const row of rows) {
      const file: SourceFile = {
        id: Number(row.id),
        gun: String(row.gun),
        role: String(row.role),
        version: Number(row.version),
        sha256: row.sha256 === null || row.sha256 === undefined ? null : String(row.sha256).trim().toLowerCase(),
        data: asBuffer(row.data),
      };
      after = file.id;
      yield file;
    }
    if (rows.length < PAGE_ROWS) return;
  }
}

/** The newest live root of every repository, by repository. */
export async function readNewestRoots(source: SqlSource): Promise<Map<string, Buffer>> {
  const rows = await source.query("SELECT gun, version, data FROM tuf_files WHERE role = 'root' AND deleted_at IS NULL ORDER BY gun, version", []);
  const newest = new Map<string, Buffer>();
  for (const row of rows) newest.set(String(row.gun), asBuffer(row.data)); // ascending: the last one wins
  return newest;
}

/** How many `changefeed` entries the source has, by category (for the summary). */
export async function countChanges(source: SqlSource): Promise<{ update: number; deletion: number }> {
  const rows = await source.query('SELECT category, COUNT(*) AS n FROM changefeed GROUP BY category', []);
  const counts = { update: 0, deletion: 0 };
  for (const row of rows) {
    if (row.category === 'update' || row.category === 'deletion') counts[row.category] = Number(row.n);
  }
  return counts;
}

/** The live timestamp and snapshot keys of notary-signer's `private_keys`. */
export async function readSignerKeys(source: SqlSource): Promise<SourceSignerKey[]> {
  const rows = await source.query(
    "SELECT key_id, algorithm, passphrase_alias, gun, role, public, private FROM private_keys WHERE deleted_at IS NULL AND role IN ('timestamp', 'snapshot') ORDER BY id",
    [],
  );
  return rows.map((row) => ({
    keyId: String(row.key_id),
    algorithm: String(row.algorithm),
    passphraseAlias: String(row.passphrase_alias),
    gun: String(row.gun),
    role: String(row.role),
    publicKey: asBuffer(row.public),
    jwe: asBuffer(row.private).toString('utf8').trim(),
  }));
}

function asBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  return Buffer.from(String(value), 'utf8');
}
