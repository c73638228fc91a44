// Who signed which released tag in DCT, read from the verified trust data only: the facts both the
// export (what a signer may vouch for) and the migration report (who is still missing) start from.
// docker's rules (cli/command/trust/inspect.go): a tag is released when `targets` or
// `targets/releases` holds it; its signers are the other roles holding the same tag and sha256,
// and, where `targets/releases` needs several signatures, the signers whose keys signed it;
// none means the repository key alone ("Repo Admin").
import { createPublicKey, type KeyObject } from 'node:crypto';
import { parentRoleName } from '../../tuf/delegation.js';
import type { PublicKey } from '../../tuf/key.js';
import { RELEASES_ROLE, REPO_ADMIN, type SignedTag } from '../../tuf/repository-view.js';
import type { RefreshResult } from '../../notary/updater.js';

export { REPO_ADMIN };

export interface DctSigner {
  /** `alice`, or REPO_ADMIN for the repository (targets) key. */
  name: string;
  /** `targets/alice`, or `targets`. */
  role: string;
  keys: PublicKey[];
}

/** One released tag with one digest, and the signers expected to export it. */
export interface ReleasedTag {
  tag: string;
  /** `sha256:<hex>` */
  digest: string;
  size: number;
  signers: string[];
}

/** A released tag that cannot be exported, and why. */
export interface UnexportableTag {
  tag: string;
  reason: string;
}

/** The public keys of a trusted role: root.json's for `targets`, the parent's delegation keys otherwise. */
function roleKeys(state: RefreshResult, role: string): PublicKey[] {
  if (role === 'targets') return state.trusted.root.signed.roleKeys('targets');
  const parent = state.trusted.targetsOf(parentRoleName(role));
  const delegation = parent?.signed.getDelegation(role);
  return parent && delegation ? parent.signed.delegationKeysOf(delegation) : [];
}

/**
 * The signers of the repository whose role verifies, or has no file yet (a co-signer of a k-of-n
 * `targets/releases` who only approves releases), plus the repository key (REPO_ADMIN).
 */
export function dctSigners(state: RefreshResult): DctSigner[] {
  const signers = state.view
    .signers()
    .filter((s) => s.state === 'trusted' || s.state === 'absent')
    .map((s) => ({ name: s.name, role: s.role, keys: roleKeys(state, s.role) }));
  return [...signers, { name: REPO_ADMIN, role: 'targets', keys: roleKeys(state, 'targets') }];
}

/**
 * The DCT role a signer's exported signature of `tag` names: the signer's own role when it holds the
 * tag with the released digest, else `targets/releases`, which the signer approved (k-of-n).
 */
export function provenanceRole(state: RefreshResult, signer: DctSigner, tag: ReleasedTag): string {
  const hex = tag.digest.replace(/^sha256:/, '');
  return state.view.rolesHolding(tag.tag).some((e) => e.role === signer.role && e.digest === hex) ? signer.role : RELEASES_ROLE;
}

/**
 * Released tags with their expected exporters. A tag whose release roles disagree on the digest
 * is left out (docker itself cannot say which one is meant) and named in `unexportable`.
 */
export function releasedTags(state: RefreshResult): { tags: ReleasedTag[]; unexportable: UnexportableTag[] } {
  const rows = state.view.releasedTags();
  const byTag = new Map<string, SignedTag[]>();
  for (const row of rows) byTag.set(row.tag, [...(byTag.get(row.tag) ?? []), row]);
  const tags: ReleasedTag[] = [];
  const unexportable: UnexportableTag[] = [];
  const exporters = new Set(dctSigners(state).map((s) => s.name).filter((name) => name !== REPO_ADMIN));
  for (const [tag, entries] of byTag) {
    const row = entries[0]!;
    if (entries.length > 1) {
      unexportable.push({ tag, reason: `its release roles sign ${entries.length} different digests` });
    } else if (!/^[0-9a-f]{64}$/.test(row.digest)) {
      unexportable.push({ tag, reason: 'its trust data has no sha256 digest' });
    } else {
      // The approvers of a k-of-n release signed it too (whoSigned). Only signers who can export are
      // expected: not a key no signer name holds, nor a signer whose own role was refused.
      const signers = state.view.whoSigned(row).filter((name) => exporters.has(name));
      tags.push({ tag, digest: `sha256:${row.digest}`, size: row.length, signers: signers.length > 0 ? signers : [REPO_ADMIN] });
    }
  }
  return { tags, unexportable };
}

/** Node key objects of a signer's ECDSA keys (plain or in a certificate); other key types cannot sign exports. */
export function verificationKeys(keys: readonly PublicKey[]): KeyObject[] {
  return keys.flatMap((key) => {
    try {
      if (key.keytype === 'ecdsa') return [createPublicKey({ key: key.publicBytes, format: 'der', type: 'spki' })];
      if (key.keytype === 'ecdsa-x509') return [key.certificate().publicKey];
    } catch {
      // a key that does not parse verifies nothing
    }
    return [];
  });
}
