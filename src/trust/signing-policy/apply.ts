// `policy apply`: carries out a repository's plan. One plan object (`ApplyPlan`) serves the preview
// (`--dry-run`), the confirmation (its destructive changes) and the execution. Per repository every
// change this host may make goes into one editor and one upload through publishParentChange, so a
// child role that would fall below its threshold is re-signed in the same upload or collected in a
// signing request, never hidden (see thresholds.ts). Warnings are reported, not acted on. Afterwards
// each repository is planned again from a fresh verified read: the result says what is still different.
import path from 'node:path';
import { MAX_PEM_BYTES, readUserText } from '../../config/user-files.js';
import { parentRoleName } from '../../tuf/delegation.js';
import { RepositoryEditor } from '../../tuf/editor.js';
import { hintOf } from '../../tuf/errors.js';
import type { PublicKey } from '../../tuf/key.js';
import { GoTime } from '../../tuf/time.js';
import { canonicalIdOf } from '../../tuf/verification.js';
import { requireWritableDir } from '../../config/writable.js';
import type { ServerOptions } from '../connect.js';
import type { TrustContext } from '../context.js';
import type { DockerfileInput, Impact } from '../impact.js';
import { editableState, heldKeyIds } from '../publish.js';
import { openRepository, type OpenedRepository } from '../repository.js';
import type { RequestPorts } from '../requests/operations.js';
import { publicKeyFromPem } from '../signer-keys.js';
import { publishParentChange } from '../thresholds.js';
import { ruleFor } from './match.js';
import { planRepository, type PlanChange, type RepositoryPlan, type RoleConfig } from './plan.js';
import { addedKeys, missingKeysReason, publicKeys } from './public-keys.js';
import type { SigningPolicy } from './schema.js';
import { planPolicy, PolicyError, refuseOtherRoot, resolveRepositories, type PolicyPlanOutcome } from './service.js';

/** What apply does with one change: publish it, collect it in a signing request, skip it (why), or only report it (a warning). */
export type StepAction = 'publish' | 'request' | 'skip' | 'report';

export interface ApplyStep {
  change: PlanChange;
  action: StepAction;
  /** Why a change is skipped or only reported; how it gets done otherwise. */
  reason: string;
}

export interface RepositoryApply {
  gun: string;
  plan: RepositoryPlan;
  steps: ApplyStep[];
  /** Changes that take something away (a role, a key) or would hide tags: confirmed first. */
  destructive: PlanChange[];
  /**
   * What the steps apply acts on would do to `docker pull`, computed from the same edited role files
   * (unset when apply acts on nothing here). With `request` steps it happens only once the signing
   * request is submitted, and the children the request re-signs count as signed.
   */
  impact?: Impact;
}

/** The one plan object of `policy apply`. `repos` (the verified reads the plan was made from) is not serialised. */
export interface ApplyPlan {
  file: string;
  repositories: RepositoryApply[];
  failures: PolicyPlanOutcome['failures'];
}

export interface ApplyOptions extends ServerOptions, RequestPorts {
  /** `--key FILE`: public keys or certificates for keys the policy names (matched by canonical ID). */
  keyFiles?: readonly string[];
  /** `--dockerfile`: FROM lines the impact checks. */
  dockerfiles?: readonly DockerfileInput[];
}

export interface StepResult {
  change: PlanChange;
  result: 'applied' | 'request' | 'skipped' | 'warning' | 'failed';
  reason: string;
  request?: { id: string; location: string; status: string };
}

export interface ApplyResult {
  file: string;
  repositories: { gun: string; steps: StepResult[]; published: string[] }[];
  /** The plan made again from a fresh verified read of every repository. */
  after: PolicyPlanOutcome;
  failures: PolicyPlanOutcome['failures'];
  /** Requests opened by this apply (still waiting on signatures). */
  requests: { gun: string; id: string; location: string; status: string }[];
  inSync: boolean;
}

const reads = new WeakMap<ApplyPlan, { policy: SigningPolicy; opened: Map<string, OpenedRepository>; given: PublicKey[] }>();

