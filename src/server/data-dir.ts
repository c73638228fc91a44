// The server's data directory holds every repository's metadata and the encrypted server keys: only
// the server's own user may read it. New directories and database files are made 0700/0600 whatever
// the umask; an existing directory or file open to other users is closed down, with one warning line.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';

/** The SQLite database in the data directory, and the files SQLite keeps beside it in WAL mode. */
export const DATABASE_FILE = 'trust-tui-server.sqlite';
const DATABASE_COMPANIONS = ['-wal', '-shm'];

export function secureDataDir(dataDir: string, warn: (line: string) => void): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  restrict(dataDir, 0o700, 'data directory', warn);
  const database = path.join(dataDir, DATABASE_FILE);
  // SQLite gives its -wal and -shm files the mode of the database file (os_unix.c findCreateFileMode).
  if (!existsSync(database)) closeSync(openSync(database, 'a', 0o600));
  for (const file of [database, ...DATABASE_COMPANIONS.map((suffix) => database + suffix)]) {
    if (existsSync(file)) restrict(file, 0o600, 'database file', warn);
  }
}

function restrict(file: string, mode: number, what: string, warn: (line: string) => void): void {
  const current = statSync(file).mode & 0o777;
  if ((current & 0o077) === 0) return;
  const shown = current.toString(8).padStart(4, '0');
  try {
    chmodSync(file, mode);
    warn(`warning: ${what} ${file} was open to other users (mode ${shown}); set it to ${mode.toString(8).padStart(4, '0')}`);
  } catch {
    warn(`warning: ${what} ${file} is open to other users (mode ${shown}) and could not be changed: run chmod ${mode.toString(8)} on it`);
  }
}
