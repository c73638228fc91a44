// Type guards for reading the generic JSON of `signed` into models. Every failure is a MetadataError
// naming the role and the field, so a user sees e.g.
// `targets/releases metadata field delegations.roles[0].threshold: …`.
import type { JsonValue } from '../canonical.js';
import { KeyError, MetadataError } from '../errors.js';
import { jsonPath, type JsonObject } from '../gojson.js';
import { PublicKey } from '../key.js';

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

export function asObject(v: unknown, role: string, field: string): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new MetadataError(role, field, `expected an object, found ${v === undefined ? 'nothing' : describe(v)}`);
  }
  return v as JsonObject;
}

export function asString(v: unknown, role: string, field: string): string {
  if (typeof v !== 'string') throw new MetadataError(role, field, `expected a string, found ${v === undefined ? 'nothing' : describe(v)}`);
  return v;
}

export function asBoolean(v: unknown, role: string, field: string): boolean {
  if (typeof v !== 'boolean') throw new MetadataError(role, field, `expected true or false, found ${v === undefined ? 'nothing' : describe(v)}`);
  return v;
}

/** An integer ≥ `min`. The strict parser has already refused fractions and unsafe integers. */
export function asInteger(v: unknown, role: string, field: string, min: number, tooSmall?: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new MetadataError(role, field, `expected an integer, found ${v === undefined ? 'nothing' : describe(v)}`);
  }
  if (v < min) throw new MetadataError(role, field, tooSmall ?? `must be at least ${min}, found ${v}`);
  return v;
}

/**
 * A list that Go may have written as `null` (a nil slice). `wasNull` lets the model write `null`
 * back, so re-serialising reproduces Go's bytes. A missing field is a nil slice too.
 */
export function asNullableArray(v: unknown, role: string, field: string): { items: JsonValue[]; wasNull: boolean } {
  if (v === null || v === undefined) return { items: [], wasNull: true };
  if (!Array.isArray(v)) throw new MetadataError(role, field, `expected an array, found ${describe(v)}`);
  return { items: v as JsonValue[], wasNull: false };
}

export function asStringArray(v: unknown, role: string, field: string): { items: string[]; wasNull: boolean } {
  const { items, wasNull } = asNullableArray(v, role, field);
  for (const [i, item] of items.entries()) asString(item, role, jsonPath(field, i));
  return { items: items as string[], wasNull };
}

/** A map Go may have written as `null` (a nil map); missing counts as nil too. */
export function asNullableObject(v: unknown, role: string, field: string): { members: JsonObject; wasNull: boolean } {
  if (v === null || v === undefined) return { members: {}, wasNull: true };
  return { members: asObject(v, role, field), wasNull: false };
}

// Go decodes []byte with base64.StdEncoding: padding required, so whole quads; CR and LF ignored.
const STD_BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes a Go `[]byte` field. */
export function asBase64(v: unknown, role: string, field: string): Buffer {
  let s = asString(v, role, field);
  if (s.includes('\n') || s.includes('\r')) s = s.replace(/[\r\n]/g, '');
  if (s.length % 4 !== 0 || !STD_BASE64_CHARS.test(s)) throw new MetadataError(role, field, 'is not standard base64');
  return Buffer.from(s, 'base64');
}

/**
 * A `keys` map (root keys, delegation keys). Each key must parse and be stored under its own TUF key
 * ID: notary computes the ID from the key and fails verification otherwise (ErrInvalidKeyID).
 */
export function readKeyMap(members: JsonObject, role: string, field: string): Map<string, PublicKey> {
  const keys = new Map<string, PublicKey>();
  for (const [id, json] of Object.entries(members)) {
    const where = jsonPath(field, id);
    let key: PublicKey;
    try {
      key = PublicKey.fromJSON(json, where);
    } catch (e) {
      if (e instanceof KeyError) throw new MetadataError(role, where, e.message.replace(`${where}: `, ''));
      throw e;
    }
    if (key.id !== id) throw new MetadataError(role, where, `key ID does not match the key, whose ID is ${key.id}`);
    keys.set(id, key);
  }
  return keys;
}

/** Key IDs of a role must all be in the file's `keys` map (notary's isValidRootRoleStructure). */
export function checkKeyIdsKnown(
  keyIds: readonly string[],
  keys: ReadonlyMap<string, PublicKey>,
  role: string,
  field: string,
  describedRole: string,
): void {
  for (const id of keyIds) {
    if (!keys.has(id)) throw new MetadataError(role, field, `key ID ${id} specified in ${describedRole} without corresponding key`);
  }
}

export function keyMapToJSON(keys: ReadonlyMap<string, PublicKey>): JsonObject {
  const out: JsonObject = {};
  for (const [id, key] of keys) out[id] = { keytype: key.keytype, keyval: { private: null, public: key.publicB64 } };
  return out;
}
