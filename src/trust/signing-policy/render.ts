// The text of `policy plan` and `policy check` (one implementation for the CLI and a later UI screen).
import { impactLines, type Impact } from '../impact.js';
import type { DeployVerdict } from './deployable.js';
import type { PlanChange, RepositoryPlan } from './plan.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function renderRepositoryPlan(plan: RepositoryPlan): string {
  const header = [plan.gun];
  if (plan.rootPinned !== null) header.push(plan.rootPinned ? 'root pinned ✓' : 'root pin ✗');
  header.push(plan.inSync ? 'in sync ✓' : '');
  const lines = [header.filter(Boolean).join('   ')];
  for (const c of plan.changes) {
    lines.push(`  ${c.summary}`);
    for (const d of c.details) lines.push(`      ${d}`);
    if (c.skip) lines.push(`      skip — ${c.skip}`);
  }
  const d = plan.deployable;
  const waiting = d.verdicts.filter((v) => !v.deployable && v.holders.length > 0).slice(0, 3);
  const tail = waiting.map((v) => `; ${v.tag} ${v.reason.replace(/^.*; waits on /, 'waits on ')}`).join('');
  lines.push(`  deployable: ${d.meeting} of ${plural(d.total, 'tag')} ${d.meeting === 1 ? 'meets' : 'meet'} ${d.rule}${tail}`);
  return lines.join('\n');
}

export interface PlanTotals {
  add: number;
  change: number;
  remove: number;
  warn: number;
  signingRequests: number;
}

export function totals(plans: readonly RepositoryPlan[]): PlanTotals {
  const t = { add: 0, change: 0, remove: 0, warn: 0, signingRequests: 0 };
  for (const p of plans) for (const k of Object.keys(t) as (keyof PlanTotals)[]) t[k] += p.counts[k];
  return t;
}

export function renderPlan(plans: readonly RepositoryPlan[], failures: readonly { gun: string; error: string }[] = []): string {
  const blocks = plans.map(renderRepositoryPlan);
  for (const f of failures) blocks.push(`${f.gun}   could not be read: ${f.error}`);
  const t = totals(plans);
  const skipped = plans.flatMap((p) => p.changes).filter((c) => c.skip).length;
  const summary =
    t.add + t.change + t.remove + t.warn === 0
      ? `No changes: ${plans.length} ${plans.length === 1 ? 'repository matches' : 'repositories match'} the policy.`
      : `Plan: ${t.add} to add, ${t.change} to change, ${t.remove} to remove · ${plural(t.signingRequests, 'signing request')} · ${plural(t.warn, 'warning')}.${skipped ? ` ${plural(skipped, 'change')} cannot be applied as the policy stands (see skip).` : ''} Nothing applied.`;
  return [...blocks, '', summary].join('\n');
}

export function renderVerdicts(verdicts: readonly DeployVerdict[]): string {
  return verdicts
    .map((v) => {
      const head = `${v.gun}:${v.tag}   ${v.deployable ? 'deployable ✓' : 'not deployable ✗'}   ${v.reason}`;
      const rows = v.holders.map((h) => `    ${h.role.padEnd(20)} sha256:${h.digest.slice(0, 12)}`);
      return [head, ...rows].join('\n');
    })
    .join('\n');
}

/** The verbs of `policy apply`, per step, as the preview and the confirmation show them. */
const ACTION_WORD = { publish: 'publish', request: 'request', skip: 'skip', report: 'warning' } as const;

interface ApplyPlanLike {
  repositories: readonly {
    gun: string;
    plan: RepositoryPlan;
    steps: readonly { change: { summary: string; op: string } | PlanChange; action: keyof typeof ACTION_WORD; reason: string }[];
    impact?: Impact;
  }[];
  failures: readonly { gun: string; error: string; hint?: string }[];
}

/**
 * The plan as apply will carry it out: `plan` words a change that needs a child re-signed as "apply
 * opens a signing request"; where this host holds enough keys to re-sign it in the same upload, say so.
 */
function asApplied(r: ApplyPlanLike['repositories'][number]): RepositoryPlan {
  const published = new Set(r.steps.filter((s) => s.action === 'publish').map((s) => s.change));
  return {
    ...r.plan,
    changes: r.plan.changes.map((c) =>
      published.has(c) ? { ...c, details: c.details.map((d) => d.replace(/^ {2}→ apply opens a signing request \(([^)]*)\); .*$/, '  → this host signs it: $1')) } : c,
    ),
  };
}

/**
 * What the steps apply acts on in one repository would do to `docker pull` (the impact of the very
 * role files apply publishes or puts in the signing request): a heading, then the impact's lines.
 */
export function applyImpactLines(r: ApplyPlanLike['repositories'][number]): string[] {
  if (!r.impact) return [];
  const heading = r.steps.some((s) => s.action === 'request')
    ? `Impact on docker pull once the signing request is submitted (until then docker pull sees ${r.gun} as it is now):`
    : `Impact on docker pull of ${r.gun}:`;
  return [heading, ...impactLines(r.impact).map((l) => `  ${l}`)];
}

