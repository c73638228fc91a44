// Scratch space for opening an image: a 0700 directory under the system's (or the given) temp
// directory, for a decompressed archive or a daemon export; removed by LocalImage.close().
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalImageError } from './image.js';

export interface Scratch {
  dir: string;
  remove(): Promise<void>;
}

export async function makeScratch(parent?: string): Promise<Scratch> {
  // mkdtemp creates the directory with mode 0700.
  const base = parent ?? tmpdir();
  let dir: string;
  try {
    dir = await mkdtemp(path.join(base, 'trust-tui-image-'));
  } catch (e) {
    throw new LocalImageError(`cannot make a scratch directory in ${base}: ${(e as Error).message}`, { hint: 'set TMPDIR to a writable directory with room for the image' });
  }
  let removed = false;
  return {
    dir,
    async remove() {
      if (removed) return;
      removed = true;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
