// Where `server import` writes: trust-tui server's SQLite store in a data directory (made 0700/0600
// like the server's own), or its PostgreSQL database (--database; the schema migrations are applied
// as at server start). A dry run against a directory without a database reads an empty store in
// memory, so that it creates nothing.
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
    const [{ PostgresStorage }, { redactDatabaseUrl }] = await Promise.all([import('../stores/postgres.js'), import('../stores/postgres-url.js')]);
    const { storage } = await PostgresStorage.open({ connection: { poolSize: 2, ...options.database } });
    return { storage, keyring, display: redactDatabaseUrl(options.database.url) };
  }
  const file = path.join(options.dataDir, DATABASE_FILE);
  if (options.dryRun && !existsSync(file)) {
    return { storage: SqliteStorage.open({ file: ':memory:' }), keyring, display: `${options.dataDir} (empty)` };
  }
  secureDataDir(options.dataDir, (line) => process.stderr.write(line + '\n'));
  return { storage: SqliteStorage.open({ file }), keyring, display: options.dataDir };
}