/** `policy apply` before it acts (also `--dry-run`): the plan, then what apply does with each change, then its impact. */
export function renderApplyPlan(plan: ApplyPlanLike): string {
  const blocks: string[] = [];
  for (const r of plan.repositories) {
    const lines = [renderRepositoryPlan(asApplied(r))];
    const acting = r.steps.filter((s) => s.action !== 'report');
    if (acting.length) lines.push('  apply:');
    for (const s of acting) lines.push(`    ${ACTION_WORD[s.action].padEnd(8)} ${s.change.summary} — ${s.reason}`);
    lines.push(...applyImpactLines(r).map((l) => `  ${l}`));
    blocks.push(lines.join('\n'));
  }
  for (const f of plan.failures) blocks.push(`${f.gun}   could not be read: ${f.error}${f.hint ? ` — ${f.hint}` : ''}`);
  const steps = plan.repositories.flatMap((r) => r.steps);
  const n = (a: string) => steps.filter((s) => s.action === a).length;
  const read = plan.repositories.length;
  const summary =
    read === 0 && plan.failures.length > 0
      ? 'Nothing to apply: no repository of the policy could be read.'
      : steps.length === 0
      ? `No changes: ${read} ${read === 1 ? 'repository matches' : 'repositories match'} the policy.`
      : `Apply: ${n('publish')} to publish, ${n('request')} by signing request, ${n('skip')} skipped · ${plural(n('report'), 'warning')} (reported, not applied).`;
  return [...blocks, '', summary].join('\n');
}

interface ApplyResultLike {
  repositories: readonly { gun: string; steps: readonly { change: { summary: string }; result: string; reason: string }[] }[];
  after: { plans: readonly RepositoryPlan[]; failures: readonly { gun: string; error: string }[] };
  failures: readonly { gun: string; error: string; hint?: string }[];
  requests: readonly { gun: string; id: string; status: string }[];
  inSync: boolean;
}

/** `policy apply` after it acted: each step's result, then what a fresh verified read still shows. */
export function renderApplyResult(result: ApplyResultLike): string {
  const lines: string[] = [];
  for (const r of result.repositories) {
    lines.push(r.gun);
    for (const s of r.steps) lines.push(`  ${s.result.padEnd(8)} ${s.change.summary}${s.result === 'applied' ? '' : ` — ${s.reason}`}`);
  }
  for (const f of result.failures) lines.push(`${f.gun}   failed: ${f.error}${f.hint ? ` — ${f.hint}` : ''}`);
  lines.push('');
  const behind = result.after.plans.filter((p) => !p.inSync);
  for (const p of result.after.plans) {
    if (p.inSync) lines.push(`${p.gun}: now in sync with the policy ✓ (read back from the server)`);
  }
  for (const p of behind) lines.push(`Still different (read back from the server):\n${renderRepositoryPlan(p)}`);
  for (const f of result.after.failures) lines.push(`${f.gun}: could not be read back: ${f.error}`);
  for (const q of result.requests) lines.push(`Signing request ${q.id} (${q.gun}): ${q.status}. Signers: trust-tui request approve ${q.id}; then trust-tui request submit ${q.id}`);
  return lines.join('\n');
}

interface ConfirmStepLike {
  change: { summary: string; op: string; details: readonly string[] };
  action: keyof typeof ACTION_WORD;
  reason: string;
}

/**
 * What a confirmation of `policy apply` shows first: each change apply acts on (⚠ when it removes
 * something or could hide tags), how it gets done, what is skipped and why, what it does to docker
 * pull; then the full plan.
 */
export function applyConfirmationLines(plan: ApplyPlanLike & { repositories: readonly { destructive: readonly unknown[]; steps: readonly ConfirmStepLike[] }[] }): string[] {
  const lines: string[] = [];
  for (const r of plan.repositories) {
    for (const s of r.steps) {
      if (s.action === 'report') continue;
      const parts = s.change.details.filter((d) => /^[~+-] /.test(d));
      const mark = r.destructive.includes(s.change) && s.action !== 'skip' ? '⚠ ' : '';
      lines.push(`${mark}${ACTION_WORD[s.action]} ${s.change.summary}${parts.length ? `: ${parts.join(', ')}` : ''}`);
      lines.push(`    ${s.reason}`);
    }
    const warnings = r.steps.filter((s) => s.action === 'report').length;
    if (warnings) lines.push(`${plural(warnings, 'warning')}: reported, not applied`);
    const impact = applyImpactLines(r);
    lines.push(...impact);
  }
  lines.push('', 'The plan:', ...plan.repositories.flatMap((r) => renderRepositoryPlan(asApplied(r)).split('\n')));
  return lines;
}
