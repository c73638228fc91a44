// The public keys a policy's role changes add, and where each comes from: `policy plan` says which
// change cannot be applied for want of one, in the words `policy apply` skips it with.
import path from 'node:path';
import { MAX_PEM_BYTES, readUserText } from '../../config/user-files.js';
import { parentRoleName } from '../../tuf/delegation.js';
import type { RepositoryEditor } from '../../tuf/editor.js';
import type { PublicKey } from '../../tuf/key.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import { canonicalIdOf } from '../../tuf/verification.js';
import type { OpenedRepository } from '../repository.js';
import { publicKeyFromPem } from '../signer-keys.js';
import type { PlanChange, RoleConfig } from './plan.js';
import type { SigningPolicy } from './schema.js';

export interface PolicyPublicKeys {
  /** By canonical ID. */
  found: Map<string, PublicKey>;
  /** Why a key named by the policy could not be had from its signer's `public` file, by canonical ID. */
  problems: Map<string, string>;
}

/** Public keys by canonical ID: the repository's own delegation keys, the policy's `public` files, `--key` files. */
export async function publicKeys(repo: OpenedRepository, editor: RepositoryEditor, policy: SigningPolicy, policyFile: string, given: readonly PublicKey[]): Promise<PolicyPublicKeys> {
  const found = new Map<string, PublicKey>();
  const problems = new Map<string, string>();
  for (const d of repo.state!.view.delegations()) {
    for (const key of editor.current(parentRoleName(d.role))?.delegationKeys.values() ?? []) found.set(canonicalIdOf(key), key);
  }
  for (const key of given) if (!found.has(key.canonicalId)) found.set(key.canonicalId, key);
  for (const s of policy.signers.values()) {
    if (!s.public || s.keys.every((id) => found.has(id))) continue;
    const file = path.resolve(path.dirname(policyFile), s.public);
    try {
      const key = publicKeyFromPem(await readUserText(file, 'public key file', { maxBytes: MAX_PEM_BYTES }), file);
      if (s.keys.includes(key.canonicalId)) found.set(key.canonicalId, key);
      else for (const id of s.keys) if (!found.has(id)) problems.set(id, `${file} holds key ${shortKeyId(key.canonicalId)}, not ${s.name}'s ${s.keys.map(shortKeyId).join(' or ')}`);
    } catch (e) {
      for (const id of s.keys) if (!found.has(id)) problems.set(id, (e as Error).message.split('\n')[0]!);
    }
  }
  return { found, problems };
}

/** The canonical key IDs a role change adds (none for other changes). */
export function addedKeys(change: PlanChange): string[] {
  if (change.path !== 'role' || (change.op !== 'add' && change.op !== 'change')) return [];
  const from = change.op === 'change' ? (change.from as RoleConfig) : undefined;
  return (change.to as RoleConfig).keys.filter((k) => !from?.keys.includes(k));
}

/** Why keys cannot be added (no public key for them), with what to do; undefined when every one is there. */
export function missingKeysReason(keys: PolicyPublicKeys, policy: SigningPolicy, adding: readonly string[]): string | undefined {
  const missing = adding.filter((k) => !keys.found.has(k));
  if (missing.length === 0) return undefined;
  const names = new Map([...policy.signers.values()].flatMap((s) => s.keys.map((k) => [k, s.name] as const)));
  const why = missing.map((k) => keys.problems.get(k) ?? `no public key for ${names.get(k) ?? 'key'} (${shortKeyId(k)})`).join('; ');
  return `${why}: give it as public: FILE under the signer in the policy, or pass --key FILE`;
}
