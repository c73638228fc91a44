// The signing policy operations over real repositories: read the policy file, open each repository
// it covers through the verifying updater, and plan, check or describe it.
import { stat } from 'node:fs/promises';
import { pathExists, readUserFile } from '../../config/user-files.js';
import { writeFileAtomic } from '../../keys/atomic-write.js';
import { parseReference } from '../../registry/reference.js';
import { RepositoryEditor } from '../../tuf/editor.js';
import { HintedError, hintOf } from '../../tuf/errors.js';
import { GoTime } from '../../tuf/time.js';
import type { ServerOptions } from '../connect.js';
import type { TrustContext } from '../context.js';
import { editableState } from '../publish.js';
import { openRepository, type OpenedRepository } from '../repository.js';
import { knownRepositories } from '../repositories.js';
import { evaluateRule, rootPinMatches, tagNames, type DeployVerdict } from './deployable.js';
import { policyText } from './init.js';
import { isPattern, matchesGun, rootAnchorFor, ruleFor } from './match.js';
import { KeyNames } from './names.js';
import { planRepository, type RepositoryPlan } from './plan.js';
import { addedKeys, missingKeysReason, publicKeys } from './public-keys.js';
import { parsePolicy, type RepositoryRule, type SigningPolicy } from './schema.js';
import type { RepositoryView } from '../../tuf/repository-view.js';
import { shortKeyId } from '../../tuf/short-key-id.js';

export class PolicyError extends HintedError {
  override name = 'PolicyError';
}

/** A policy is a page of YAML; anything this large is the wrong file. */
const MAX_POLICY_BYTES = 1024 * 1024;

export async function loadPolicy(file: string): Promise<SigningPolicy> {
  let bytes: Buffer;
  try {
    bytes = await readUserFile(file, 'policy file', { maxBytes: MAX_POLICY_BYTES });
  } catch (e) {
    if (!(await pathExists(file))) {
      throw new PolicyError(`no policy file ${file}`, { hint: 'write one with: trust-tui policy init --from REPO (or pass -f FILE)' });
    }
    throw e;
  }
  // A binary file would otherwise be quoted back by the YAML parser's error, page after page.
  if (bytes.includes(0)) throw new PolicyError(`${file} is not a text file; a signing policy is YAML (trust-policy.yaml)`);
  return parsePolicy(bytes.toString('utf8'), file);
}

/** The trust data of a repository is under another root than the policy pins: nothing from it is used. */
export class RootPinError extends PolicyError {
  override name = 'RootPinError';
}

export interface PolicyPlanOutcome {
  plans: RepositoryPlan[];
  /** `rootPin`: refused because the root is not the one the policy pins. */
  failures: { gun: string; error: string; hint?: string; rootPin?: true }[];
}

/** The repositories a plan covers: the ones named, else every exact `match` and every known repository a pattern matches. */
export async function resolveRepositories(ctx: TrustContext, policy: SigningPolicy, names: readonly string[]): Promise<string[]> {
  if (names.length > 0) {
    for (const gun of names) {
      if (!ruleFor(policy, gun)) throw new PolicyError(`no repository entry of the policy matches ${gun}`, { hint: 'add a repositories entry whose match covers it' });
    }
    return [...new Set(names)];
  }
  const exact = policy.repositories.filter((r) => !isPattern(r.match)).map((r) => r.match);
  const patterns = policy.repositories.filter((r) => isPattern(r.match)).map((r) => r.match);
  const known = patterns.length ? (await knownRepositories(ctx)).filter((g) => patterns.some((p) => matchesGun(p, g))) : [];
  return [...new Set([...exact, ...known])].sort();
}

