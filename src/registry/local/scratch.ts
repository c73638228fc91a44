// Scratch space for opening an image: a 0700 directory under the system's (or the given) temp
// directory, for a decompressed archive or a daemon export; removed by LocalImage.close().
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Scratch {
  dir: string;
  remove(): Promise<void>;
}

export async function makeScratch(parent?: string): Promise<Scratch> {
  // mkdtemp creates the directory with mode 0700.
  const dir = await mkdtemp(path.join(parent ?? tmpdir(), 'trust-tui-image-'));
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
