// Opening a tar archive (oci-archive, docker-archive): gzip-compressed ones are decompressed once
// to a scratch file, since a gzip stream cannot be read from the middle; then the tar is indexed.
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { tarFiles, type SourceFiles } from './files.js';
import { LocalImageError } from './image.js';
import type { Scratch } from './scratch.js';
import { indexTar, TarFormatError } from './tar-index.js';

export interface OpenedArchive {
  files: SourceFiles;
  /** Names in the archive, for format detection. */
  has(name: string): boolean;
}

const NOT_A_FILE_HINT = 'an archive is one file (docker save -o FILE.tar, or a tar of an OCI layout); for a layout directory use oci:DIR';

async function isGzip(file: string, origin: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LocalImageError(`${origin}: cannot open ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`, {
      hint: code === 'EISDIR' ? NOT_A_FILE_HINT : 'check the path (relative paths start at the current directory)',
    });
  }
  try {
    if (!(await fh.stat()).isFile()) throw new LocalImageError(`${origin}: ${file} is not a regular file`, { hint: NOT_A_FILE_HINT });
    const magic = Buffer.alloc(2);
    const { bytesRead } = await fh.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

export async function openArchive(file: string, origin: string, scratch: () => Promise<Scratch>): Promise<OpenedArchive> {
  let tarPath = file;
  if (await isGzip(file, origin)) {
    tarPath = path.join((await scratch()).dir, 'archive.tar');
    try {
      await pipeline(createReadStream(file), createGunzip(), createWriteStream(tarPath, { mode: 0o600 }));
    } catch (e) {
      throw new LocalImageError(`${origin}: cannot decompress ${file}: ${(e as Error).message}`);
    }
  }
  let entries;
  try {
    entries = await indexTar(tarPath);
  } catch (e) {
    if (e instanceof TarFormatError) throw new LocalImageError(`${origin}: ${file} is not a readable tar archive: ${e.message}`);
    throw e;
  }
  return { files: tarFiles(tarPath, entries, file), has: (name) => entries.has(name) };
}
