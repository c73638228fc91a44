// An exclusive lock beside a file, so that concurrent read-modify-write cycles (the UI and a
// `trust-tui config` run, two scripts) never overwrite each other's change. The lock file holds the
// owner's pid and start time; a lock whose owner is gone, or that is older than any update can take,
// is stale and is taken over.
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { HintedError } from '../tuf/errors.js';

/** No settings update holds the lock anywhere near this long; an older lock was left by a crash. */
export const STALE_LOCK_MS = 30_000;
const RETRY_MS = 15;

export class SettingsLockedError extends HintedError {
  override name = 'SettingsLockedError';
  constructor(
    readonly lockFile: string,
    readonly owner: string,
  ) {
    super(`settings are being changed by another trust-tui (${owner})`, { hint: `try again, or remove ${lockFile} if no trust-tui is running` });
  }
}

interface LockOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
}

/** Runs `work` while holding `lockFile`. */
export async function withFileLock<T>(lockFile: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await acquire(lockFile, options.timeoutMs ?? 10_000);
  try {
    return await work();
  } finally {
    await unlink(lockFile).catch(() => {});
  }
}

async function acquire(lockFile: string, timeoutMs: number): Promise<void> {
  const owner = `pid ${process.pid} on ${hostname()}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now() }));
      await handle.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await readHolder(lockFile);
    if (holder && isStale(holder)) {
      await breakLock(lockFile, holder.text);
      continue;
    }
    if (Date.now() > deadline) throw new SettingsLockedError(lockFile, holder?.owner ?? owner);
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}

interface Holder {
  text: string;
  owner: string;
  pid?: number;
  host?: string;
  ageMs: number;
}

async function readHolder(lockFile: string): Promise<Holder | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(lockFile, 'utf8'), stat(lockFile)]);
    let parsed: { pid?: unknown; host?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // Written but not yet filled in (the owner is between open and write), or garbage: age decides.
    }
    const pid = typeof parsed.pid === 'number' ? parsed.pid : undefined;
    const host = typeof parsed.host === 'string' ? parsed.host : undefined;
    return { text, owner: pid ? `pid ${pid}${host ? ` on ${host}` : ''}` : 'unknown process', ...(pid ? { pid } : {}), ...(host ? { host } : {}), ageMs: Date.now() - info.mtimeMs };
  } catch {
    return undefined; // released meanwhile: try again
  }
}

function isStale(holder: Holder): boolean {
  if (holder.ageMs > STALE_LOCK_MS) return true;
  // A pid is only meaningful on its own host (a settings directory may be shared over NFS).
  if (holder.pid === undefined || holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Moves the stale lock aside (atomic), then removes it, unless another process replaced it meanwhile. */
async function breakLock(lockFile: string, staleText: string): Promise<void> {
  const aside = `${lockFile}.${process.pid}.stale`;
  try {
    await rename(lockFile, aside);
  } catch {
    return; // someone else broke or released it
  }
  const moved = await readFile(aside, 'utf8').catch(() => staleText);
  if (moved !== staleText) {
    // A live owner's lock was moved by mistake: put it back if the place is still free.
    await open(lockFile, 'wx', 0o600).then(
      async (h) => (await h.writeFile(moved), await h.close()),
      () => undefined,
    );
  }
  await unlink(aside).catch(() => {});
}
