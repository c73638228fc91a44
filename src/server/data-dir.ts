// The server's data directory holds every repository's metadata and the encrypted server keys: only
// the server's own user may read it. New directories and database files are made 0700/0600 whatever
// the umask; an existing directory or file open to other users is closed down, with one warning line.
import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';

/** The SQLite database in the data directory, and the files SQLite keeps beside it in WAL mode. */
export const DATABASE_FILE = 'trust-tui-server.sqlite';
const DATABASE_COMPANIONS = ['-wal', '-shm'];

/** Makes the data directory (0700) unless it exists; an error names it and the cause. */
export function makeDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw unusableDataDir(dataDir, e as NodeJS.ErrnoException);
  }
}

export function secureDataDir(dataDir: string, warn: (line: string) => void): void {
  makeDataDir(dataDir);
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

/**
 * Why the data directory cannot be used, in words and with its path: SQLite says only "unable to
 * open database file", and mkdir names the syscall. The usual causes are a directory this user cannot
 * write and a read-only mount.
 */
export function unusableDataDir(dir: string, e: NodeJS.ErrnoException, what = `cannot use the data directory ${dir}`): Error {
  let cause = e.message;
  if (e.code === 'EROFS') cause = `${dir} is on a read-only file system`;
  else if (e.code === 'EEXIST' || e.code === 'ENOTDIR') cause = `${notADirectory(dir)} is a file, not a directory`;
  else {
    try {
      accessSync(dir, constants.W_OK);
    } catch (access) {
      const code = (access as NodeJS.ErrnoException).code;
      if (code === 'EROFS') cause = `${dir} is on a read-only file system`;
      else if (code === 'EACCES' || code === 'EPERM') cause = `this user cannot write to ${dir}`;
    }
  }
  return new Error(`${what}: ${cause}; give --data a directory this user can write`, { cause: e });
}

/** SQLite's result codes for a file that is not, or no longer, a well-formed database. */
const DAMAGED_DATABASE_CODES = ['SQLITE_NOTADB', 'SQLITE_CORRUPT'];

/**
 * Why the database file cannot be opened: a damaged file needs a backup, not another directory;
 * anything else is a data directory this user cannot use (see unusableDataDir).
 */
export function unusableDatabase(file: string, e: NodeJS.ErrnoException): Error {
  const what = `cannot open the server database ${file}`;
  if (!DAMAGED_DATABASE_CODES.includes(String(e.code))) return unusableDataDir(path.dirname(file), e, what);
  return new Error(`${what}: ${e.message}; the file is damaged: stop the server and restore it from a backup (see Backups in trust-tui's README)`, { cause: e });
}

/** `dir`, or the first of its parents that exists and is not a directory (mkdir says only EEXIST/ENOTDIR). */
function notADirectory(dir: string): string {
  for (let at = dir; ; at = path.dirname(at)) {
    try {
      if (!statSync(at).isDirectory()) return at;
    } catch {
      // not there: look at its parent
    }
    if (path.dirname(at) === at) return dir;
  }
}