export async function planPolicy(ctx: TrustContext, policy: SigningPolicy, names: readonly string[], options: ServerOptions = {}): Promise<PolicyPlanOutcome> {
  const guns = await resolveRepositories(ctx, policy, names);
  if (guns.length === 0) throw new PolicyError('the policy covers no repository this host knows', { hint: 'name the repositories: trust-tui policy plan REPO…' });
  const outcome: PolicyPlanOutcome = { plans: [], failures: [] };
  for (const gun of guns) {
    try {
      const repo = await openRepository(ctx, gun, { ...options, rootAnchor: (g) => rootAnchorFor(policy, g) });
      const { view, trusted, offline } = repo.state!;
      if (offline) ctx.warn(`${gun}: the server is unreachable; planning against the cached trust data`);
      const rule = ruleFor(policy, gun)!;
      refuseOtherRoot(rule, view);
      const plan = planRepository(policy, rule, { view, trusted });
      await markKeylessChanges(repo, plan, policy);
      outcome.plans.push(plan);
    } catch (e) {
      const hint = hintOf(e, 'cli');
      outcome.failures.push({ gun, error: (e as Error).message.split('\n')[0]!, ...(hint ? { hint } : {}), ...(e instanceof RootPinError ? { rootPin: true as const } : {}) });
    }
  }
  return outcome;
}

/** Marks each change apply would skip for want of a public key (the policy's `public:` files; plan takes no --key). */
async function markKeylessChanges(repo: OpenedRepository, plan: RepositoryPlan, policy: SigningPolicy): Promise<void> {
  const adding = plan.changes.map((c) => [c, addedKeys(c)] as const).filter(([, keys]) => keys.length > 0);
  if (adding.length === 0) return;
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  const keys = await publicKeys(repo, editor, policy, policy.source ?? '', []);
  for (const [change, ids] of adding) {
    const reason = missingKeysReason(keys, policy, ids);
    if (!reason) continue;
    change.skip = reason;
    // apply skips it: it opens no signing request, so the plan neither says nor counts one.
    if (change.op !== 'warn' && change.impact.repair === 'signing-request') plan.counts.signingRequests--;
    change.details = change.details.filter((d) => !d.trimStart().startsWith('→ apply opens a signing request'));
  }
}

/** The policy's root pin is the trust anchor: trust data under another root is refused, not planned. */
export function refuseOtherRoot(rule: RepositoryRule, view: RepositoryView): void {
  if (rootPinMatches(rule, view) !== false) return;
  const have = [...new Set(view.administrativeKeys().root.map((k) => shortKeyId(k.canonicalId)))].join(', ');
  throw new RootPinError(`${view.gun}: root key ${have} is not the root the policy pins (${rule.rootKeys!.map(shortKeyId).join(', ')}); nothing from this trust data is used`, {
    hint: 'if the root key was rotated on purpose, put its ID in root.keys; otherwise this server does not serve the repository the policy describes',
  });
}

/** `policy check IMAGE[:TAG]`: the deployability rule per tag (every signed tag when none is given). */
export async function checkPolicy(ctx: TrustContext, policy: SigningPolicy, image: string, options: ServerOptions = {}): Promise<DeployVerdict[]> {
  const reference = parseReference(image);
  if (reference.digest) throw new PolicyError(`cannot check a digest reference (${image}); name a tag`);
  const repo = await openRepository(ctx, reference, { ...options, rootAnchor: (g) => rootAnchorFor(policy, g) });
  const { view } = repo.state!;
  const rule = ruleFor(policy, view.gun);
  if (!rule) throw new PolicyError(`no repository entry of the policy matches ${view.gun}`, { hint: 'add a repositories entry whose match covers it' });
  refuseOtherRoot(rule, view);
  const tags = reference.tag !== undefined ? [reference.tag] : tagNames(view);
  const names = new KeyNames(policy, view);
  return tags.map((t) => evaluateRule(rule, view, t, names));
}

/** `policy init --from REPO`: writes the policy describing the repository as it is (never over a file without `force`). */
export async function initPolicy(ctx: TrustContext, from: string, file: string, options: ServerOptions & { force?: boolean } = {}): Promise<{ file: string; gun: string; text: string }> {
  if (!options.force && (await stat(file).catch(() => undefined))) {
    throw new PolicyError(`${file} exists; nothing was written`, { hint: 'pass --force to replace it, or -o FILE to write elsewhere' });
  }
  const repo = await openRepository(ctx, from, options);
  const { view } = repo.state!;
  const text = policyText(view, repo.state!.trusted.now());
  parsePolicy(text, file); // what we write must read back
  await writeFileAtomic(file, text, 0o644);
  return { file, gun: view.gun, text };
}
