// Canonical JSON exactly as notary 0.7 signs it (docker/go `MarshalCanonical`):
// members sorted by the UTF-8 bytes of their keys, no whitespace, strings escaping only `"` and `\`,
// integers only. This is the byte string every signature in a Notary repository covers.

/** A JSON value as it appears in TUF metadata: numbers must be safe integers. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
}

/**
 * Orders strings as Go does (by UTF-8 bytes, i.e. by code point). JavaScript's `<` compares UTF-16
 * code units, which puts characters above U+FFFF (surrogate pairs) before U+E000..U+FFFF; the shift
 * below moves surrogates above that range so the result is code-point order.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
    if (y >= 0xd800) y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    return x - y;
  }
  return a.length - b.length;
}

function canonicalString(s: string): string {
  // Only `"` and `\` are escaped; control characters, `<>&` and non-ASCII stay raw.
  return '"' + s.replace(/["\\]/g, (c) => '\\' + c) + '"';
}

function write(value: unknown, out: string[], path: string): void {
  if (value === null) {
    out.push('null');
  } else if (typeof value === 'boolean') {
    out.push(value ? 'true' : 'false');
  } else if (typeof value === 'number') {
    // Go re-canonicalises through float64, so anything but a safe integer cannot verify.
    if (!Number.isSafeInteger(value)) {
      throw new CanonicalJsonError(`${path || 'value'}: ${value} is not an integer that canonical JSON can carry`);
    }
    out.push(String(value));
  } else if (typeof value === 'string') {
    out.push(canonicalString(value));
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item, out, `${path}[${i}]`);
    });
    out.push(']');
  } else if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort(compareUtf8);
    out.push('{');
    keys.forEach((k, i) => {
      if (i > 0) out.push(',');
      out.push(canonicalString(k), ':');
      write(obj[k], out, path ? `${path}.${k}` : k);
    });
    out.push('}');
  } else {
    throw new CanonicalJsonError(`${path || 'value'}: ${typeof value} cannot be encoded as JSON`);
  }
}

/** The canonical JSON text of a value (object members whose value is `undefined` are left out). */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, '');
  return out.join('');
}

/** Canonical JSON as the UTF-8 bytes a signature covers. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
