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

const NEEDS_ESCAPE = /["\\]/;
const SURROGATE = /[\uD800-\uDFFF]/;

function canonicalString(s: string): string {
  // Only `"` and `\` are escaped; control characters, `<>&` and non-ASCII stay raw.
  return NEEDS_ESCAPE.test(s) ? '"' + s.replace(/["\\]/g, (c) => '\\' + c) + '"' : '"' + s + '"';
}

/** Keys in UTF-8 byte order. Without surrogates UTF-16 order is the same, and the native sort is far faster. */
function sortedKeys(obj: Record<string, unknown>): string[] {
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  return keys.some((k) => SURROGATE.test(k)) ? keys.sort(compareUtf8) : keys.sort();
}

/** Where in the value a problem is: filled in on the way out, so the common path builds no strings. */
class PathedError extends CanonicalJsonError {
  constructor(
    readonly detail: string,
    readonly segments: string[] = [],
  ) {
    super(detail);
  }
}

function inside(segment: string, fn: () => string): string {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PathedError) e.segments.unshift(segment);
    throw e;
  }
}

// Strings are built by concatenation: V8 joins them lazily, which allocates less than parts + join
// (a 10,000-tag targets file is canonicalised on every verification).
function write(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // Go re-canonicalises through float64, so anything but a safe integer cannot verify.
      if (!Number.isSafeInteger(value)) throw new PathedError(`${value} is not an integer that canonical JSON can carry`);
      return String(value);
    case 'string':
      return canonicalString(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + inside(`[${i}]`, () => write(value[i]));
        return out + ']';
      }
      const obj = value as Record<string, unknown>;
      let out = '{';
      let first = true;
      for (const k of sortedKeys(obj)) {
        out += (first ? '' : ',') + canonicalString(k) + ':' + inside(`.${k}`, () => write(obj[k]));
        first = false;
      }
      return out + '}';
    }
    default:
      throw new PathedError(`${typeof value} cannot be encoded as JSON`);
  }
}

/** The canonical JSON text of a value (object members whose value is `undefined` are left out). */
export function canonicalJson(value: unknown): string {
  try {
    return write(value);
  } catch (e) {
    if (!(e instanceof PathedError)) throw e;
    const path = e.segments.join('').replace(/^\./, '');
    throw new CanonicalJsonError(`${path || 'value'}: ${e.detail}`);
  }
}

/** Canonical JSON as the UTF-8 bytes a signature covers. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
