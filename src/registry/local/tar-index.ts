// An index of an uncompressed tar archive: entry name -> byte range in the file, so that an entry
// can be streamed as a range of the archive (fs.createReadStream start/end) without extracting it.
// Hand-written because streaming tar libraries read front to back and give no random access; it
// understands ustar, pax `path`/`size`/`linkpath` records and GNU long names (POSIX pax format,
// GNU tar manual "Standard" section) and refuses anything truncated or out of bounds in one line.
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';

const BLOCK = 512;
/** Far beyond any real pax or long-name record; keeps a corrupt header from allocating gigabytes. */
const MAX_META_SIZE = 1 << 20;

export interface TarEntry {
  /** Where the entry's bytes start in the archive. */
  offset: number;
  size: number;
  type: 'file' | 'link';
  /** For links: the target, an archive path. */
  target?: string;
}

/** Thrown with the archive path and the offset of the bad header; callers wrap it. */
export class TarFormatError extends Error {
  override name = 'TarFormatError';
}

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

function octal(block: Buffer, start: number, length: number, what: string): number {
  const field = block.subarray(start, start + length);
  if (field[0]! & 0x80) {
    // GNU base-256: big-endian binary after the marker bit.
    let n = field[0]! & 0x7f;
    for (const b of field.subarray(1)) n = n * 256 + b;
    if (!Number.isSafeInteger(n)) throw new TarFormatError(`${what} is too large`);
    return n;
  }
  const digits = text(block, start, length).trim();
  if (digits === '') return 0;
  if (!/^[0-7]+$/.test(digits)) throw new TarFormatError(`${what} "${digits}" is not an octal number`);
  return Number.parseInt(digits, 8);
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === octal(block, 148, 8, 'header checksum');
}

function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const length = Number.parseInt(data.subarray(pos, space).toString('ascii'), 10);
    if (space < 0 || !(length > 0) || pos + length > data.length) throw new TarFormatError('malformed pax extended header');
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return records;
}

/** `./a//b/` -> `a/b`: tar writers differ in how they spell the same name. */
export function normalizeTarName(name: string): string {
  const n = posix.normalize(name).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  return n === '.' ? '' : n;
}

async function readExactly(fh: FileHandle, position: number, length: number, fileSize: number): Promise<Buffer> {
  if (position + length > fileSize) throw new TarFormatError(`truncated at byte ${fileSize} (an entry needs up to byte ${position + length})`);
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new TarFormatError(`truncated at byte ${position + bytesRead}`);
  return buffer;
}

/** Reads every header of the archive at `file`. Throws TarFormatError for anything malformed. */
export async function indexTar(file: string): Promise<Map<string, TarEntry>> {
  const fh = await open(file, 'r');
  try {
    const fileSize = (await fh.stat()).size;
    const entries = new Map<string, TarEntry>();
    let pos = 0;
    let pending: Map<string, string> = new Map();
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      if (pos + BLOCK > fileSize) {
        // Some writers omit the two zero blocks at the end; a header cut short is still an error.
        if (pos === fileSize && entries.size > 0) return entries;
        throw new TarFormatError(pos === 0 ? 'empty file' : `truncated at byte ${fileSize} (a header starts at ${pos})`);
      }
      const header = await readExactly(fh, pos, BLOCK, fileSize);
      if (header.every((b) => b === 0)) {
        if (entries.size === 0 && pos === 0) throw new TarFormatError('no entries');
        return entries;
      }
      if (!checksumOk(header)) throw new TarFormatError(`bad header checksum at byte ${pos} (not a tar archive, or corrupt)`);
      const type = String.fromCharCode(header[156]!);
      let size = octal(header, 124, 12, `size at byte ${pos}`);
      if (pending.has('size')) size = Number(pending.get('size'));
      if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError(`bad entry size at byte ${pos}`);
      const dataStart = pos + BLOCK;
      if (dataStart + size > fileSize) throw new TarFormatError(`truncated: the entry at byte ${pos} needs ${size} bytes, the file ends at ${fileSize}`);
      const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
        if (size > MAX_META_SIZE) throw new TarFormatError(`extended header at byte ${pos} is ${size} bytes`);
        const data = await readExactly(fh, dataStart, size, fileSize);
        if (type === 'x') pending = parsePax(data);
        else if (type === 'L') longName = text(data, 0, data.length);
        else if (type === 'K') longLink = text(data, 0, data.length);
        pos = next;
        continue;
      }
      const prefix = header.subarray(257, 262).toString('ascii') === 'ustar' ? text(header, 345, 155) : '';
      const rawName = pending.get('path') ?? longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
      const name = normalizeTarName(rawName);
      const link = pending.get('linkpath') ?? longLink ?? text(header, 157, 100);
      if (type === '0' || type === '\0' || type === '7') entries.set(name, { offset: dataStart, size, type: 'file' });
      else if (type === '1') entries.set(name, { offset: 0, size: 0, type: 'link', target: normalizeTarName(link) });
      else if (type === '2') entries.set(name, { offset: 0, size: 0, type: 'link', target: normalizeTarName(posix.join(posix.dirname(name), link)) });
      pending = new Map();
      longName = undefined;
      longLink = undefined;
      pos = next;
    }
  } finally {
    await fh.close();
  }
}

/** The file entry a name leads to, following hard and symbolic links (docker save links repeated layers). */
export function resolveTarEntry(entries: Map<string, TarEntry>, name: string): (TarEntry & { type: 'file' }) | undefined {
  let entry = entries.get(normalizeTarName(name));
  for (let hops = 0; entry?.type === 'link' && hops < 16; hops++) entry = entries.get(entry.target!);
  return entry?.type === 'file' ? (entry as TarEntry & { type: 'file' }) : undefined;
}
