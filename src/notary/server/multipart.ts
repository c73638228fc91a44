// Reading the multipart/form-data body of a notary publish. Written for this server rather than taken
// from a form library because the `filename` parameter must be read raw: it is a role name with its
// slashes (`targets/releases`), which Go >= 1.17 and most libraries cut down to a base name
// (notary#1630).

export class MultipartError extends Error {
  override name = 'MultipartError';
}

export interface MultipartPart {
  /** The form field name (`files` for notary). */
  name: string | undefined;
  /** The raw `filename` parameter, undefined when absent. */
  filename: string | undefined;
  /** The exact bytes between the part's headers and the next boundary. */
  data: Buffer;
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

/** Splits a multipart body into parts. Throws MultipartError when the framing is broken. */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: MultipartPart[] = [];

  // The first delimiter may follow a preamble; it must start a line.
  let pos = findDelimiter(body, delimiter, 0, true);
  if (pos < 0) throw new MultipartError('no multipart boundary in the body');
  pos += delimiter.length;

  for (;;) {
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts; // `--`: the closing delimiter
    pos = skipLinearWhitespace(body, pos);
    pos = expectLineEnd(body, pos);

    const headerEnd = findHeaderEnd(body, pos);
    if (headerEnd.index < 0) throw new MultipartError('a part has no end of headers');
    const headers = parseHeaders(body.subarray(pos, headerEnd.index).toString('latin1'));
    const dataStart = headerEnd.index + headerEnd.length;

    const next = findDelimiter(body, delimiter, dataStart, false);
    if (next < 0) throw new MultipartError('a part is not closed by a boundary');
    // The line break before the delimiter belongs to the delimiter, not to the data.
    let dataEnd = next;
    if (body[dataEnd - 1] === 0x0a) dataEnd -= body[dataEnd - 2] === 0x0d ? 2 : 1;
    dataEnd = Math.max(dataEnd, dataStart);

    const disposition = headers.get('content-disposition');
    const params = disposition ? parseHeaderValue(disposition).params : new Map<string, string>();
    parts.push({ name: params.get('name'), filename: params.get('filename'), data: body.subarray(dataStart, dataEnd) });
    pos = next + delimiter.length;
  }
}

/** Index of the delimiter at the start of the body or right after a line break, or -1. */
function findDelimiter(body: Buffer, delimiter: Buffer, from: number, allowAtStart: boolean): number {
  let i = from;
  for (;;) {
    i = body.indexOf(delimiter, i);
    if (i < 0) return -1;
    if ((allowAtStart && i === 0) || body[i - 1] === 0x0a) return i;
    i += 1;
  }
}

function skipLinearWhitespace(body: Buffer, pos: number): number {
  while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
  return pos;
}

function expectLineEnd(body: Buffer, pos: number): number {
  if (body[pos] === 0x0d && body[pos + 1] === 0x0a) return pos + 2;
  if (body[pos] === 0x0a) return pos + 1;
  throw new MultipartError('a boundary is not followed by a line break');
}

function findHeaderEnd(body: Buffer, from: number): { index: number; length: number } {
  // A part without headers starts with the blank line at once.
  if (body[from] === 0x0d && body[from + 1] === 0x0a) return { index: from, length: 2 };
  if (body[from] === 0x0a) return { index: from, length: 1 };
  const crlf = body.indexOf('\r\n\r\n', from, 'latin1');
  const lf = body.indexOf('\n\n', from, 'latin1');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { index: crlf + 2, length: 2 };
  if (lf >= 0) return { index: lf + 1, length: 1 };
  return { index: -1, length: 0 };
}

function parseHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartError(`malformed part header ${JSON.stringify(line.slice(0, 60))}`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
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
