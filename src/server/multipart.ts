// Reading the multipart/form-data body of a notary publish, streaming, with busboy (linear in the
// body size). The `filename` parameter is kept raw (`preservePath`): it is a role name with its
// slashes (`targets/releases`), which Go >= 1.17 and most libraries cut down to a base name
// (notary#1630).
import type { Readable } from 'node:stream';
import busboy from 'busboy';

export class MultipartError extends Error {
  override name = 'MultipartError';
}

/** The body has more parts than the limit allows (a publish has at most one part per role). */
export class MultipartLimitError extends MultipartError {
  override name = 'MultipartLimitError';
}

export interface MultipartPart {
  /** The form field name (`files` for notary). */
  name: string | undefined;
  /** The raw `filename` parameter, undefined when absent or empty. */
  filename: string | undefined;
  /** The exact bytes between the part's headers and the next boundary. */
  data: Buffer;
}

export interface MultipartLimits {
  /** Most parts accepted; one more fails the whole body. */
  maxParts: number;
  /** Parts whose form field is not one of these are skipped without keeping their bytes. */
  keepFields?: ReadonlySet<string>;
}

/** The boundary of a `multipart/form-data` (or `multipart/mixed`, as Go accepts) content type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const { value, params } = parseHeaderValue(contentType);
  if (value !== 'multipart/form-data' && value !== 'multipart/mixed') return undefined;
  const boundary = params.get('boundary');
  // RFC 2046: 1 to 70 characters.
  return boundary && boundary.length <= 70 ? boundary : undefined;
}

/**
 * Reads the parts of a multipart body as it arrives. Rejects with MultipartError when the framing
 * is broken (parts need CRLF line breaks, as RFC 2046 and every notary and docker client send) and
 * with MultipartLimitError past `maxParts`.
 */
export function parseMultipart(body: Readable, boundary: string, limits: MultipartLimits): Promise<MultipartPart[]> {
  return new Promise((resolve, reject) => {
    const parts: MultipartPart[] = [];
    let failed = false;
    const fail = (error: MultipartError) => {
      if (failed) return;
      failed = true;
      body.unpipe(parser);
      parser.destroy();
      reject(error);
    };
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        // busboy knows only form-data; the framing of multipart/mixed is the same.
        headers: { 'content-type': `multipart/form-data; boundary="${boundary.replace(/["\\]/g, '\\$&')}"` },
        preservePath: true,
        // busboy signals on reaching its limit, so one over ours marks a body with too many parts.
        limits: { parts: limits.maxParts + 1, fieldSize: Number.POSITIVE_INFINITY },
      });
    } catch (e) {
      reject(new MultipartError(e instanceof Error ? e.message : String(e)));
      return;
    }
    const keep = (name: string) => !limits.keepFields || limits.keepFields.has(name);
    parser.on('file', (name, stream, info) => {
      stream.on('error', () => undefined); // a truncated part fails the whole body below
      if (!keep(name)) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      const part: MultipartPart = { name, filename: info.filename || undefined, data: Buffer.alloc(0) };
      parts.push(part);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        part.data = Buffer.concat(chunks);
      });
    });
    // A part without a filename is a "field" to busboy; notary answers NO_FILENAME for it.
    parser.on('field', (name, value) => {
      if (keep(name)) parts.push({ name, filename: undefined, data: Buffer.from(value, 'latin1') });
    });
    parser.on('partsLimit', () => fail(new MultipartLimitError(`more than ${limits.maxParts} parts`)));
    parser.on('error', (e: unknown) => fail(new MultipartError(e instanceof Error ? e.message : String(e))));
    parser.on('close', () => {
      if (!failed) resolve(parts);
    });
    body.on('error', (e) => fail(new MultipartError(e.message)));
    body.pipe(parser);
  });
}

/**
 * `type/subtype; a=b; c="quoted \"value\""` -> value (lower case) and parameters (names lower
 * case). Quoted strings take backslash escapes, as Go's mime.ParseMediaType does.
 */
export function parseHeaderValue(header: string): { value: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  const semi = header.indexOf(';');
  const value = (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
  let i = semi < 0 ? header.length : semi + 1;
  while (i < header.length) {
    while (header[i] === ' ' || header[i] === '\t' || header[i] === ';') i++;
    const eq = header.indexOf('=', i);
    if (eq < 0) break;
    const name = header.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let paramValue = '';
    if (header[i] === '"') {
      i++;
      while (i < header.length && header[i] !== '"') {
        if (header[i] === '\\' && i + 1 < header.length) i++;
        paramValue += header[i];
        i++;
      }
      i++; // closing quote
    } else {
      const end = header.indexOf(';', i);
      paramValue = header.slice(i, end < 0 ? header.length : end).trim();
      i = end < 0 ? header.length : end;
    }
    if (name && !params.has(name)) params.set(name, paramValue);
  }
  return { value, params };
}
