// PEM with RFC 1421-style headers, as Go's encoding/pem reads and writes it (notary stores `role`,
// `gun` and `path` there; OpenSSL's legacy encryption uses `Proc-Type` and `DEK-Info`).
import { compareUtf8 } from '../tuf/canonical.js';
import { KeyFileError } from './errors.js';

export interface PemBlock {
  type: string;
  headers: Record<string, string>;
  bytes: Buffer;
}

const BEGIN = /^-----BEGIN ([^-]+(?:-[^-]+)*)-----$/;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes every PEM block in `text` (text around blocks is ignored). CRLF line ends are accepted.
 * `source` names the file in errors. Throws KeyFileError for a missing END line, bad headers or
 * bad base64.
 */
export function decodePem(text: string, source: string): PemBlock[] {
  const lines = text.split(/\r?\n|\r/).map((l) => l.replace(/[ \t]+$/, ''));
  const blocks: PemBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const begin = BEGIN.exec(lines[i]!.trim());
    if (!begin) {
      i++;
      continue;
    }
    const type = begin[1]!;
    const beginLine = i + 1;
    i++;
    const headers: Record<string, string> = {};
    // Headers run until the first line without a colon (Go's rule); base64 never contains one.
    while (i < lines.length && lines[i]!.includes(':') && !lines[i]!.startsWith('-----')) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      const key = line.slice(0, colon).trim();
      if (!key) throw new KeyFileError(source, `malformed PEM header on line ${i + 1}`);
      headers[key] = line.slice(colon + 1).trim();
      i++;
    }
    const body: string[] = [];
    const end = `-----END ${type}-----`;
    for (;;) {
      if (i >= lines.length) {
        throw new KeyFileError(source, `truncated PEM: "${type}" block opened on line ${beginLine} has no END line`);
      }
      const line = lines[i]!.trim();
      i++;
      if (line === end) break;
      if (line.startsWith('-----')) {
        throw new KeyFileError(source, `malformed PEM: expected "${end}" on line ${i}`);
      }
      if (!BASE64_LINE.test(line)) throw new KeyFileError(source, `malformed PEM: invalid base64 on line ${i}`);
      body.push(line);
    }
    const b64 = body.join('');
    if (b64.length % 4 !== 0 || /=[^=]/.test(b64)) {
      throw new KeyFileError(source, `malformed PEM: "${type}" block has truncated base64`);
    }
    blocks.push({ type, headers, bytes: Buffer.from(b64, 'base64') });
  }
  return blocks;
}

/**
 * Encodes a block byte-for-byte as Go's pem.Encode: `Proc-Type` first, the other headers sorted,
 * a blank line after the headers, base64 in 64-character lines, a trailing newline.
 */
export function encodePem(block: PemBlock): string {
  const names = Object.keys(block.headers).sort(compareUtf8);
  for (const name of names) {
    const value = block.headers[name]!;
    if (name.includes(':') || /[\r\n]/.test(name) || /[\r\n]/.test(value)) {
      throw new TypeError(`PEM header ${JSON.stringify(name)} cannot be encoded`);
    }
  }
  const ordered = names.includes('Proc-Type') ? ['Proc-Type', ...names.filter((n) => n !== 'Proc-Type')] : names;
  let out = `-----BEGIN ${block.type}-----\n`;
  for (const name of ordered) out += `${name}: ${block.headers[name]}\n`;
  if (ordered.length > 0) out += '\n';
  const b64 = block.bytes.toString('base64');
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  out += `-----END ${block.type}-----\n`;
  return out;
}
