// Threshold counting after notary 0.7's `signed.VerifySignatures`: a role is satisfied when at least
// `threshold` distinct keys listed in the role have a signature that verifies, counting one key
// listed under two IDs once (stricter than notary; see verification.ts).
import { SignatureError } from './errors.js';
import type { PublicKey } from './key.js';
import { verificationResult } from './verification.js';

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

/**
 * Counts the distinct role keys with a valid signature over `message` (the canonical bytes of
 * `signed`). Never throws: for UIs that show "1 of 2 signatures". Signatures whose key ID is not in
 * the role, or whose key is missing from `keys`, are ignored; a key that signed twice counts once,
 * and so does one key listed under two IDs (see verification.ts).
 */
export function countValidSignatures(
  message: Uint8Array,
  signatures: readonly SignatureJson[],
  role: RoleKeys,
  keys: KeyLookup,
): SignatureCount {
  const result = verificationResult(message, signatures, role, keys);
  const validKeyIds = result.signed.map((s) => s.keyid);
  return {
    validKeyIds,
    threshold: role.threshold,
    met: result.verified,
    mismatchedKeyIds: result.mismatchedKeyIds,
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
