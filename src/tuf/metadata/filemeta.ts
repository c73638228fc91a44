// FileMeta: length, hashes and optional custom data of a target, or of a metadata file listed in
// snapshot/timestamp `meta`. Go struct: {Length int64, Hashes map[string][]byte, Custom *RawMessage}.
import { createHash } from 'node:crypto';
import type { JsonValue } from '../canonical.js';
import { MetadataError, TufError } from '../errors.js';
import { jsonPath, type JsonObject } from '../gojson.js';
import { asBase64, asInteger, asNullableObject, asObject } from './guards.js';

/** Digest sizes notary checks (CheckValidHashStructures); other algorithms are kept but not checked. */
export const HASH_SIZES = { sha256: 32, sha512: 64 } as const;
export type HashAlgorithm = keyof typeof HASH_SIZES;
const HASH_ALGORITHMS = Object.keys(HASH_SIZES) as HashAlgorithm[];

export type FileMetaJson = { custom?: JsonValue; hashes: { [algorithm: string]: string }; length: number };

/** Why these digests are unusable, or undefined: known algorithms need the right size, and one must be present. */
function hashProblem(hashes: ReadonlyMap<string, Buffer>): { algorithm?: string; detail: string } | undefined {
  for (const alg of HASH_ALGORITHMS) {
    const digest = hashes.get(alg);
    if (digest && digest.length !== HASH_SIZES[alg]) {
      return { algorithm: alg, detail: `${alg} digest must be ${HASH_SIZES[alg]} bytes, not ${digest.length}` };
    }
  }
  if (!HASH_ALGORITHMS.some((alg) => hashes.has(alg))) return { detail: 'at least one sha256 or sha512 hash is needed' };
  return undefined;
}

// The standard base64 alphabet, by character code.
const BASE64_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_CHAR[c.charCodeAt(0)] = 1;

/**
 * The bytes clean standard base64 `s` decodes to (whole quads, at most two `=` at the end, nothing
 * else: the checked path strips CR/LF first), or -1. A loop, not a regular expression: it runs for
 * every digest of every target.
 */
function cleanBase64Length(s: string): number {
  const n = s.length;
  if (n % 4 !== 0) return -1;
  const padding = n > 0 && s.charCodeAt(n - 1) === 0x3d ? (s.charCodeAt(n - 2) === 0x3d ? 2 : 1) : 0;
  for (let i = 0; i < n - padding; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || BASE64_CHAR[c] === 0) return -1;
  }
  return (n / 4) * 3 - padding;
}

/** Scratch space for turning a received digest (up to 88 base64 characters) into hex without a Buffer per digest. */
const scratch = Buffer.alloc(66);

/**
 * The digests of a metadata entry whose every check passes without decoding them (the common case),
 * or undefined: then the checked path decodes them and names what is wrong.
 */
function receivedHashes(hashes: unknown): Received | undefined {
  if (typeof hashes !== 'object' || hashes === null || Array.isArray(hashes)) return undefined;
  const received = hashes as Record<string, unknown>;
  let known = false;
  let count = 0;
  for (const alg in received) {
    count++;
    const b64 = received[alg];
    if (typeof b64 !== 'string') return undefined;
    const bytes = cleanBase64Length(b64);
    if (bytes < 0) return undefined;
    if (alg === 'sha256' || alg === 'sha512') {
      if (bytes !== HASH_SIZES[alg]) return undefined;
      known = true;
    }
  }
  if (!known) return undefined;
  // Only a sha256 (as notary writes targets): the string alone, so the parsed objects can go.
  return count === 1 && typeof received.sha256 === 'string' && Object.hasOwn(received, 'sha256') ? received.sha256 : (received as Record<string, string>);
}

/** Checked digests as read: a sha256 alone, or every algorithm by name. */
type Received = string | Readonly<Record<string, string>>;

const receivedEntries = (received: Received): Readonly<Record<string, string>> =>
  typeof received === 'string' ? { sha256: received } : received;

