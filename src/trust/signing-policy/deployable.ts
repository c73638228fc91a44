// The deployability rule of a policy, evaluated per tag over a verified repository view (pure). This
// is a verifier-enforced rule: Notary v1 has no AND over roles, so stock `docker pull` never checks
// it; `policy check` and `verify --policy` do.
import { naturalCompare, RELEASE_ROLES, type RepositoryView } from '../../tuf/repository-view.js';
import { ruleFor } from './match.js';
import { KeyNames } from './names.js';
import type { DeployableRule, RepositoryRule, SigningPolicy } from './schema.js';

export interface RoleHolding {
  role: string;
  /** Hex sha256 of the manifest the role signs for the tag. */
  digest: string;
}

export interface MissingRole {
  role: string;
  /** Who could sign it (policy signers of the role, else the holders of its keys). */
  signers: string[];
}

export interface DeployVerdict {
  gun: string;
  tag: string;
  deployable: boolean;
  /** The digest that meets the rule (or the one most roles agree on). */
  digest?: string;
  rule: string;
  /** Trusted roles of the rule that hold the tag, with their digests. */
  holders: RoleHolding[];
  /** Roles of the rule that do not hold the tag (with the agreed digest, when digests must agree). */
  missing: MissingRole[];
  digestsAgree: boolean;
  /** One line: why it is or is not deployable. */
  reason: string;
}

const short = (role: string) => (role === 'targets' ? 'targets' : role.replace(/^targets\//, ''));

export function describeRule(rule: DeployableRule): string {
  switch (rule.kind) {
    case 'released':
      return 'released (targets or targets/releases, as docker pull)';
    case 'k_of':
      return `${rule.k} of [${rule.roles.map(short).join(', ')}]`;
    default:
      return `${rule.kind}[${rule.roles.map(short).join(', ')}]`;
  }
}

function whoCanSign(role: string, repo: RepositoryRule | undefined, view: RepositoryView, names: KeyNames): string[] {
  const fromPolicy = repo?.roles?.find((r) => r.role === role)?.signers;
  if (fromPolicy?.length) return fromPolicy;
  const declared = view.delegations().find((d) => d.role === role);
  return declared ? names.labels(declared.keys.map((k) => k.canonicalId)) : [];
}

/**
 * Whether the repository's root keys are exactly the policy's pinned ones (canonical IDs; a
 * certificate's own TUF ID is accepted too). Undefined when the rule pins nothing.
 */
export function rootPinMatches(repo: RepositoryRule | undefined, view: RepositoryView): boolean | undefined {
  if (!repo?.rootKeys) return undefined;
  const rootKeys = view.administrativeKeys().root;
  const want = new Set(repo.rootKeys);
  const pinned = (k: { id: string; canonicalId: string }) => want.has(k.canonicalId) || want.has(k.id);
  return rootKeys.every(pinned) && repo.rootKeys.every((id) => rootKeys.some((k) => k.canonicalId === id || k.id === id));
}

/** Evaluates one repository rule for one tag. */
export function evaluateRule(repo: RepositoryRule | undefined, view: RepositoryView, tag: string, names: KeyNames = new KeyNames(undefined, view)): DeployVerdict {
  const rule: DeployableRule = repo?.deployable ?? { kind: 'released' };
  if (rootPinMatches(repo, view) === false) {
    // Trust data under another root is not the repository the policy describes: nothing it says counts.
    return { gun: view.gun, tag, deployable: false, rule: describeRule(rule), holders: [], missing: [], digestsAgree: true, reason: "the repository's root key is not the one the policy pins" };
  }
  const roles = rule.kind === 'released' ? RELEASE_ROLES : rule.roles;
  const byRole = view.targetsByRole();
  const holders: RoleHolding[] = roles.flatMap((role) => {
    const entry = byRole.get(role)?.find((e) => e.name === tag);
    return entry ? [{ role, digest: entry.digest }] : [];
  });
  const digests = [...new Set(holders.map((h) => h.digest))];
  // The digest held by the most roles of the rule (walk order breaks ties, as notary's first match).
  const digest = digests.sort((a, b) => holders.filter((h) => h.digest === b).length - holders.filter((h) => h.digest === a).length)[0];
  const sameDigest = rule.kind !== 'released' && rule.sameDigest;
  const counted = sameDigest ? holders.filter((h) => h.digest === digest) : holders;
  const needed = rule.kind === 'released' || rule.kind === 'any_of' ? 1 : rule.kind === 'k_of' ? rule.k : rule.roles.length;
  const deployable = counted.length >= needed;
  const missing = rule.kind === 'released' && deployable
    ? []
    : roles.filter((role) => !counted.some((h) => h.role === role)).map((role) => ({ role, signers: whoCanSign(role, repo, view, names) }));
  const digestsAgree = digests.length <= 1;
  let reason: string;
  if (holders.length === 0) reason = `no role of ${describeRule(rule)} signs ${tag}`;
  else if (deployable) reason = `meets ${describeRule(rule)}`;
  else {
    const who = (m: MissingRole) => (m.signers.length && m.signers.join() !== short(m.role) ? ` (${m.signers.join(' or ')})` : '');
    const waits = missing.map((m) => `${short(m.role)}${who(m)}`).join(', ');
    const more = needed - counted.length;
    reason = `${counted.length} of ${needed} required role${needed === 1 ? '' : 's'} sign${sameDigest ? ' the same digest' : ''}; waits on ${rule.kind === 'all_of' ? waits : `${more} more of ${waits}`}`;
    if (!digestsAgree && sameDigest) reason += ` (roles disagree on the digest: ${digests.map((d) => d.slice(0, 12)).join(' vs ')})`;
  }
  return { gun: view.gun, tag, deployable, ...(digest ? { digest } : {}), rule: describeRule(rule), holders, missing, digestsAgree, reason };
}

/**
 * Whether `tag` of the repository `view` shows may be deployed under `policy` (the rule of the most
 * specific matching repository entry; docker's release rule when no entry matches or it has none).
 */
export function evaluateDeployable(policy: SigningPolicy, view: RepositoryView, tag: string): DeployVerdict {
  const repo = ruleFor(policy, view.gun);
  return evaluateRule(repo, view, tag, new KeyNames(policy, view));
}

/** Every tag name any trusted role signs, sorted as docker sorts tags. */
export function tagNames(view: RepositoryView): string[] {
  const names = new Set<string>();
  for (const entries of view.targetsByRole().values()) for (const e of entries) names.add(e.name);
  return [...names].sort(naturalCompare);
}
