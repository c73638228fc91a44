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

/** Rethrows a not-writable errno as DirectoryNotWritableError naming `dir`; anything else as is. */
export function notWritableIn(dir: string, e: unknown): unknown {
  return isNotWritable(e) ? new DirectoryNotWritableError(path.resolve(dir), e.code!) : e;
}

/**
 * Fails with DirectoryNotWritableError unless a file can be created in `dir` (created if missing,
 * 0700). Writing commands call it before they change anything, locally or on a server. A real write,
 * not access(2), which checks the real user id rather than the one that will write.
 */
export async function requireWritableDir(dir: string): Promise<void> {
  const probe = path.join(dir, `.write-check.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await (await open(probe, 'wx', 0o600)).close();
  } catch (e) {
    throw notWritableIn(dir, e);
  }
  await rm(probe, { force: true });
}
