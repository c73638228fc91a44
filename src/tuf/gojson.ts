// Reading and writing metadata bytes exactly as notary 0.7 (Go) does.
//
// Reading is strict: valid UTF-8, valid JSON, and integers only, because Go unmarshals numbers into
// `int` fields (where `1.0` fails) and re-canonicalises `signed` through float64 before verifying
// (where anything beyond 2^53 changes). Writing reproduces Go's envelope byte for byte
// (notary tuf/data/serializer.go over github.com/docker/go/canonical/json).
import { isUtf8 } from 'node:buffer';
import { canonicalJson, type JsonValue } from './canonical.js';
import { MetadataError, TufError } from './errors.js';
import { scanJson, type JsonScan } from './json-scan.js';

export type JsonObject = { [key: string]: JsonValue };

/** One entry of an envelope's `signatures`, as it appears in the file. */
export interface Signature {
  keyid: string;
  method: string;
  /** Standard base64 with padding. */
  sig: string;
}

// ---------------------------------------------------------------------------------------------
// Strict parsing

/** Go's decoder gives up at this depth; metadata never comes close. */
const MAX_DEPTH = 1000;

// Sticky patterns, so each token is matched in place without slicing the input.
const PLAIN_STRING_RUN = /[^"\\\u0000-\u001f]*/y;
const ESCAPED_STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `a.b[0]["targets/x"]`: the JSON path of a member or element, for error messages. */
export function jsonPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (IDENTIFIER.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

class StrictJsonParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly role: string,
  ) {}

  parseDocument(): JsonValue {
    const value = this.value('', 0);
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail('unexpected data after the top-level value');
    return value;
  }

  private fail(detail: string, field?: string): never {
    if (field !== undefined) throw new MetadataError(this.role, field || '(top level)', detail);
    throw new MetadataError(this.role, undefined, `invalid JSON at byte offset ${this.byteOffset()}: ${detail}`);
  }

  private byteOffset(): number {
    return Buffer.byteLength(this.text.slice(0, this.pos), 'utf8');
  }

  private skipWhitespace(): void {
    const t = this.text;
    let c = t.charCodeAt(this.pos);
    // JSON whitespace is exactly space, tab, LF and CR.
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = t.charCodeAt(++this.pos);
  }

  private value(path: string, depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    this.skipWhitespace();
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x7b /* { */:
        return this.object(path, depth);
      case 0x5b /* [ */:
        return this.array(path, depth);
      case 0x22 /* " */:
        return this.string();
      case 0x74 /* t */:
        return this.literal('true', true);
      case 0x66 /* f */:
        return this.literal('false', false);
      case 0x6e /* n */:
        return this.literal('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number(path);
        return this.fail(Number.isNaN(c) ? 'unexpected end of input' : `unexpected character ${JSON.stringify(this.text[this.pos])}`);
    }
  }

  private literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`unexpected character ${JSON.stringify(this.text[this.pos])}`);
    this.pos += word.length;
    return value;
  }

  private number(path: string): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) return this.fail('invalid number');
    this.pos = NUMBER.lastIndex;
    const token = m[0];
    if (m[1] !== undefined || m[2] !== undefined) {
      this.fail(`${token} is not an integer (notary metadata carries integers only)`, path);
    }
    const n = Number(token);
    if (!Number.isSafeInteger(n)) {
      this.fail(`${token} is too large: integers beyond 2^53 change when notary re-canonicalises`, path);
    }
    return n;
  }

  private string(): string {
    const t = this.text;
    const start = this.pos; // at the opening quote
    PLAIN_STRING_RUN.lastIndex = start + 1;
    PLAIN_STRING_RUN.exec(t);
    const end = PLAIN_STRING_RUN.lastIndex;
    if (t.charCodeAt(end) === 0x22) {
      this.pos = end + 1;
      return t.slice(start + 1, end);
    }
    // Escapes (or an error): match the whole literal and let JSON.parse decode the escapes.
    ESCAPED_STRING.lastIndex = start;
    if (!ESCAPED_STRING.exec(t)) {
      this.pos = end;
      if (end >= t.length) this.fail('unterminated string');
      if (t.charCodeAt(end) < 0x20) this.fail('control character in string literal');
      this.fail('invalid string literal (bad escape, control character or missing closing quote)');
    }
    this.pos = ESCAPED_STRING.lastIndex;
    return JSON.parse(t.slice(start, this.pos)) as string;
  }

  private expect(char: string): void {
    this.skipWhitespace();
    if (this.text[this.pos] !== char) {
      this.fail(this.pos >= this.text.length ? 'unexpected end of input' : `expected ${JSON.stringify(char)}, found ${JSON.stringify(this.text[this.pos])}`);
    }
    this.pos++;
  }

  private object(path: string, depth: number): JsonObject {
    this.pos++; // {
    const obj: JsonObject = {};
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return obj;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a string for an object key');
      const key = this.string();
      this.expect(':');
      const v = this.value(jsonPath(path, key), depth + 1);
      // `__proto__` must become an ordinary member, as JSON.parse does; duplicate keys: last wins (as Go).
      if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
      else obj[key] = v;
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === '}') return obj;
      if (c !== ',') {
        this.pos--;
        this.fail(c === undefined ? 'unexpected end of input' : `expected "," or "}" in object, found ${JSON.stringify(c)}`);
      }
    }
  }

  private array(path: string, depth: number): JsonValue[] {
    this.pos++; // [
    const arr: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return arr;
    }
    for (;;) {
      arr.push(this.value(jsonPath(path, arr.length), depth + 1));
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === ']') return arr;
      if (c !== ',') {
        this.pos--;
        this.fail(c === undefined ? 'unexpected end of input' : `expected "," or "]" in array, found ${JSON.stringify(c)}`);
      }
    }
  }
}

