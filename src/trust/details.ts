// What the UI's detail views show: every signature of a tag (per role, with the keys that signed it
// and the role's expiry), and every role of every known repository a key is in. Read-only, over the
// same verified repository view as `info`.
import type { JsonValue } from '../tuf/canonical.js';
import { hintOf } from '../tuf/errors.js';
import type { TrustContext } from './context.js';
import { InputError } from './errors.js';
import { repositoryInfo, type RepositoryInfo, type SignerInfo } from './info.js';
import { releasesSignoff, type ReleasesSignoff } from './releases-signoff.js';
import { openRepository } from './repository.js';
import { knownRepositories } from './repositories.js';

export interface TagSignature {
  role: string;
  /** sha256 hex the role records for the tag, and the size. */
  digest: string;
  size: number;
  /** Canonical IDs of the keys whose signatures on the role verified. */
  keyIds: string[];
  threshold: number;
  expires?: string;
  /** The custom data the role records for the tag (`sign --meta`, notary's `--custom`). */
  custom?: JsonValue;
}

export interface TagDetail {
  gun: string;
  tag: string;
  signatures: TagSignature[];
  /** targets/releases' k of n and, per signer, whether their signature on it verifies. */
  releases?: ReleasesSignoff;
}

/** One signer of a repository in full: its keys (held here or not), paths, state, expiry and tags. */
export interface SignerDetail extends SignerInfo {
  gun: string;
  expires?: string;
  /** Distinct released tags the signer signed in its own role or approved (a k-of-n targets/releases signature). */
  tags: string[];
}

export async function signerDetail(ctx: TrustContext, gun: string, name: string): Promise<SignerDetail> {
  const info = await repositoryInfo(ctx, gun);
  const signer = info.signers.find((s) => s.name === name);
  if (!signer) throw new InputError(`no signer ${name} in ${gun}`, { hint: { cli: `see trust-tui signer list ${gun}`, ui: 'press r to refresh' } });
  const expires = info.roles.find((r) => r.role === signer.role)?.expires;
  return {
    ...signer,
    gun: info.gun,
    ...(expires ? { expires } : {}),
    tags: [...new Set(info.tags.filter((t) => t.signers.includes(signer.name)).map((t) => t.tag))],
  };
}

/** Every trusted role that signs `tag`, with the keys whose signatures on it verified. */
export async function tagDetail(ctx: TrustContext, gun: string, tag: string): Promise<TagDetail> {
  const repo = await openRepository(ctx, gun);
  const { view, trusted } = repo.state!;
  const delegations = new Map(view.delegations().map((d) => [d.role, d]));
  const expiries = new Map(view.expiries().map((e) => [e.role, e.expires.toString()]));
  const repositoryKeys = view.administrativeKeys().repository.map((k) => k.canonicalId);
  const signatures = view.rolesHolding(tag).map((entry): TagSignature => {
    const d = delegations.get(entry.role);
    const valid = new Set(trusted.delegations.get(entry.role)?.validKeyIds ?? []);
    const expires = d?.expires?.toString() ?? expiries.get(entry.role);
    return {
      role: entry.role,
      digest: entry.digest,
      size: entry.meta.length,
      // `targets` is verified with the repository key(s) during the update.
      keyIds: d ? d.keys.filter((k) => valid.has(k.id)).map((k) => k.canonicalId) : repositoryKeys,
      threshold: d?.threshold ?? 1,
      ...(expires ? { expires } : {}),
      ...(entry.meta.custom !== undefined ? { custom: entry.meta.custom } : {}),
    };
  });
  const releases = releasesSignoff(view);
  return { gun: repo.gun, tag, signatures, ...(releases ? { releases } : {}) };
}

export interface KeyRole {
  gun: string;
  /** `root`, `targets`, or a delegation (`targets/releases`, `targets/alice`). */
  role: string;
  expires?: string;
}

/** The roles listing a key in one repository's info (canonical ID, or root's certificate ID). */
export function rolesOfKey(info: RepositoryInfo, keyId: string): KeyRole[] {
  const expiry = new Map(info.roles.map((r) => [r.role, r.expires]));
  const roles: string[] = [];
  if (info.administrativeKeys.root.some((k) => k.canonicalId === keyId || k.id === keyId)) roles.push('root');
  if (info.administrativeKeys.repository.some((k) => k.id === keyId)) roles.push('targets');
  // targets/releases is not a signer, but a key in it is in that role too.
  for (const s of info.releases ? [...info.signers, info.releases] : info.signers) if (s.keys.some((k) => k.id === keyId)) roles.push(s.role);
  return roles.map((role) => ({ gun: info.gun, role, ...(expiry.get(role) ? { expires: expiry.get(role)! } : {}) }));
}

/** Every role of every repository this host knows that lists the key; unreadable repositories are named. */
export async function keyRoles(ctx: TrustContext, keyId: string): Promise<{ roles: KeyRole[]; unreadable: { gun: string; problem: string }[] }> {
  const roles: KeyRole[] = [];
  const unreadable: { gun: string; problem: string }[] = [];
  for (const gun of await knownRepositories(ctx)) {
    try {
      roles.push(...rolesOfKey(await repositoryInfo(ctx, gun), keyId));
    } catch (e) {
      // The UI shows this: keep the error's next step (its UI form) with the cause.
      const hint = hintOf(e, 'ui');
      unreadable.push({ gun, problem: `${(e as Error).message.split('\n')[0]!}${hint ? `; ${hint}` : ''}` });
    }
  }
  return { roles, unreadable };
}
