// Scratch space for opening an image: a 0700 directory under the system's (or the given) temp
// directory, for a decompressed archive or a daemon export; removed by LocalImage.close(), and
// also when the process is interrupted (Ctrl-C, SIGTERM) or exits before close() ran.
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalImageError } from './image.js';

export interface Scratch {
  dir: string;
  remove(): Promise<void>;
}

/** Scratch directories not removed yet. */
const live = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function removeLiveNow(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeLiveNow();
  unwatch();
  // With no listener left, the signal's default action ends the process as it would have.
  process.kill(process.pid, signal);
}

// Listeners only while a scratch directory exists: a listener replaces the default action of a signal.
function watch(): void {
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', removeLiveNow);
}
function unwatch(): void {
  for (const s of SIGNALS) process.off(s, onSignal);
  process.off('exit', removeLiveNow);
}

export async function makeScratch(parent?: string): Promise<Scratch> {
  const base = parent ?? tmpdir();
  // Registered before it exists: a Ctrl-C that lands while the directory is being made still
  // removes it (with mkdtemp the directory could appear before the process knew its name).
  const dir = path.join(base, `trust-tui-image-${randomBytes(8).toString('hex')}`);
  if (live.size === 0) watch();
  live.add(dir);
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (e) {
    live.delete(dir);
    if (live.size === 0) unwatch();
    throw new LocalImageError(`cannot make a scratch directory in ${base}: ${(e as Error).message}`, { hint: 'set TMPDIR to a writable directory with room for the image' });
  }
  let removed = false;
  return {
    dir,
    async remove() {
      if (removed) return;
      removed = true;
      await rm(dir, { recursive: true, force: true });
      live.delete(dir);
      if (live.size === 0) unwatch();
    },
  };
}
