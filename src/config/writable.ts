// A trust directory the process cannot write (a shared cache mounted read-only, one owned by another
// user): one definition for the cache, the keystore and the commands that must write.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { HintedError } from '../tuf/errors.js';

const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

/** An errno that means "this process may not write here" (permissions, read-only mount, immutable). */
export function isNotWritable(e: unknown): e is NodeJS.ErrnoException {
  return typeof (e as NodeJS.ErrnoException)?.code === 'string' && NOT_WRITABLE.has((e as NodeJS.ErrnoException).code!);
}

export class DirectoryNotWritableError extends HintedError {
  override name = 'DirectoryNotWritableError';
  constructor(
    readonly dir: string,
    readonly code: string,
  ) {
    super(`the trust directory ${dir} is not writable (${code})`, {
      hint: {
        cli: 'make it writable for this user, or choose a writable one with --trust-dir (reading works without writing)',
        ui: 'make it writable for this user, or start trust-tui with a writable trust directory (reading works without writing)',
      },
    });
  }
}

/**
 * A trust directory that cannot be used where it is asked for: the path is a file, a part of it is
 * a file, a symbolic link on it leads nowhere, or the file system refuses for another reason.
 */
export class DirectoryUnusableError extends HintedError {
  override name = 'DirectoryUnusableError';
  constructor(
    readonly dir: string,
    readonly code: string,
    /** The system's words for other codes, e.g. "ENOSPC: no space left on device". */
    detail: string = code,
  ) {
    const inTheWay = IN_THE_WAY[code];
    super(`the trust directory ${dir} ${inTheWay ?? `cannot be used (${detail})`}`, {
      hint: inTheWay
        ? {
            cli: 'move what is in the way, or choose another trust directory with --trust-dir',
            ui: 'move what is in the way, or start trust-tui with another trust directory',
          }
        : { cli: 'choose another trust directory with --trust-dir', ui: 'start trust-tui with another trust directory' },
    });
  }
}

const IN_THE_WAY: Record<string, string> = {
  ENOTDIR: 'cannot be created: a part of its path is a file (ENOTDIR)',
  EEXIST: 'is not a directory (EEXIST)',
  ENOENT: 'cannot be created (ENOENT: is a symbolic link on its path broken?)',
};

/** Rethrows a not-writable errno as DirectoryNotWritableError naming `dir`; anything else as is. */
export function notWritableIn(dir: string, e: unknown): unknown {
  return isNotWritable(e) ? new DirectoryNotWritableError(path.resolve(dir), e.code!) : e;
}

/**
 * Fails with DirectoryNotWritableError unless a file can be created in `dir` (created if missing,
 * 0700), or with DirectoryUnusableError when `dir` cannot be a directory at all (a file is in the
 * way). Writing commands call it before they change anything, locally or on a server, and before
 * any passphrase is asked. A real write, not access(2), which checks the real user id rather than
 * the one that will write.
 */
export async function requireWritableDir(dir: string): Promise<void> {
  const probe = path.join(dir, `.write-check.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await (await open(probe, 'wx', 0o600)).close();
  } catch (e) {
    if (isNotWritable(e)) throw notWritableIn(dir, e);
    const code = (e as NodeJS.ErrnoException)?.code;
    if (typeof code === 'string') throw new DirectoryUnusableError(path.resolve(dir), code, (e as Error).message.split(',')[0]!);
    throw e;
  }
  await rm(probe, { force: true });
}
