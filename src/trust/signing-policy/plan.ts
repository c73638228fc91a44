// `policy plan` for one repository (pure): the differences between the verified repository and its
// policy rule, the impact of each change (simulating the new parent over the current child files:
// which roles would drop below their threshold and which tags would vanish), what repairs it (who
// must sign), and health findings that are not differences. Thresholds count distinct canonical
// keys, so one key listed under two IDs (a plain key and its certificate) counts once.
import type { RoleKeyInfo, RepositoryView } from '../../tuf/repository-view.js';
import { parentRoleName } from '../../tuf/delegation.js';
import { describeTimeLeft } from '../../tuf/expiry.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import type { TrustedSet } from '../../tuf/trusted-set.js';
import { describeRule, evaluateRule, rootPinMatches, tagNames, type DeployVerdict } from './deployable.js';
import { KeyNames } from './names.js';
import type { PolicyRole, RepositoryRule, SigningPolicy } from './schema.js';

export type ChangeOp = 'add' | 'change' | 'remove' | 'warn';

/**
 * Signatures a change (or a repair) needs: k of these people. A role that must be re-signed gets a
 * new version whose bytes no one has signed yet, so signatures over its current file do not count:
 * it needs its threshold from all of its keys.
 */
export interface Needs {
  k: number;
  from: string[];
}

export interface RoleConfig {
  /** Canonical key IDs. */
  keys: string[];
  /** Holder names (or short IDs), same order as keys. */
  signers: string[];
  threshold: number;
  paths: string[];
}

export interface ChangeImpact {
  /** Tags of the role that stock clients would stop showing (the role falls below its threshold). */
  hiddenTags: string[];
  /** Released tags that would stop being pullable with content trust. */
  unpullableTags: string[];
  /** How it gets done: `admin` (the repository key signs the parent), `signing-request`, `manual`. */
  repair: 'admin' | 'signing-request' | 'manual' | 'none';
  /** One line for people. */
  summary: string;
}

export interface PlanChange {
  gun: string;
  op: ChangeOp;
  /** The role concerned (`root`, `targets`, `targets/releases`, …). */
  role: string;
  /** What part: `role`, `keys`, `threshold`, `paths`, `root.keys`, `expiry`, `threshold-health`, `duplicate-key`, `unknown-key`. */
  path: string;
  from: RoleConfig | string[] | string | number | null;
  to: RoleConfig | string[] | string | number | null;
  /** Sub-lines of a role change (`~ threshold 1 → 2`, `+ key carol (63f1e1c)`). */
  details: string[];
  impact: ChangeImpact;
  needs: Needs | null;
  /** The line of the text output. */
  summary: string;
  /** `policy plan`: why `policy apply` would skip this change as things stand (a key without a public key), in apply's words. */
  skip?: string;
}

export interface RepositoryPlan {
  gun: string;
  match: string;
  rootPinned: boolean | null;
  changes: PlanChange[];
  deployable: { rule: string; meeting: number; total: number; verdicts: DeployVerdict[] };
  counts: { add: number; change: number; remove: number; warn: number; signingRequests: number };
  inSync: boolean;
}

interface ActualRole {
  role: string;
  keys: RoleKeyInfo[];
  /** Distinct canonical key IDs, in order. */
  canonical: string[];
  threshold: number;
  paths: string[];
  state: 'trusted' | 'refused' | 'absent';
  /** Canonical keys whose signature over the current file verifies. */
  validCanonical: Set<string>;
  version?: number;
}