/** A change removes something, or would hide tags if its parent went alone. */
export function isDestructive(c: PlanChange): boolean {
  if (c.op === 'remove') return true;
  if (c.op !== 'change') return false;
  return c.details.some((d) => d.startsWith('- key')) || c.impact.hiddenTags.length > 0 || c.impact.unpullableTags.length > 0;
}

/** Why a destructive change is confirmed, in words. */
export function destructiveReason(c: PlanChange): string {
  if (c.op === 'remove') return `removes ${c.role}${c.impact.hiddenTags.length ? ` (${c.impact.summary})` : ''}`;
  const keys = c.details.filter((d) => d.startsWith('- key')).length;
  const parts = [keys ? `removes ${keys === 1 ? 'a key' : `${keys} keys`} from ${c.role}` : ''];
  if (c.impact.hiddenTags.length) parts.push(`${c.role}: ${c.impact.hiddenTags.length} tag(s) would be hidden if ${parentRoleName(c.role)} changed alone (apply re-signs ${c.role} with it, or opens a signing request)`);
  return parts.filter(Boolean).join('; ');
}

const depth = (role: string) => role.split('/').length;

interface Edit {
  step: ApplyStep;
  edit: (editor: RepositoryEditor) => void;
}

/** Turns each change into an edit of the editor, or a skip with the reason. */
async function editsFor(ctx: TrustContext, repo: OpenedRepository, plan: RepositoryPlan, policy: SigningPolicy, policyFile: string, given: readonly PublicKey[]): Promise<Edit[]> {
  const probe = new RepositoryEditor(editableState(repo.state), GoTime.now());
  const keys = await publicKeys(repo, probe, policy, policyFile, given);
  const out: Edit[] = [];
  const ordered = [...plan.changes].sort((a, b) => depth(a.role) - depth(b.role));
  const held = new Map<string, boolean>();
  const holdsParent = async (parent: string) => {
    if (!held.has(parent)) {
      let ok = false;
      try {
        const { keys: k, threshold } = probe.signingKeys(parent);
        ok = (await heldKeyIds(ctx, probe, parent)).length >= Math.min(threshold, k.length);
      } catch {
        ok = plan.changes.some((c) => c.op === 'add' && c.role === parent); // a parent added by this plan: decided with it
      }
      held.set(parent, ok);
    }
    return held.get(parent)!;
  };
  for (const change of ordered) {
    const skip = (reason: string) => out.push({ step: { change, action: 'skip', reason }, edit: () => {} });
    if (change.op === 'warn') {
      out.push({ step: { change, action: 'report', reason: 'a warning: apply does not act on it' }, edit: () => {} });
      continue;
    }
    if (change.path !== 'role') {
      skip(`apply does not change ${change.path}`);
      continue;
    }
    const parent = parentRoleName(change.role);
    if (!(await holdsParent(parent))) {
      skip(`this host holds no ${parent} key of ${plan.gun}: run policy apply where that key is`);
      continue;
    }
    if (change.op === 'remove') {
      out.push({
        step: { change, action: 'publish', reason: `${parent} key` },
        edit: (editor) => {
          editor.targets(parent).removeDelegation(change.role);
          editor.deleteRole(change.role);
        },
      });
      continue;
    }
    const from = change.op === 'change' ? (change.from as RoleConfig) : undefined;
    const to = change.to as RoleConfig;
    const adding = addedKeys(change);
    const missing = missingKeysReason(keys, policy, adding);
    if (missing) {
      skip(missing);
      continue;
    }
    out.push({
      step: { change, action: 'publish', reason: `${parent} key` },
      edit: (editor) => {
        const model = editor.targets(parent);
        const declared = model.getDelegation(change.role);
        const dropped = new Set(from?.keys.filter((k) => !to.keys.includes(k)) ?? []);
        const removeKeyIds = declared ? model.delegationKeysOf(declared).filter((k) => dropped.has(canonicalIdOf(k))).map((k) => k.id) : [];
        const pathsChange = !from || from.paths.join('\u0000') !== to.paths.join('\u0000');
        model.updateDelegation(change.role, {
          addKeys: adding.map((k) => keys.found.get(k)!),
          removeKeyIds,
          threshold: to.threshold,
          ...(pathsChange ? { clearPaths: true, addPaths: to.paths } : {}),
        });
      },
    });
  }
  return out;
}

