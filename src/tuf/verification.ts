// The verification result of one role file: who signed, who did not, and why a signature was not
// counted (python-tuf's `VerificationResult` in tuf/api/_payload.py models the same). Thresholds
// count DISTINCT CANONICAL keys: one key listed under two IDs (a plain key and a certificate for it)
// is one signer. notary 0.7's tuf/signed/verify.go counts distinct key IDs, so it lets one key meet a
// threshold of 2 on its own; go-tuf fixed the same hole (its PR #369). Pure: no IO.
import { createHash } from 'node:crypto';
import { canonicalBytes } from './canonical.js';
import type { PublicKey } from './key.js';
import { verifySignature } from './verify.js';

export interface SignatureEntry {
  keyid: string;
  method: string;
  sig: string;
}

export type KeySource = ReadonlyMap<string, PublicKey> | Readonly<Record<string, PublicKey>>;

export type IgnoredReason = 'not a key of the role' | 'key missing from the parent' | 'key ID does not match its key' | 'signature does not verify' | 'same key signed again';

export interface VerificationResult {
  threshold: number;
  /** Distinct canonical keys of the role. */
  distinctKeys: number;
  /** One entry per distinct canonical key whose signature verified (TUF ID of the first that did). */
  signed: { keyid: string; canonicalId: string }[];
  /** Canonical IDs of the role's keys without a valid signature. */
  unsigned: string[];
  ignored: { keyid: string; reason: IgnoredReason }[];
  /** TUF key IDs whose entry hashes to another ID (Go refuses the whole file for these). */
  mismatchedKeyIds: string[];
  /** At least `threshold` (≥ 1) distinct canonical keys signed. */
  verified: boolean;
  /** Signatures still needed (0 when verified). */
  missing: number;
  /** The threshold can never be met: it is above the number of distinct keys (or below 1). */
  unsatisfiable: boolean;
}

/** The certificate-independent ID of a key; its TUF ID when a certificate cannot be read. */
export function canonicalIdOf(key: PublicKey): string {
  try {
    return key.canonicalId;
  } catch {
    return key.id;
  }
}

function lookup(keys: KeySource, id: string): PublicKey | undefined {
  if (keys instanceof Map) return keys.get(id);
  return Object.hasOwn(keys, id) ? (keys as Record<string, PublicKey>)[id] : undefined;
}

// Go decodes `sig` with strict standard base64; anything else never verifies.
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Distinct canonical keys among `keyids` (those missing from `keys` count by their TUF ID). */
export function distinctCanonicalKeys(keyids: readonly string[], keys: KeySource): string[] {
  return [...new Set(keyids.map((id) => {
    const key = lookup(keys, id);
    return key ? canonicalIdOf(key) : id;
  }))];
}

/** Counts the signatures over `message` (canonical bytes of `signed`) by the role's keys. Never throws. */
export function verificationResult(
  message: Uint8Array,
  signatures: readonly SignatureEntry[],
  role: { keyids: readonly string[]; threshold: number },
  keys: KeySource,
): VerificationResult {
  const roleIds = new Set(role.keyids);
  const signedByCanonical = new Map<string, string>();
  const ignored: VerificationResult['ignored'] = [];
  const mismatched = new Set<string>();
  for (const { keyid, method, sig } of signatures) {
    if (!roleIds.has(keyid)) {
      ignored.push({ keyid, reason: 'not a key of the role' });
      continue;
    }
    const key = lookup(keys, keyid);
    if (!key) {
      ignored.push({ keyid, reason: 'key missing from the parent' });
      continue;
    }
    if (key.id !== keyid) {
      mismatched.add(keyid);
      ignored.push({ keyid, reason: 'key ID does not match its key' });
      continue;
    }
    const canonical = canonicalIdOf(key);
    if (signedByCanonical.has(canonical)) {
      ignored.push({ keyid, reason: 'same key signed again' });
      continue;
    }
    const ok = typeof sig === 'string' && STRICT_BASE64.test(sig) && typeof method === 'string' && verifySignature(key, method, Buffer.from(sig, 'base64'), message);
    if (ok) signedByCanonical.set(canonical, keyid);
    else ignored.push({ keyid, reason: 'signature does not verify' });
  }
  const all = distinctCanonicalKeys(role.keyids, keys);
  const valid = Number.isInteger(role.threshold) && role.threshold >= 1;
  const count = signedByCanonical.size;
  return {
    threshold: role.threshold,
    distinctKeys: all.length,
    signed: [...signedByCanonical].map(([canonicalId, keyid]) => ({ keyid, canonicalId })),
    unsigned: all.filter((id) => !signedByCanonical.has(id)),
    ignored,
    mismatchedKeyIds: [...mismatched],
    verified: valid && count >= role.threshold,
    missing: valid ? Math.max(0, role.threshold - count) : 0,
    unsatisfiable: !valid || role.threshold > all.length,
  };
}

/** sha256 (hex) of the canonical JSON of a `signed` object: what every signature of a request covers. */
export function signedDigest(signed: unknown): string {
  return createHash('sha256').update(canonicalBytes(signed)).digest('hex');
}