function decodeUtf8(bytes: Uint8Array | string, role: string): string {
  if (typeof bytes === 'string') return bytes;
  // isUtf8 is the same check as a fatal TextDecoder, without its slow first use; toString keeps a BOM.
  if (!isUtf8(bytes)) throw new MetadataError(role, undefined, 'is not valid UTF-8');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Strict parsing of decoded text: the native parser, with the strict one deciding whatever it cannot. */
function parseText(text: string, role: string): { value: JsonValue; scan?: JsonScan } {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch {
    // Invalid JSON: the strict parser says where and why.
    return { value: new StrictJsonParser(text, role).parseDocument() };
  }
  const scan = scanJson(text, MAX_DEPTH);
  // Not proven Go-compatible: the strict parser refuses it with the field named (or accepts it).
  if (!scan.goCompatible) return { value: new StrictJsonParser(text, role).parseDocument() };
  return { value, scan };
}

/**
 * Parses metadata bytes strictly. Throws MetadataError naming `role` for invalid UTF-8 or JSON, and
 * naming the field (e.g. `signed.version`) for a number that is not a safe integer.
 */
export function parseJsonStrict(bytes: Uint8Array | string, role: string): JsonValue {
  return parseText(decodeUtf8(bytes, role), role).value;
}

/**
 * parseJsonStrict for an envelope, plus the UTF-8 bytes of `signed` when the file holds it in
 * canonical form already (as notary writes it): those bytes are then the signed message as received.
 */
export function parseEnvelopeJson(bytes: Uint8Array, role: string): { value: JsonValue; signedCanonical?: Buffer } {
  const text = decodeUtf8(bytes, role);
  const { value, scan } = parseText(text, role);
  const range = scan?.canonicalSigned;
  if (!range) return { value };
  // One code unit per byte means ASCII: the code-unit range is the byte range.
  const signedCanonical =
    text.length === bytes.length
      ? Buffer.from(bytes.buffer, bytes.byteOffset + range.start, range.end - range.start)
      : Buffer.from(text.slice(range.start, range.end), 'utf8');
  return { value, signedCanonical };
}

// ---------------------------------------------------------------------------------------------
// Go-identical writing

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;
const hex4 = (c: string) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/**
 * Go's HTML-safe escaping of already-encoded JSON (what `json.Marshal` does to a `json.RawMessage`):
 * `<`, `>`, `&`, U+2028 and U+2029 become `\u003c` … with lowercase hex. It never changes the
 * canonical form, because it only touches characters inside string literals.
 */
export function htmlEscape(jsonText: string): string {
  return jsonText.replace(HTML_UNSAFE, hex4);
}

const GO_STRING_ESCAPES = /["\\\u0000-\u001f<>&\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A string literal exactly as Go's `encoding/json` (of notary's era) writes it, HTML escaping on. */
export function goJsonString(s: string): string {
  return (
    '"' +
    s.replace(GO_STRING_ESCAPES, (c) => {
      switch (c) {
        case '"':
          return '\\"';
        case '\\':
          return '\\\\';
        case '\n':
          return '\\n';
        case '\r':
          return '\\r';
        case '\t':
          return '\\t';
      }
      // A lone surrogate is invalid UTF-8 in Go and is written as U+FFFD.
      if (c.length === 1 && c >= '\ud800' && c <= '\udfff') return '\\ufffd';
      return hex4(c);
    }) +
    '"'
  );
}

// Inside a string, canonical JSON leaves control characters raw; Go's envelope encoder then refuses
// the whole document ("invalid character in string literal"). No other place can hold them.
const RAW_CONTROL = /[\u0000-\u001f]/;

/**
 * The envelope bytes Go writes: `{"signed":<canonical, HTML-escaped>,"signatures":[…]}` with no
 * whitespace and no trailing newline (notary tuf/data/types.go, Signed and Signature).
 */
export function serializeEnvelope(signed: JsonValue, signatures: readonly Signature[]): Buffer {
  const signedText = canonicalJson(signed);
  const control = RAW_CONTROL.exec(signedText);
  if (control) {
    throw new TufError(`metadata contains the control character ${hex4(control[0])} in a string; notary cannot serialise it`);
  }
  const sigs = signatures.map(
    (s) => `{"keyid":${goJsonString(s.keyid)},"method":${goJsonString(s.method)},"sig":${goJsonString(s.sig)}}`,
  );
  return Buffer.from(`{"signed":${htmlEscape(signedText)},"signatures":[${sigs.join(',')}]}`, 'utf8');
}
