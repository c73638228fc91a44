// Who a policy names, from verified trust data only: docker's signers (every delegation but
// targets/releases) with the public keys their parent role lists for them, as clean PKIX PEM.
// A signer is a set of keys: a policy must never let two keys of one signer count as two signers.
import { createPublicKey } from 'node:crypto';
import type { PublicKey } from '../../tuf/key.js';
import type { RepositoryView, SignerState } from '../../tuf/repository-view.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import { InputError } from '../errors.js';

export interface PolicyKey {
  /** notary's canonical key ID (what `docker trust inspect` shows). */
  id: string;
  keytype: string;
  /** `-----BEGIN PUBLIC KEY-----` PEM of the SubjectPublicKeyInfo (a certificate's key for *-x509). */
  pem: string;
  /** The same SubjectPublicKeyInfo as DER, for comparing keys. */
  spki: Buffer;
}

export interface PolicySigner {
  name: string;
  role: string;
  /** State of the signer's own role file (a signer that never signed is still a signer). */
  state: SignerState;
  /** The delegation's threshold: how many of its keys must sign in DCT. */
  threshold: number;
  keys: PolicyKey[];
  /** Keys listed for the signer that cannot be written as a public key (reported, never exported). */
  unusableKeys: { id: string; problem: string }[];
}

/** The SubjectPublicKeyInfo of a TUF key: ecdsa/rsa keyval is SPKI DER, x509 keys carry a certificate. */
function spkiOf(key: PublicKey): Buffer {
  if (key.isX509) return key.certificate().publicKey.export({ type: 'spki', format: 'der' });
  return createPublicKey({ key: key.plainSpki(), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'der' });
}

export function spkiPem(spki: Buffer): string {
  const lines = spki.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

/** Every signer of the repository with its keys, sorted by name (the order `signer list` uses). */
export function policySigners(view: RepositoryView): PolicySigner[] {
  const parents = new Map(view.walk().map((w) => [w.role, w.envelope]));
  return view.signers().map((d): PolicySigner => {
    const listed = parents.get(d.parent)?.signed.delegationKeys;
    const keys: PolicyKey[] = [];
    const unusableKeys: { id: string; problem: string }[] = [];
    const seen = new Set<string>();
    for (const k of d.keys) {
      const key = listed?.get(k.id);
      try {
        if (!key) throw new Error('not listed by its parent role');
        const spki = spkiOf(key);
        const hex = spki.toString('hex');
        if (seen.has(hex)) continue; // a key and its certificate are one key
        seen.add(hex);
        keys.push({ id: k.canonicalId, keytype: k.keytype, pem: spkiPem(spki), spki });
      } catch (e) {
        unusableKeys.push({ id: k.canonicalId, problem: (e as Error).message });
      }
    }
    return { name: d.name, role: d.role, state: d.state, threshold: d.threshold, keys, unusableKeys };
  });
}

export interface SignerSelection {
  signers: PolicySigner[];
  /** How many of the selected signers must have signed. */
  threshold: number;
  /** Signers of the repository left out (not asked for, or without a usable key). */
  leftOut: { name: string; why: string }[];
}

/**
 * The signers a policy requires (`--signers`, default all with a usable key) and the k of n
 * (`--threshold`, default all of them). Unknown names and unsatisfiable thresholds are refused.
 */
export function selectSigners(all: readonly PolicySigner[], gun: string, options: { names?: readonly string[]; threshold?: number } = {}): SignerSelection {
  const list = all.map((s) => s.name).join(', ');
  if (all.length === 0) {
    throw new InputError(`${gun} has no signers, so there is no one a policy could require`, {
      hint: { cli: `add one with trust-tui signer add ${gun} NAME --key KEY`, ui: 'add one on the Signers screen (3)' },
    });
  }
  const leftOut: { name: string; why: string }[] = [];
  let chosen: PolicySigner[];
  if (options.names && options.names.length > 0) {
    const names = [...new Set(options.names)];
    const unknown = names.filter((n) => !all.some((s) => s.name === n));
    if (unknown.length > 0) {
      throw new InputError(`${unknown.join(', ')} ${unknown.length === 1 ? 'is not a signer' : 'are not signers'} of ${gun}; its signers are: ${list}`);
    }
    chosen = all.filter((s) => names.includes(s.name));
    for (const s of all) if (!names.includes(s.name)) leftOut.push({ name: s.name, why: 'not selected' });
    const keyless = chosen.filter((s) => s.keys.length === 0);
    if (keyless.length > 0) {
      throw new InputError(`signer ${keyless[0]!.name} of ${gun} has no public key a policy can use${describeUnusable(keyless[0]!)}`);
    }
  } else {
    chosen = all.filter((s) => s.keys.length > 0);
    for (const s of all) if (s.keys.length === 0) leftOut.push({ name: s.name, why: `no usable public key${describeUnusable(s)}` });
    if (chosen.length === 0) throw new InputError(`no signer of ${gun} has a public key a policy can use (signers: ${list})`);
  }
  const threshold = options.threshold ?? chosen.length;
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw new InputError(`the threshold must be a whole number of at least 1, not ${threshold}`);
  if (threshold > chosen.length) {
    throw new InputError(
      `threshold ${threshold} cannot be met: only ${chosen.length} signer(s) are selected (${chosen.map((s) => s.name).join(', ')})`,
      { hint: `lower --threshold to at most ${chosen.length}, or select more signers (the signers of ${gun}: ${list})` },
    );
  }
  return { signers: chosen, threshold, leftOut };
}

function describeUnusable(s: PolicySigner): string {
  const [first] = s.unusableKeys;
  return first ? ` (key ${shortKeyId(first.id)}: ${first.problem})` : '';
}

/** A signer's DCT threshold as a policy can count it: never more than the keys it has. */
export function keysRequired(s: PolicySigner): number {
  return Math.max(1, Math.min(s.threshold, s.keys.length));
}
