// Threshold counting as notary 0.7's `signed.VerifySignatures`: a role is satisfied when at least
// `threshold` DISTINCT key IDs listed in the role have a signature that verifies.
import { SignatureError } from './errors.js';
import type { PublicKey } from './key.js';
import { verifySignature } from './verify.js';

/** One entry of an envelope's `signatures` array (`sig` is standard base64). */
export interface SignatureJson {
  keyid: string;
  method: string;
  sig: string;
}

/** The part of a role definition that verification needs. */
export interface RoleKeys {
  keyids: readonly string[];
  threshold: number;
}

export type KeyLookup = ReadonlyMap<string, PublicKey> | Readonly<Record<string, PublicKey>>;

export interface SignatureCount {
  /** Distinct role key IDs whose signature verified, in the order their signatures appear. */
  validKeyIds: string[];
  threshold: number;
  /** True when `validKeyIds.length >= threshold` (and the threshold is at least 1). */
  met: boolean;
  /**
   * Role key IDs whose entry in `keys` hashes to a different ID. Go refuses the whole metadata
   * (`ErrInvalidKeyID`) when a signature names such a key; these are never counted.
   */
  mismatchedKeyIds: string[];
}

function lookup(keys: KeyLookup, id: string): PublicKey | undefined {
  if (keys instanceof Map) return keys.get(id);
  return Object.hasOwn(keys, id) ? (keys as Record<string, PublicKey>)[id] : undefined;
}

// Go decodes `sig` with strict standard base64; anything else never verifies.
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeSig(sig: unknown): Buffer | undefined {
  return typeof sig === 'string' && STRICT_BASE64.test(sig) ? Buffer.from(sig, 'base64') : undefined;
}

/**
 * Counts the distinct role keys with a valid signature over `message` (the canonical bytes of
 * `signed`). Never throws: for UIs that show "1 of 2 signatures". Signatures whose key ID is not in
 * the role, or whose key is missing from `keys`, are ignored; a key that signed twice counts once.
 */
export function countValidSignatures(
  message: Uint8Array,
  signatures: readonly SignatureJson[],
  role: RoleKeys,
  keys: KeyLookup,
): SignatureCount {
  const roleIds = new Set(role.keyids);
  const valid = new Set<string>();
  const mismatched = new Set<string>();
  for (const { keyid, method, sig } of signatures) {
    if (!roleIds.has(keyid) || valid.has(keyid)) continue;
    const key = lookup(keys, keyid);
    if (!key) continue;
    if (key.id !== keyid) {
      mismatched.add(keyid);
      continue;
    }
    const bytes = decodeSig(sig);
    if (bytes && typeof method === 'string' && verifySignature(key, method, bytes, message)) valid.add(keyid);
  }
  const validKeyIds = [...valid];
  return {
    validKeyIds,
    threshold: role.threshold,
    met: role.threshold >= 1 && validKeyIds.length >= role.threshold,
    mismatchedKeyIds: [...mismatched],
  };
}

/**
 * Throws SignatureError unless at least `role.threshold` distinct keys of the role signed `message`.
 * Error texts follow notary (`valid signatures did not meet threshold for <role>`) with the counts added.
 */
export function verifyRoleSignatures(
  roleName: string,
  message: Uint8Array,
  signatures: readonly SignatureJson[],
  role: RoleKeys,
  keys: KeyLookup,
): { validKeyIds: string[] } {
  if (signatures.length === 0) throw new SignatureError(roleName, 'metadata has no signatures');
  if (!Number.isInteger(role.threshold) || role.threshold < 1) {
    throw new SignatureError(roleName, `threshold ${role.threshold} is invalid; it must be at least 1`);
  }
  const count = countValidSignatures(message, signatures, role, keys);
  const [badId] = count.mismatchedKeyIds;
  if (badId !== undefined) {
    throw new SignatureError(roleName, `key ID ${badId} does not match the key it names`);
  }
  if (!count.met) {
    throw new SignatureError(
      roleName,
      `valid signatures did not meet threshold for ${roleName} (${count.validKeyIds.length} of ${role.threshold} required)`,
    );
  }
  return { validKeyIds: count.validKeyIds };
}