export class FileMeta {
  /** Decoded digests; for metadata read from a file, decoded on first use from `#received`. */
  #hashes: ReadonlyMap<string, Buffer> | undefined;
  /** The digests as read (clean standard base64, already checked), until decoded. */
  readonly #received: Received | undefined;

  private constructor(
    readonly length: number,
    hashes: ReadonlyMap<string, Buffer> | { received: Received },
    /** Opaque data attached by `notary add --custom`; undefined when absent (Go omits it, never null). */
    readonly custom: JsonValue | undefined,
  ) {
    if (hashes instanceof Map) this.#hashes = hashes;
    else this.#received = (hashes as { received: Received }).received;
  }

  #digests(): ReadonlyMap<string, Buffer> {
    if (this.#hashes) return this.#hashes;
    const decoded = new Map<string, Buffer>();
    const received = receivedEntries(this.#received!);
    for (const alg of Object.keys(received)) decoded.set(alg, Buffer.from(received[alg]!, 'base64'));
    return (this.#hashes = decoded);
  }

  /**
   * Reads `{length, hashes, custom}` at `field` (or at member `member` of `field`: the path is only
   * built for an error message). The digests are kept as received until something needs their bytes:
   * a 10,000-tag file is read without 10,000 decodings.
   */
  static fromJSON(json: unknown, role: string, field: string, member?: string): FileMeta {
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
      const obj = json as JsonObject;
      const length = obj.length;
      const received = typeof length === 'number' && Number.isSafeInteger(length) && length >= 0 ? receivedHashes(obj.hashes) : undefined;
      // `"custom":null` decodes to a nil pointer in Go and disappears on re-serialisation.
      if (received) return new FileMeta(length as number, { received }, obj.custom === null ? undefined : obj.custom);
    }
    return FileMeta.#fromJSONChecked(json, role, member === undefined ? field : jsonPath(field, member));
  }

  static #fromJSONChecked(json: unknown, role: string, field: string): FileMeta {
    const obj = asObject(json, role, field);
    // Go's int64 would accept a negative length, but no file has one; refuse it.
    const length = asInteger(obj.length, role, jsonPath(field, 'length'), 0);
    const hashesField = jsonPath(field, 'hashes');
    const hashes = new Map<string, Buffer>();
    for (const [alg, b64] of Object.entries(asObject(obj.hashes ?? null, role, hashesField))) {
      hashes.set(alg, asBase64(b64, role, jsonPath(hashesField, alg)));
    }
    const problem = hashProblem(hashes);
    if (problem) {
      throw new MetadataError(role, problem.algorithm ? jsonPath(hashesField, problem.algorithm) : hashesField, problem.detail);
    }
    const custom = obj.custom === null ? undefined : obj.custom;
    return new FileMeta(length, hashes, custom);
  }

  /** Length, sha256 and sha512 of exact bytes, as `notary add` and snapshot/timestamp signing compute them. */
  static fromBytes(bytes: Uint8Array, custom?: JsonValue): FileMeta {
    const hashes = new Map<string, Buffer>([
      ['sha256', createHash('sha256').update(bytes).digest()],
      ['sha512', createHash('sha512').update(bytes).digest()],
    ]);
    return new FileMeta(bytes.length, hashes, custom ?? undefined);
  }

  /** From known digests (hex or raw bytes), as `notary addhash` does; at least one is required. */
  static fromDigests(
    digests: { length: number; sha256?: string | Uint8Array; sha512?: string | Uint8Array },
    custom?: JsonValue,
  ): FileMeta {
    if (!Number.isSafeInteger(digests.length) || digests.length < 0) throw new TufError(`invalid length ${digests.length}`);
    const hashes = new Map<string, Buffer>();
    for (const alg of HASH_ALGORITHMS) {
      const d = digests[alg];
      if (d === undefined) continue;
      if (typeof d === 'string' && !/^(?:[0-9a-fA-F]{2})*$/.test(d)) throw new TufError(`${alg} digest is not hexadecimal`);
      hashes.set(alg, typeof d === 'string' ? Buffer.from(d, 'hex') : Buffer.from(d));
    }
    const problem = hashProblem(hashes);
    if (problem) throw new TufError(problem.detail);
    return new FileMeta(digests.length, hashes, custom ?? undefined);
  }

