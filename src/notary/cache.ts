// The local TUF cache in notary's layout (notary storage/filestore.go, client/client.go), shared with docker and notary:
//   <trustDir>/tuf/<gun>/metadata/{root,targets,snapshot,timestamp}.json
//   <trustDir>/tuf/<gun>/metadata/targets/<name>.json   (nested directories for nested names)
// Directories 0700, files 0600, bytes exactly as received (Go re-hashes what it loads), and every
// write atomic (temp file + rename) so a crash never leaves a half-written root behind. A directory
// this process cannot write fails every change with DirectoryNotWritableError (reads still work).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { notWritableIn } from '../config/writable.js';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** notary's role-name rule (`^[-a-z0-9_/]+$`, path-clean), checked before a name becomes a path. */
const ROLE_NAME = /^[-a-z0-9_]+(\/[-a-z0-9_]+)*$/;

export class CachePathError extends Error {
  override name = 'CachePathError';
}

function checkRole(role: string): void {
  if (!ROLE_NAME.test(role)) throw new CachePathError(`"${role}" is not a role name that can be cached`);
}

function checkGun(gun: string): void {
  const segments = gun.split('/');
  if (gun.length === 0 || path.isAbsolute(gun) || segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\'))) {
    throw new CachePathError(`"${gun}" is not a repository name that can be cached`);
  }
}

export class TrustCache {
  constructor(readonly trustDir: string) {}

  /** `<trustDir>/tuf/<gun>`: metadata and (notary's) changelist of one repository. */
  repositoryDir(gun: string): string {
    checkGun(gun);
    return path.join(this.trustDir, 'tuf', ...gun.split('/'));
  }

  metadataDir(gun: string): string {
    return path.join(this.repositoryDir(gun), 'metadata');
  }

  /** `<metadataDir>/<role>.json`; `targets/a/b` becomes `targets/a/b.json`. */
  filePath(gun: string, role: string): string {
    checkRole(role);
    return path.join(this.metadataDir(gun), ...`${role}.json`.split('/'));
  }

  /** The cached bytes of a role, or undefined when there are none. */
  async read(gun: string, role: string): Promise<Buffer | undefined> {
    try {
      // Synchronously: metadata files are small, and a read through the thread pool (open, stat,
      // read, close, each a round trip) cost more CPU than the read itself, on every file of every
      // repository a bulk command reads.
      return readFileSync(this.filePath(gun, role));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Writes exactly `bytes` (no newline, no re-serialisation), atomically, mode 0600. */
  async write(gun: string, role: string, bytes: Uint8Array): Promise<void> {
    const file = this.filePath(gun, role);
    await this.#writing(() => this.#writeFile(file, bytes));
  }

  /** Runs a change of the cache; not-writable errors name the trust directory. */
  async #writing(change: () => Promise<void>): Promise<void> {
    try {
      await change();
    } catch (e) {
      throw notWritableIn(this.trustDir, e);
    }
  }

  async #writeFile(file: string, bytes: Uint8Array): Promise<void> {
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
    let handle;
    try {
      handle = await open(temp, 'wx', FILE_MODE);
    } catch (e) {
      // The directories are made on the first write only: every later one saves a mkdir per level.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await this.#makeDirs(path.dirname(file));
      handle = await open(temp, 'wx', FILE_MODE);
    }
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, file);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
  }

  /** Delegation roles with a cached file (`targets/a`, `targets/a/b`, …), sorted. Read synchronously, as `read`. */
  async cachedDelegations(gun: string): Promise<string[]> {
    const found: string[] = [];
    const visit = (dir: string, prefix: string): void => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const entry of entries) {
        if (entry.isDirectory()) visit(path.join(dir, entry.name), `${prefix}/${entry.name}`);
        else if (entry.isFile() && entry.name.endsWith('.json') && !entry.name.startsWith('.')) {
          const role = `${prefix}/${entry.name.slice(0, -'.json'.length)}`;
          if (ROLE_NAME.test(role)) found.push(role);
        }
      }
    };
    visit(path.join(this.metadataDir(gun), 'targets'), 'targets');
    return found.sort();
  }

  /** Forgets one role (e.g. a delegation that no longer exists). */
  async remove(gun: string, role: string): Promise<void> {
    const file = this.filePath(gun, role);
    await this.#writing(() => rm(file, { force: true }));
  }

  /** Forgets the repository as `notary delete` does: metadata and changelist; keys are elsewhere. */
  async removeRepository(gun: string): Promise<void> {
    const dir = this.repositoryDir(gun);
    await this.#writing(() => rm(dir, { recursive: true, force: true }));
  }

  /** Creates missing directories from the trust dir down with 0700 (mkdir's mode is umask-filtered). */
  async #makeDirs(dir: string): Promise<void> {
    await mkdir(path.dirname(path.resolve(this.trustDir)), { recursive: true, mode: DIR_MODE });
    const relative = path.relative(this.trustDir, dir);
    let current = this.trustDir;
    for (const part of ['', ...relative.split(path.sep)]) {
      current = part ? path.join(current, part) : current;
      try {
        await mkdir(current, { mode: DIR_MODE });
        await chmod(current, DIR_MODE);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }
}
