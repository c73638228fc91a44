// The text of `policy plan` and `policy check` (one implementation for the CLI and a later UI screen).
import type { DeployVerdict } from './deployable.js';
import type { RepositoryPlan } from './plan.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function renderRepositoryPlan(plan: RepositoryPlan): string {
  const header = [plan.gun];
  if (plan.rootPinned !== null) header.push(plan.rootPinned ? 'root pinned ✓' : 'root pin ✗');
  header.push(plan.inSync ? 'in sync ✓' : '');
  const lines = [header.filter(Boolean).join('   ')];
  for (const c of plan.changes) {
    lines.push(`  ${c.summary}`);
    for (const d of c.details) lines.push(`      ${d}`);
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
  const summary =
    t.add + t.change + t.remove + t.warn === 0
      ? `No changes: ${plans.length} ${plans.length === 1 ? 'repository matches' : 'repositories match'} the policy.`
      : `Plan: ${t.add} to add, ${t.change} to change, ${t.remove} to remove · ${plural(t.signingRequests, 'signing request')} · ${plural(t.warn, 'warning')}. Nothing applied.`;
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