/** Edits the repository with every publishable change; what publishParentChange would do decides `publish` or `request`. */
async function prepareRepository(
  ctx: TrustContext,
  repo: OpenedRepository,
  plan: RepositoryPlan,
  policy: SigningPolicy,
  file: string,
  given: readonly PublicKey[],
  dockerfiles: readonly DockerfileInput[],
): Promise<RepositoryApply> {
  const edits = await editsFor(ctx, repo, plan, policy, file, given);
  const active = edits.filter((e) => e.step.action === 'publish');
  let impact: Impact | undefined;
  if (active.length > 0) {
    const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
    for (const e of active) e.edit(editor);
    // The dry run edits exactly what the real run publishes (or puts in the request): its impact is the change's.
    const preview = await publishParentChange(ctx, repo, editor, { dryRun: true, note: '', dockerfiles });
    impact = preview.impact;
    if (preview.needSignatures.length > 0) {
      const short = preview.needSignatures.map((s) => `${s.role} needs ${s.threshold} signature(s), this host holds ${s.held} of its keys`).join('; ');
      for (const e of active) e.step = { ...e.step, action: 'request', reason: `signing request: ${short}` };
    } else if (preview.bundled.length > 0) {
      for (const e of active) e.step = { ...e.step, reason: `${e.step.reason}; re-signs ${preview.bundled.join(', ')} in the same upload` };
    }
  }
  return { gun: plan.gun, plan, steps: edits.map((e) => e.step), destructive: plan.changes.filter(isDestructive), ...(impact ? { impact } : {}) };
}

/** Plans every repository the policy covers (or those named) from a verified read, and decides what apply would do. */
export async function planApply(ctx: TrustContext, policy: SigningPolicy, file: string, names: readonly string[], options: ApplyOptions & { dryRun?: boolean } = {}): Promise<ApplyPlan> {
  // Keys first: a bad --key changes nothing and contacts no server.
  const given: PublicKey[] = [];
  for (const file of options.keyFiles ?? []) given.push(publicKeyFromPem(await readUserText(file, 'public key file', { maxBytes: MAX_PEM_BYTES }), file));
  const guns = await resolveRepositories(ctx, policy, names);
  if (guns.length === 0) throw new PolicyError('the policy covers no repository this host knows', { hint: 'name the repositories: trust-tui policy apply REPO…' });
  const out: ApplyPlan = { file, repositories: [], failures: [] };
  const opened = new Map<string, OpenedRepository>();
  for (const gun of guns) {
    try {
      const repo = await openRepository(ctx, gun, { ...options, toPublish: !options.dryRun });
      const { view, trusted } = repo.state!;
      const rule = ruleFor(policy, gun)!;
      refuseOtherRoot(rule, view);
      const plan = planRepository(policy, rule, { view, trusted });
      out.repositories.push(await prepareRepository(ctx, repo, plan, policy, file, given, options.dockerfiles ?? []));
      opened.set(gun, repo);
    } catch (e) {
      out.failures.push(failure(gun, e));
    }
  }
  reads.set(out, { policy, opened, given });
  return out;
}

function failure(gun: string, e: unknown): { gun: string; error: string; hint?: string } {
  const hint = hintOf(e, 'cli');
  return { gun, error: (e as Error).message.split('\n')[0]!, ...(hint ? { hint } : {}) };
}

/** Whether apply would change anything (publish or open a request) in `plan`. */
export function applyActs(plan: Pick<ApplyPlan, 'repositories'>): boolean {
  return plan.repositories.some((r) => r.steps.some((s) => s.action === 'publish' || s.action === 'request'));
}

