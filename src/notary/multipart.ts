// The multipart body of a notary publish, byte for byte as Go's mime/multipart writes it for
// `notary publish` (notary storage/httpstore.go, SetMulti): one part per role, field name `files`,
// filename = role name WITHOUT `.json` and with its slashes intact, `application/octet-stream`.
import { randomBytes } from 'node:crypto';

export interface MetadataFile {
  /** Role name: `root`, `targets`, `snapshot`, `targets/releases`, … */
  role: string;
  /** The exact envelope bytes; the server stores them unchanged. */
  bytes: Uint8Array;
}

/** Go's `randomBoundary()`: 30 random bytes in hex (60 characters). */
export function goBoundary(): string {
  return randomBytes(30).toString('hex');
}

// Go's escapeQuotes for the Content-Disposition parameters.
const escapeQuotes = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

export function encodeMultipart(files: readonly MetadataFile[], boundary = goBoundary()): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  files.forEach((file, i) => {
    // Go writes `--b` before the first part and `\r\n--b` before every later one.
    const head =
      `${i === 0 ? '' : '\r\n'}--${boundary}\r\n` +
      `Content-Disposition: form-data; name="files"; filename="${escapeQuotes(file.role)}"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n`;
    chunks.push(Buffer.from(head, 'utf8'), Buffer.from(file.bytes));
  });
  chunks.push(Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