  /** The algorithms present, including ones notary does not check. */
  get algorithms(): string[] {
    return this.#hashes ? [...this.#hashes.keys()] : Object.keys(receivedEntries(this.#received!));
  }

  /** A digest's raw bytes (a copy), or undefined. */
  digest(algorithm: string): Buffer | undefined {
    const d = this.#digests().get(algorithm);
    return d && Buffer.from(d);
  }

  /** A digest in hex, as `notary list` and `docker trust inspect` show it. */
  hex(algorithm: HashAlgorithm): string | undefined {
    if (this.#hashes) return this.#hashes.get(algorithm)?.toString('hex');
    const received = this.#received!;
    const b64 = typeof received === 'string' ? (algorithm === 'sha256' ? received : undefined) : Object.hasOwn(received, algorithm) ? received[algorithm] : undefined;
    if (b64 === undefined) return undefined;
    // sha256 and sha512 are checked to fit; other algorithms may be any length.
    if (b64.length > 88) return Buffer.from(b64, 'base64').toString('hex');
    return scratch.toString('hex', 0, scratch.write(b64, 'base64'));
  }

  /** Why `bytes` are not the file this meta describes (length, then every known hash), or undefined. */
  mismatch(bytes: Uint8Array): string | undefined {
    if (bytes.length !== this.length) return `length ${bytes.length} does not match the expected ${this.length}`;
    for (const alg of HASH_ALGORITHMS) {
      const expected = this.#digests().get(alg);
      if (expected && !createHash(alg).update(bytes).digest().equals(expected)) {
        return `${alg} checksum does not match: expected ${expected.toString('hex')}`;
      }
    }
    return undefined;
  }

  /** Same length and the same digests (custom data is not compared). */
  sameFileAs(other: FileMeta): boolean {
    const mine = this.#digests();
    const theirs = other.#digests();
    if (this.length !== other.length || mine.size !== theirs.size) return false;
    for (const [alg, d] of mine) {
      if (!theirs.get(alg)?.equals(d)) return false;
    }
    return true;
  }

  /** Go's field set: `custom` omitted when absent; hashes re-encoded as standard base64 (as Go does). */
  toJSON(): FileMetaJson {
    const hashes: JsonObject = {};
    for (const [alg, d] of this.#digests()) hashes[alg] = d.toString('base64');
    const json: FileMetaJson = { hashes: hashes as { [algorithm: string]: string }, length: this.length };
    if (this.custom !== undefined) json.custom = this.custom;
    return json;
  }
}

/** A `meta` map of snapshot or timestamp (Go's Files): role name without `.json` → FileMeta. */
export function readMetaMap(json: unknown, role: string, field: string): { meta: Map<string, FileMeta>; wasNull: boolean } {
  const { members, wasNull } = asNullableObject(json, role, field);
  const meta = new Map<string, FileMeta>();
  for (const name of Object.keys(members)) meta.set(name, FileMeta.fromJSON(members[name], role, field, name));
  return { meta, wasNull };
}

export function metaMapToJSON(meta: ReadonlyMap<string, FileMeta>): { [name: string]: FileMetaJson } {
  const out: { [name: string]: FileMetaJson } = {};
  for (const [name, m] of meta) out[name] = m.toJSON();
  return out;
}

/** notary requires a sha256 for the files a snapshot or timestamp must pin (sha512 is optional). */
export function requireSha256(meta: ReadonlyMap<string, FileMeta>, name: string, role: string, field: string): void {
  if (!meta.get(name)?.digest('sha256')) {
    throw new MetadataError(role, jsonPath(field, name), `missing ${name} sha256 checksum information`);
  }
}
