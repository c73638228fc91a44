// Where `server import` writes: trust-tui server's SQLite store in a data directory (made 0700/0600
// like the server's own), or its PostgreSQL database (--database; the schema migrations are applied
// as at server start). A dry run creates nothing: against a directory without a database, or a
// database without trust-tui's schema, it reads an empty store in memory; it never migrates.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DATABASE_FILE, secureDataDir } from '../data-dir.js';
import { Keyring, SERVER_PASSPHRASE_VARIABLE } from '../signer.js';
import { SqliteStorage } from '../stores/sqlite.js';
import type { DatabaseConnection } from '../stores/postgres-url.js';
import type { Storage } from '../stores/storage.js';
import { SignerKeyError } from './signer-keys.js';

export interface Destination {
  storage: Storage;
  keyring?: Keyring;
  display: string;
}

export async function openDestination(options: {
  dataDir: string;
  /** PostgreSQL instead of SQLite in dataDir. */
  database?: DatabaseConnection;
  dryRun: boolean;
  needsKeyring: boolean;
}): Promise<Destination> {
  const passphrase = process.env[SERVER_PASSPHRASE_VARIABLE];
  if (options.needsKeyring && !options.dryRun && !passphrase) {
    throw new SignerKeyError(`set ${SERVER_PASSPHRASE_VARIABLE} (the passphrase trust-tui server will run with): imported keys are stored encrypted with it`);
  }
  const keyring = passphrase ? new Keyring(passphrase) : undefined;
  if (options.database) {
    // Loaded only when asked for, as in the server.
    const [{ DatabaseOpenError, PostgresStorage, storedSchemaVersion }, { redactDatabaseUrl }, { LATEST_SCHEMA_VERSION }] = await Promise.all([
      import('../stores/postgres.js'),
      import('../stores/postgres-url.js'),
      import('../stores/postgres-migrations.js'),
    ]);
    const display = redactDatabaseUrl(options.database.url);
    if (options.dryRun) {
      const version = await storedSchemaVersion(options.database);
      if (version === 0) return { storage: SqliteStorage.open({ file: ':memory:' }), keyring, display: `${display} (empty)` };
      if (version < LATEST_SCHEMA_VERSION) {
        throw new DatabaseOpenError(`${display} has trust-tui's schema version ${version}, older than this trust-tui's (${LATEST_SCHEMA_VERSION}): a dry run does not migrate; run \`trust-tui server --migrate-only\` first`);
      }
    }
    const { storage } = await PostgresStorage.open({ connection: { poolSize: 2, ...options.database } });
    return { storage, keyring, display };
  }
  const file = path.join(options.dataDir, DATABASE_FILE);
  if (options.dryRun && !existsSync(file)) {
    return { storage: SqliteStorage.open({ file: ':memory:' }), keyring, display: `${options.dataDir} (empty)` };
  }
  secureDataDir(options.dataDir, (line) => process.stderr.write(line + '\n'));
  return { storage: SqliteStorage.open({ file }), keyring, display: options.dataDir };
}