/** The destructive changes apply would act on, per repository (what a confirmation must show). */
export function toConfirm(plan: Pick<ApplyPlan, 'repositories'>): { gun: string; changes: PlanChange[] }[] {
  return plan.repositories
    .map((r) => ({ gun: r.gun, changes: r.destructive.filter((c) => r.steps.some((s) => s.change === c && (s.action === 'publish' || s.action === 'request'))) }))
    .filter((r) => r.changes.length > 0);
}

/** Carries out `plan` (already confirmed by the caller), then plans again from a fresh verified read. */
export async function executeApply(
  ctx: TrustContext,
  plan: ApplyPlan,
  options: ApplyOptions & { onProgress?: (p: { index: number; total: number; gun: string }) => void; signal?: AbortSignal } = {},
): Promise<ApplyResult> {
  const made = reads.get(plan);
  if (!made) throw new PolicyError('this plan was not made by planApply');
  const { policy, opened, given } = made;
  const acting = plan.repositories.filter((r) => r.steps.some((s) => s.action === 'publish' || s.action === 'request'));
  if (acting.length > 0) await requireWritableDir(ctx.trustDir);
  const result: ApplyResult = { file: plan.file, repositories: [], after: { plans: [], failures: [] }, failures: [...plan.failures], requests: [], inSync: false };
  let index = 0;
  for (const r of plan.repositories) {
    const passive = (s: ApplyStep): StepResult => ({ change: s.change, result: s.action === 'report' ? 'warning' : 'skipped', reason: s.reason });
    if (!acting.includes(r)) {
      result.repositories.push({ gun: r.gun, steps: r.steps.map(passive), published: [] });
      continue;
    }
    if (options.signal?.aborted) {
      // Stopped between repositories: the ones done stay done, the rest is untouched.
      result.repositories.push({ gun: r.gun, steps: r.steps.map((s) => ({ ...passive(s), ...(s.action === 'report' ? {} : { reason: 'stopped before this repository' }) })), published: [] });
      continue;
    }
    options.onProgress?.({ index: ++index, total: acting.length, gun: r.gun });
    const repo = opened.get(r.gun)!;
    try {
      // The same edits the plan decided on, over the same verified read.
      const edits = await editsFor(ctx, repo, r.plan, policy, plan.file, given);
      const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
      const planned = new Set(r.steps.filter((s) => s.action === 'publish' || s.action === 'request').map((s) => s.change));
      for (const e of edits) if (planned.has(e.step.change)) e.edit(editor);
      const note = `policy apply (${path.basename(plan.file)}): ${r.steps.filter((s) => planned.has(s.change)).map((s) => s.change.summary.replace(/^[~+-] /, '')).join(', ')}`;
      const outcome = await publishParentChange(ctx, repo, editor, { ...options, note, yes: true });
      if (outcome.request) {
        const q = { id: outcome.request.request.id, location: outcome.request.location, status: outcome.request.evaluation.status };
        result.requests.push({ gun: r.gun, ...q });
        result.repositories.push({
          gun: r.gun,
          steps: r.steps.map((s) => (planned.has(s.change) ? { change: s.change, result: 'request', reason: `signing request ${q.id}: ${q.status}`, request: q } : passive(s))),
          published: [],
        });
      } else {
        result.repositories.push({
          gun: r.gun,
          steps: r.steps.map((s) => (planned.has(s.change) ? { change: s.change, result: 'applied', reason: s.reason } : passive(s))),
          published: outcome.published?.published ?? [],
        });
      }
    } catch (e) {
      const f = failure(r.gun, e);
      result.failures.push(f);
      result.repositories.push({ gun: r.gun, steps: r.steps.map((s) => (s.action === 'publish' || s.action === 'request' ? { change: s.change, result: 'failed', reason: f.error } : passive(s))), published: [] });
    }
  }
  // What is true now, from a fresh verified read (never what we meant to write).
  const guns = plan.repositories.map((r) => r.gun);
  if (guns.length > 0) result.after = await planPolicy(ctx, policy, guns, options);
  result.inSync = result.failures.length === 0 && result.after.failures.length === 0 && result.after.plans.every((p) => p.inSync);
  return result;
}