function actualRoles(view: RepositoryView, trusted: TrustedSet): ActualRole[] {
  return view.delegations().map((d) => {
    const tufToCanonical = new Map(d.keys.map((k) => [k.id, k.canonicalId]));
    const valid = trusted.delegations.get(d.role)?.validKeyIds ?? trusted.refusedDelegations.get(d.role)?.validKeyIds ?? [];
    const version = view.roleVersion(d.role);
    return {
      role: d.role,
      keys: d.keys,
      canonical: [...new Set(d.keys.map((k) => k.canonicalId))],
      threshold: d.threshold,
      paths: [...d.paths].sort(),
      state: d.state,
      validCanonical: new Set(valid.flatMap((id) => (tufToCanonical.has(id) ? [tufToCanonical.get(id)!] : []))),
      ...(version !== undefined ? { version } : {}),
    };
  });
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
/** `1 tag loses`, `2 tags lose`. */
const tagsVerb = (n: number, one: string, many: string) => `${plural(n, 'tag')} ${n === 1 ? one : many}`;
const quoted = (paths: readonly string[]) => `[${paths.map((p) => JSON.stringify(p)).join(', ')}]`;

function tagsOf(view: RepositoryView, role: string): string[] {
  return [...new Set((view.targetsByRole().get(role) ?? []).map((e) => e.name))];
}

/** Released tags no release role would still hold once `invalid` roles stop verifying. */
function unpullable(view: RepositoryView, invalid: ReadonlySet<string>): string[] {
  return view
    .releasedTags()
    .filter((t) => t.releasedBy.every((r) => invalid.has(r)))
    .map((t) => t.tag);
}

function needsLine(n: Needs): string {
  return n.from.length <= n.k ? `needs ${n.from.join(', ')}` : `needs ${n.k} of ${n.from.join(', ')}`;
}

export function planRepository(
  policy: SigningPolicy,
  rule: RepositoryRule,
  state: { view: RepositoryView; trusted: TrustedSet },
): RepositoryPlan {
  const { view, trusted } = state;
  const gun = view.gun;
  const names = new KeyNames(policy, view);
  const changes: PlanChange[] = [];
  const actual = actualRoles(view, trusted);
  const keysOf = (p: PolicyRole) => [...new Set(p.signers.flatMap((s) => policy.signers.get(s)?.keys ?? []))];
  const config = (keys: string[], threshold: number, paths: string[]): RoleConfig => ({ keys, signers: keys.map((k) => names.label(k)), threshold, paths });
  const push = (c: Omit<PlanChange, 'gun'>) => changes.push({ gun, ...c });

  // Root pin (the trust anchor): the caller refuses a mismatch before planning (see service.ts).
  const rootPinned = rootPinMatches(rule, view) ?? null;

  // Roles: simulate every role change together, then attribute the impact to each role.
  if (rule.roles) {
    const after = new Map<string, { valid: boolean }>();
    const plans: { want?: PolicyRole; have?: ActualRole }[] = [
      ...rule.roles.map((want) => ({ want, have: actual.find((a) => a.role === want.role) })),
      ...actual.filter((a) => !rule.roles!.some((w) => w.role === a.role)).map((have) => ({ have })),
    ];
    const newKeysOf = (want: PolicyRole, have: ActualRole | undefined) => {
      const desired = keysOf(want);
      const kept = rule.unknownKeys === 'error' || !have ? [] : have.canonical.filter((k) => !desired.includes(k) && !names.nameOf(k));
      return [...desired, ...kept];
    };
    for (const { want, have } of plans) {
      if (!have) continue;
      if (!want) after.set(have.role, { valid: false });
      else {
        const keys = newKeysOf(want, have);
        const stillValid = [...have.validCanonical].filter((k) => keys.includes(k)).length;
        after.set(have.role, { valid: have.state === 'trusted' && stillValid >= want.threshold });
      }
    }
    const invalidNow = new Set(actual.filter((a) => a.state !== 'trusted').map((a) => a.role));
    const unpullableNow = new Set(unpullable(view, invalidNow));

    for (const { want, have } of plans) {
      if (want && !have) {
        const keys = keysOf(want);
        const who = want.teams.length ? `team ${want.teams.join(', ')}: ${want.signers.join(', ')}` : want.signers.join(', ');
        push({
          op: 'add',
          role: want.role,
          path: 'role',
          from: null,
          to: config(keys, want.threshold, want.paths),
          details: [],
          impact: { hiddenTags: [], unpullableTags: [], repair: 'admin', summary: 'admin key only (the parent role gains the delegation)' },
          needs: null,
          summary: `+ ${want.role} (${who}), threshold ${want.threshold}${want.paths.join() === '' ? '' : `, paths ${quoted(want.paths)}`}`,
        });
        continue;
      }
      if (!have) continue;
      const tags = tagsOf(view, have.role);
      const lost = unpullable(view, new Set([...invalidNow, ...(after.get(have.role)?.valid === false ? [have.role] : [])])).filter((t) => !unpullableNow.has(t));
      if (!want) {
        push({
          op: 'remove',
          role: have.role,
          path: 'role',
          from: config(have.canonical, have.threshold, have.paths),
          to: null,
          details: [],
          impact: {
            hiddenTags: tags,
            unpullableTags: lost,
            repair: 'admin',
            summary: lost.length
              ? `${tagsVerb(lost.length, 'stops', 'stop')} being pullable with content trust`
              : tags.length
                ? `${tagsVerb(tags.length, 'loses', 'lose')} this role's signature`
                : 'no tags affected',
          },
          needs: null,
          summary: `- ${have.role} (${names.labels(have.canonical).join(', ') || 'no keys'}, not in policy)${tags.length ? `: ${tagsVerb(tags.length, 'loses', 'lose')} its signature` : ''}${lost.length ? `, ${tagsVerb(lost.length, 'stops', 'stop')} being pullable` : ''}`,
        });
        continue;
      }
      const newKeys = newKeysOf(want, have);
      const details: string[] = [];
      if (have.threshold !== want.threshold) details.push(`~ threshold ${have.threshold} → ${want.threshold}`);
      for (const k of newKeys) if (!have.canonical.includes(k)) details.push(`+ key ${names.label(k)} (${shortKeyId(k)})`);
      for (const k of have.canonical) {
        if (newKeys.includes(k)) continue;
        const holder = names.nameOf(k);
        details.push(`- key ${holder ? `${holder} (${shortKeyId(k)}) (not a signer of this role in the policy)` : `${shortKeyId(k)} (not in policy, holder unknown)`}`);
      }
      if (have.paths.join('\u0000') !== want.paths.join('\u0000')) details.push(`~ paths ${quoted(have.paths)} → ${quoted(want.paths)}`);
      if (details.length === 0) continue;
      const validNow = have.state === 'trusted';
      const validAfter = after.get(have.role)?.valid ?? false;
      const signedBy = [...have.validCanonical].filter((k) => newKeys.includes(k));
      let impact: ChangeImpact;
      let needs: Needs | null = null;
      if (validNow && !validAfter) {
        needs = { k: want.threshold, from: names.labels(newKeys) };
        const carries = have.validCanonical.size ? `carries ${names.labels(have.validCanonical).map((n) => `${n}'s`).join(' and ')} signature${have.validCanonical.size === 1 ? ' only' : 's'}` : 'carries no valid signature';
        impact = {
          hiddenTags: tags,
          unpullableTags: lost,
          repair: 'signing-request',
          summary: `version ${have.version ?? '?'} of ${have.role} ${carries}: changing ${parentRoleName(have.role)}.json alone hides ${plural(tags.length, 'tag')}${lost.length ? ` (${lost.length} ${lost.length === 1 ? 'stops' : 'stop'} being pullable)` : ''}`,
        };
        details.push(`! ${impact.summary}`, `  → apply opens a signing request (${parentRoleName(have.role)} + ${have.role} version ${(have.version ?? 0) + 1} in one upload); ${needsLine(needs)}`);
      } else {
        const parent = parentRoleName(have.role);
        const stays = validNow
          ? `; version ${have.version ?? '?'} of ${have.role} stays valid (signed by ${names.labels(signedBy).join(', ')})`
          : '';
        impact = { hiddenTags: [], unpullableTags: [], repair: 'admin', summary: `${parent} key only${stays}` };
        details.push(`→ ${impact.summary}`);
      }
      push({
        op: 'change',
        role: have.role,
        path: 'role',
        from: config(have.canonical, have.threshold, have.paths),
        to: config(newKeys, want.threshold, want.paths),
        details,
        impact,
        needs,
        summary: `~ ${have.role}`,
      });
    }
    for (const have of actual) {
      const unknown = have.canonical.filter((k) => !names.nameOf(k));
      if (rule.unknownKeys === 'warn' && unknown.length) {
        push(warn(gun, have.role, 'unknown-key', `! ${have.role} lists ${plural(unknown.length, 'key')} no signer holds: ${unknown.map(shortKeyId).join(', ')}`, null));
      }
    }
  }

  // Health findings.
  for (const have of actual) {
    // A refused role is not in the view: its tags come from the (unverified) file, to say what is hidden.
    const refusedFile = trusted.refusedDelegations.get(have.role)?.envelope.signed.targets;
    const tags = have.state === 'refused' && refusedFile ? [...refusedFile.keys()] : tagsOf(view, have.role);
    if (have.state === 'refused' && have.validCanonical.size < have.threshold) {
      const needs = { k: have.threshold, from: names.labels(have.canonical) };
      push(
        warn(gun, have.role, 'threshold-health', `! ${have.role} (version ${have.version ?? '?'}) is below its threshold now (${have.validCanonical.size} of ${have.threshold} valid signatures): ${tags.length ? `${tagsVerb(tags.length, 'is', 'are')} hidden (${tags.slice(0, 5).join(', ')}${tags.length > 5 ? ', …' : ''})` : 'it holds no tags'} → re-sign, ${needsLine(needs)}`, needs, tags),
      );
    }
    if (have.threshold > have.canonical.length) {
      push(warn(gun, have.role, 'unsatisfiable', `! ${have.role} threshold ${have.threshold} can never be met: it lists ${plural(have.canonical.length, 'distinct key')}`, null));
    }
    if (have.keys.length > have.canonical.length) {
      const dup = have.canonical.filter((c) => have.keys.filter((k) => k.canonicalId === c).length > 1);
      push(warn(gun, have.role, 'duplicate-key', `! ${have.role} lists ${dup.map((k) => names.label(k)).join(', ')} more than once (under ${have.keys.length} IDs for ${plural(have.canonical.length, 'key')}); counted once`, null));
    }
  }
  // A rule over a role nobody will create can never be met: without `roles`, the plan adds none.
  const deployable = rule.deployable;
  if (deployable.kind !== 'released' && !rule.roles) {
    const missing = deployable.roles.filter((role) => role !== 'targets' && !actual.some((a) => a.role === role));
    const needed = deployable.kind === 'k_of' ? deployable.k : deployable.kind === 'all_of' ? deployable.roles.length : 1;
    const never = deployable.roles.length - missing.length < needed ? `: no tag can meet ${describeRule(deployable)}` : '';
    for (const role of missing) push(warn(gun, role, 'deployable', `! deployable names ${role}, which this repository does not have${never}`, null));
  }
  // A role the plan removes needs no renewal.
  const removed = new Set(changes.filter((c) => c.op === 'remove').map((c) => c.role));
  const now = trusted.now().getTime();
  for (const e of view.expiries()) {
    const kind = e.role === 'root' ? 'root' : e.role === 'targets' ? 'targets' : e.role.startsWith('targets/') ? 'delegations' : undefined;
    const min = kind ? rule.minExpiry[kind] : undefined;
    if (!kind || min === undefined || removed.has(e.role)) continue;
    const left = e.expires.toDate().getTime() - now;
    if (left >= min) continue;
    const role = actual.find((a) => a.role === e.role);
    const needs = role
      ? { k: role.threshold, from: names.labels(role.canonical) }
      : { k: 1, from: [e.role === 'root' ? 'root key holder' : 'repository key holder'] };
    const when = left < 0 ? describeTimeLeft(left) : `expires in ${describeTimeLeft(left)}`;
    push(warn(gun, e.role, 'expiry', `! ${e.role} ${when} (minimum ${describeTimeLeft(min)}) → re-sign, ${needs.from.length <= needs.k ? `needs ${needs.from.join(', ')}` : `needs ${needs.k} of ${needs.from.join(', ')}`}`, needs));
  }

  const verdicts = tagNames(view).map((t) => evaluateRule(rule, view, t, names));
  const counts = {
    add: changes.filter((c) => c.op === 'add').length,
    change: changes.filter((c) => c.op === 'change').length,
    remove: changes.filter((c) => c.op === 'remove').length,
    warn: changes.filter((c) => c.op === 'warn').length,
    signingRequests: changes.filter((c) => c.op !== 'warn' && c.impact.repair === 'signing-request').length,
  };
  return {
    gun,
    match: rule.match,
    rootPinned,
    changes,
    deployable: { rule: verdicts[0]?.rule ?? evaluateRule(rule, view, '', names).rule, meeting: verdicts.filter((v) => v.deployable).length, total: verdicts.length, verdicts },
    counts,
    inSync: changes.length === 0,
  };
}

function warn(gun: string, role: string, path: string, summary: string, needs: Needs | null, hiddenTags: string[] = []): PlanChange {
  return {
    gun,
    op: 'warn',
    role,
    path,
    from: null,
    to: null,
    details: [],
    impact: { hiddenTags, unpullableTags: [], repair: needs ? 'signing-request' : 'none', summary: summary.replace(/^! /, '') },
    needs,
    summary,
  };
}
