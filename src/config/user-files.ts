// Files and directories a user names on the command line or in the UI (key files, certificates,
// --meta files, --dir). Every failure is one line naming the path and the real cause: missing, a
// directory where a file belongs (or the reverse), unreadable, or too large.
import { open, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { HintedError, type HintInput } from '../tuf/errors.js';

/** A path the user gave that cannot be used as `what` (e.g. "CA file", "--meta file"). */
export class UserPathError extends HintedError {
  override name = 'UserPathError';
  constructor(
    readonly path: string,
    readonly what: string,
    problem: string,
    hint?: HintInput,
  ) {
    super(`${what} ${path} ${problem}`, hint === undefined ? {} : { hint });
  }
}

const CHECK_PATH = 'check the path (a relative path starts in the current directory)';

/** Whether something exists at `path` (a broken symbolic link does not count). */
export async function pathExists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

async function statOf(path: string, what: string, missingHint: HintInput = CHECK_PATH): Promise<Stats> {
  try {
    return await stat(path);
  } catch (e) {
    throw accessError(e, path, what, missingHint);
  }
}

function accessError(e: unknown, path: string, what: string, missingHint: HintInput = CHECK_PATH): Error {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return new UserPathError(path, what, 'does not exist', missingHint);
    case 'ENOTDIR':
      return new UserPathError(path, what, 'does not exist (a part of the path is a file)', CHECK_PATH);
    case 'EACCES':
    case 'EPERM':
      return new UserPathError(path, what, 'cannot be read: permission denied', 'check its permissions or copy it somewhere readable');
    case 'EISDIR':
      return new UserPathError(path, what, 'is a directory, not a file', 'give the file inside it');
    default:
      return new UserPathError(path, what, `cannot be read: ${(e as Error).message}`);
  }
}

/**
 * Reads a file the user named. `maxBytes` refuses larger files before reading them, saying so.
 * Pipes and other non-regular files (e.g. `<(…)`) are read as well; only directories are refused.
 */
export async function readUserFile(path: string, what: string, options: { maxBytes?: number } = {}): Promise<Buffer> {
  const info = await statOf(path, what);
  if (info.isDirectory()) throw new UserPathError(path, what, 'is a directory, not a file', 'give the file inside it');
  const tooLarge = (size: number) =>
    new UserPathError(path, what, `is ${size} bytes, more than the ${options.maxBytes} allowed`, 'give a smaller file');
  if (options.maxBytes !== undefined && info.isFile() && info.size > options.maxBytes) throw tooLarge(info.size);
  let bytes: Buffer | undefined;
  try {
    bytes = options.maxBytes === undefined ? await readFile(path) : await readAtMost(path, options.maxBytes);
  } catch (e) {
    throw accessError(e, path, what);
  }
  if (bytes === undefined) {
    throw new UserPathError(path, what, `holds more than the ${options.maxBytes} bytes allowed`, 'give a smaller file');
  }
  return bytes;
}

/**
 * The file's bytes, or undefined once it holds more than `maxBytes`: read in chunks, so that a
 * device or pipe without end (/dev/zero) is refused instead of filling memory.
 */
async function readAtMost(path: string, maxBytes: number): Promise<Buffer | undefined> {
  const handle = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) return Buffer.concat(chunks, total);
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) return undefined;
    }
  } finally {
    await handle.close();
  }
}

/** readUserFile as UTF-8 text. */
export async function readUserText(path: string, what: string, options: { maxBytes?: number } = {}): Promise<string> {
  return (await readUserFile(path, what, options)).toString('utf8');
}

/** Checks that `path` is an existing directory; `missingHint` replaces the hint when it does not exist. */
export async function checkUserDirectory(path: string, what: string, missingHint?: HintInput): Promise<void> {
  const info = await statOf(path, what, missingHint);
  if (!info.isDirectory()) throw new UserPathError(path, what, 'is a file, not a directory', 'give a directory');
}

/** Key files and certificates are a few KiB; anything this large is the wrong file. */
export const MAX_PEM_BYTES = 1024 * 1024;

/** `sign --meta` files are uploaded as one blob in one request. */
export const MAX_META_BYTES = 256 * 1024 * 1024;
