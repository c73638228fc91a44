// Where the files of a layout or archive are read from: a directory, or byte ranges of a tar
// archive. The readers above (oci-layout.ts, docker-archive.ts) see one interface for both.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { LocalImageError } from './image.js';
import { resolveTarEntry, type TarEntry } from './tar-index.js';

export interface SourceFiles {
  /** How a file is named in messages: `DIR/blobs/sha256/ab…` or `FILE.tar!blobs/sha256/ab…`. */
  describe(name: string): string;
  /** The file's size, or undefined when there is no such (regular) file. */
  size(name: string): Promise<number | undefined>;
  /** The whole file; a file larger than `cap` is an error (manifests, configs, index.json). */
  read(name: string, cap: number): Promise<Buffer>;
  /** The bytes from `start` to the end of the file. */
  stream(name: string, start: number): Readable;
}

function tooLarge(where: string, size: number, cap: number): LocalImageError {
  return new LocalImageError(`${where} is ${size} bytes, more than the ${cap} bytes allowed for it`);
}

export function directoryFiles(dir: string): SourceFiles {
  const full = (name: string) => path.join(dir, ...name.split('/'));
  return {
    describe: full,
    async size(name) {
      try {
        const s = await stat(full(name));
        return s.isFile() ? s.size : undefined;
      } catch {
        return undefined;
      }
    },
    async read(name, cap) {
      const fh = await open(full(name), 'r');
      try {
        const { size } = await fh.stat();
        if (size > cap) throw tooLarge(full(name), size, cap);
        return await fh.readFile();
      } finally {
        await fh.close();
      }
    },
    stream: (name, start) => createReadStream(full(name), { start }),
  };
}

export function tarFiles(archive: string, entries: Map<string, TarEntry>, label = archive): SourceFiles {
  const entry = (name: string) => resolveTarEntry(entries, name);
  const describe = (name: string) => `${label}!${name}`;
  function stream(name: string, start: number): Readable {
    const e = entry(name);
    if (e === undefined) {
      const missing = new LocalImageError(`${describe(name)}: no such file in the archive`);
      return new Readable({ read() { this.destroy(missing); } });
    }
    // An empty range: createReadStream's `end` is inclusive, so a zero-length one is made by hand.
    if (start >= e.size) return Readable.from([]);
    return createReadStream(archive, { start: e.offset + start, end: e.offset + e.size - 1 });
  }
  return {
    describe,
    size: async (name) => entry(name)?.size,
    async read(name, cap) {
      const e = entry(name);
      if (e === undefined) throw new LocalImageError(`${describe(name)}: no such file in the archive`);
      if (e.size > cap) throw tooLarge(describe(name), e.size, cap);
      const fh = await open(archive, 'r');
      try {
        const buffer = Buffer.alloc(e.size);
        const { bytesRead } = await fh.read(buffer, 0, e.size, e.offset);
        if (bytesRead !== e.size) throw new LocalImageError(`${describe(name)}: the archive ends inside this file`);
        return buffer;
      } finally {
        await fh.close();
      }
    },
    stream,
  };
}
