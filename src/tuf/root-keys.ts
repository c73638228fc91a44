// Which root keys of a root.json may be trusted for a GUN, as notary's trustpinning.ValidateRoot
// decides (parseAllCerts + validRootLeafCerts). Pure: no file or network IO.
import type { X509Certificate } from 'node:crypto';
import { certificateProblem, certificateToKey, commonNameMatchesGun, commonNameOf, isNearExpiry, parseCertificateBundle } from './certs.js';
import { KeyError } from './errors.js';
import type { PublicKey } from './key.js';
import { shortKeyId } from './short-key-id.js';
import type { KeyLookup, RoleKeys } from './threshold.js';

export interface UsableRootKey {
  /** The key ID listed in `roles.root.keyids`. */
  keyId: string;
  /**
   * The key to verify with: leaf plus intermediates re-encoded as Go does (CertBundleToKey). Its
   * `id` equals `keyId` for every bundle Go or trust-tui wrote; signatures must name this ID.
   */
  key: PublicKey;
  leaf: X509Certificate;
  intermediates: X509Certificate[];
  /** The leaf expires within six months (only computed when current validity is required). */
  nearExpiry: boolean;
}

export interface RootKeyAssessment {
  keyId: string;
  usable?: UsableRootKey;
  /** Why the key cannot be used, when `usable` is absent. */
  problem?: string;
}

export interface RootKeyOptions {
  now?: Date;
  /**
   * True for a root being trusted now (new root / first download): certificates must be currently
   * valid and invalid intermediates are dropped. False for the already trusted root, whose
   * certificates are used even when expired.
   */
  requireCurrentValidity: boolean;
}

/** notary's error when no root key passes (`ErrValidationFail`). */
export const NO_VALID_LEAF_CERTIFICATES =
  'could not validate the path to a trusted root: unable to retrieve valid leaf certificates';

function lookupKey(keys: KeyLookup, id: string): PublicKey | undefined {
  if (keys instanceof Map) return keys.get(id);
  return Object.hasOwn(keys, id) ? (keys as Record<string, PublicKey>)[id] : undefined;
}

function assessRootKey(keyId: string, keys: KeyLookup, gun: string, options: RootKeyOptions): RootKeyAssessment {
  const now = options.now ?? new Date();
  const fail = (problem: string): RootKeyAssessment => ({ keyId, problem });
  const key = lookupKey(keys, keyId);
  if (!key) return fail('the key is not in root.json keys');
  if (!key.isX509) return fail(`${key.keytype} key is not a certificate; root keys must be X.509 certificates`);
  let certs: X509Certificate[];
  try {
    certs = parseCertificateBundle(key.publicBytes);
  } catch (e) {
    return fail((e as Error).message);
  }
  const leaves = certs.filter((c) => !c.ca);
  if (leaves.length !== 1) return fail(`expected exactly one leaf (non-CA) certificate, found ${leaves.length}`);
  const leaf = leaves[0]!;
  if (certs[0] !== leaf) return fail('the first certificate of the bundle is a CA certificate, not the leaf');
  const cn = commonNameOf(leaf);
  if (!commonNameMatchesGun(cn, gun)) {
    return fail(`certificate CN ${JSON.stringify(cn)} does not match the GUN ${JSON.stringify(gun)}`);
  }
  const problem = certificateProblem(leaf, { now, checkExpiry: options.requireCurrentValidity });
  if (problem) return fail(problem);
  // New roots keep only intermediates that pass the same checks; a trusted root keeps all of them.
  const intermediates = certs
    .filter((c) => c.ca)
    .filter((c) => !options.requireCurrentValidity || !certificateProblem(c, { now, checkExpiry: true }));
  let bundleKey: PublicKey;
  try {
    bundleKey = certificateToKey([leaf, ...intermediates]);
  } catch (e) {
    return fail((e as Error).message);
  }
  return {
    keyId,
    usable: {
      keyId,
      key: bundleKey,
      leaf,
      intermediates,
      nearExpiry: options.requireCurrentValidity && isNearExpiry(leaf, now),
    },
  };
}

/** The verdict for every distinct root key ID: usable, or why not. */
export function assessRootKeys(
  rootKeyIds: readonly string[],
  keys: KeyLookup,
  gun: string,
  options: RootKeyOptions,
): RootKeyAssessment[] {
  return [...new Set(rootKeyIds)].map((id) => assessRootKey(id, keys, gun, options));
}

/**
 * The root keys notary would accept for `gun`: listed in `roles.root.keyids`, a PEM bundle with exactly
 * one non-CA certificate placed first, CN matching the GUN, not SHA-1 signed, RSA ≥ 2048 bits, and
 * (with `requireCurrentValidity`) currently valid. Plain `ecdsa`/`rsa` keys are never usable.
 */
export function usableRootKeys(
  rootKeyIds: readonly string[],
  keys: KeyLookup,
  gun: string,
  options: RootKeyOptions,
): UsableRootKey[] {
  return assessRootKeys(rootKeyIds, keys, gun, options).flatMap((a) => (a.usable ? [a.usable] : []));
}

/** Like usableRootKeys, but throws notary's error (with each key's problem) when none is usable. */
export function requireUsableRootKeys(
  rootKeyIds: readonly string[],
  keys: KeyLookup,
  gun: string,
  options: RootKeyOptions,
): UsableRootKey[] {
  const assessed = assessRootKeys(rootKeyIds, keys, gun, options);
  const usable = assessed.flatMap((a) => (a.usable ? [a.usable] : []));
  if (usable.length === 0) {
    const reasons = assessed.map((a) => `${shortKeyId(a.keyId)}: ${a.problem}`).join('; ');
    throw new KeyError(reasons ? `${NO_VALID_LEAF_CERTIFICATES} (${reasons})` : NO_VALID_LEAF_CERTIFICATES);
  }
  return usable;
}

/** The role and key map to count root signatures with: only the usable keys, under their bundle IDs. */
export function usableRootRole(
  usable: readonly UsableRootKey[],
  threshold: number,
): { role: RoleKeys; keys: Map<string, PublicKey> } {
  const keys = new Map(usable.map((u) => [u.key.id, u.key] as const));
  return { role: { keyids: [...keys.keys()], threshold }, keys };
}
