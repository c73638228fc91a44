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

export class FileMeta {
  readonly #hashes: ReadonlyMap<string, Buffer>;

  private constructor(
    readonly length: number,
    hashes: ReadonlyMap<string, Buffer>,
    /** Opaque data attached by `notary add --custom`; undefined when absent (Go omits it, never null). */
    readonly custom: JsonValue | undefined,
  ) {
    this.#hashes = hashes;
  }

  static fromJSON(json: unknown, role: string, field: string): FileMeta {
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
    // `"custom":null` decodes to a nil pointer in Go and disappears on re-serialisation.
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
    return [...this.#hashes.keys()];
  }

  /** A digest's raw bytes (a copy), or undefined. */
  digest(algorithm: string): Buffer | undefined {
    const d = this.#hashes.get(algorithm);
    return d && Buffer.from(d);
  }

  /** A digest in hex, as `notary list` and `docker trust inspect` show it. */
  hex(algorithm: HashAlgorithm): string | undefined {
    return this.#hashes.get(algorithm)?.toString('hex');
  }

  /** Why `bytes` are not the file this meta describes (length, then every known hash), or undefined. */
  mismatch(bytes: Uint8Array): string | undefined {
    if (bytes.length !== this.length) return `length ${bytes.length} does not match the expected ${this.length}`;
    for (const alg of HASH_ALGORITHMS) {
      const expected = this.#hashes.get(alg);
      if (expected && !createHash(alg).update(bytes).digest().equals(expected)) {
        return `${alg} checksum does not match: expected ${expected.toString('hex')}`;
      }
    }
    return undefined;
  }

  /** Same length and the same digests (custom data is not compared). */
  sameFileAs(other: FileMeta): boolean {
    if (this.length !== other.length || this.#hashes.size !== other.#hashes.size) return false;
    for (const [alg, d] of this.#hashes) {
      if (!other.#hashes.get(alg)?.equals(d)) return false;
    }
    return true;
  }

  /** Go's field set: `custom` omitted when absent; hashes re-encoded as standard base64 (as Go does). */
  toJSON(): FileMetaJson {
    const hashes: JsonObject = {};
    for (const [alg, d] of this.#hashes) hashes[alg] = d.toString('base64');
    const json: FileMetaJson = { hashes: hashes as { [algorithm: string]: string }, length: this.length };
    if (this.custom !== undefined) json.custom = this.custom;
    return json;
  }
}

/** A `meta` map of snapshot or timestamp (Go's Files): role name without `.json` → FileMeta. */
export function readMetaMap(json: unknown, role: string, field: string): { meta: Map<string, FileMeta>; wasNull: boolean } {
  const { members, wasNull } = asNullableObject(json, role, field);
  const meta = new Map<string, FileMeta>();
  for (const [name, m] of Object.entries(members)) meta.set(name, FileMeta.fromJSON(m, role, jsonPath(field, name)));
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
