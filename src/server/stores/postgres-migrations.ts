// Versioned schema of the PostgreSQL store. Migrations are applied in order at start (and by
// `trust-tui server --migrate-only`), each recorded in trust_schema_migrations, all in one transaction
// under an advisory lock, so replicas starting together apply each migration exactly once.
//
// Every table is prefixed `trust_`: notary-server 0.7 uses `tuf_files`, `changefeed` and, for its
// migrate tool, `schema_migrations` (notary's migrations/server/postgresql/), so a notary-server
// database can be imported into the same database without a clash.
import type { ClientBase } from 'pg';
import { LOCK_NAMESPACE_MIGRATIONS } from './postgres-locks.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Ordered by version; never edit a published one: add the next. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'metadata, change feed, server keys, pending requests',
    sql: `
CREATE TABLE trust_tuf_files (
  id         BIGSERIAL   PRIMARY KEY,
  gun        TEXT        NOT NULL,
  role       TEXT        NOT NULL,
  version    INTEGER     NOT NULL,
  sha256     TEXT        NOT NULL,
  data       BYTEA       NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  CONSTRAINT trust_tuf_files_version_unique UNIQUE (gun, role, version)
);
CREATE INDEX trust_tuf_files_by_checksum ON trust_tuf_files (gun, role, sha256);
CREATE TABLE trust_changefeed (
  id         BIGSERIAL   PRIMARY KEY,
  gun        TEXT        NOT NULL,
  version    INTEGER     NOT NULL,
  sha256     TEXT        NOT NULL,
  category   TEXT        NOT NULL CHECK (category IN ('update', 'deletion')),
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX trust_changefeed_by_gun ON trust_changefeed (gun, id);
CREATE TABLE trust_server_keys (
  id                    BIGSERIAL   PRIMARY KEY,
  gun                   TEXT        NOT NULL,
  role                  TEXT        NOT NULL CHECK (role IN ('timestamp', 'snapshot')),
  key_id                TEXT        NOT NULL,
  keytype               TEXT        NOT NULL,
  public_b64            TEXT        NOT NULL,
  encrypted_private_key TEXT        NOT NULL,
  created_at            TIMESTAMPTZ NOT NULL,
  CONSTRAINT trust_server_keys_unique UNIQUE (gun, role, key_id)
);
CREATE TABLE trust_pending_requests (
  gun        TEXT        NOT NULL,
  id         TEXT        NOT NULL,
  base_key   TEXT        NOT NULL,
  deadline   TIMESTAMPTZ NOT NULL,
  document   BYTEA       NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (gun, id)
);
CREATE TABLE trust_readiness_probe (
  replica   TEXT        PRIMARY KEY,
  probed_at TIMESTAMPTZ NOT NULL
);
`,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
  constructor(readonly found: number) {
    super(
      `the database has trust-tui schema version ${found}; this trust-tui knows up to ${LATEST_SCHEMA_VERSION}: ` +
        'run the newer trust-tui that migrated it (a database is never migrated down)',
    );
  }
}

/**
 * Applies the migrations the database lacks, in one transaction under an advisory lock (a second
 * replica waits, then finds them applied). Returns the ones applied now (empty: up to date).
 */
export async function applyMigrations(client: ClientBase, migrations: readonly Migration[] = MIGRATIONS): Promise<Migration[]> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_NAMESPACE_MIGRATIONS]);
    await client.query(`CREATE TABLE IF NOT EXISTS trust_schema_migrations (
      version    INTEGER     PRIMARY KEY,
      name       TEXT        NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM trust_schema_migrations');
    const current = rows[0]?.version ?? 0;
    if (current > latest) throw new SchemaTooNewError(current);
    const pending = migrations.filter((m) => m.version > current);
    for (const m of pending) {
      await client.query(m.sql);
      await client.query('INSERT INTO trust_schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await client.query('COMMIT');
    return pending;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
