// The Policy screen's view of every repository a policy covers: in sync, drifted or violating.
//   violating: something the policy requires is broken now — a signed tag fails the deployability
//     rule, a role is below its threshold (its tags are hidden today), a threshold can never be met,
//     a role has expired, or the root is not the one the policy pins;
//   drifted: the signing configuration differs from the policy (what `policy apply` acts on, and
//     warnings such as an expiry below the minimum), but nothing is broken now;
//   in sync: no difference; unreadable: the repository could not be read and verified.
import { stat } from 'node:fs/promises';
import type { TrustContext } from '../context.js';
import type { ServerOptions } from '../connect.js';
import type { RepositoryPlan } from './plan.js';
import { renderRepositoryPlan } from './render.js';
import { loadPolicy, planPolicy } from './service.js';

export type PolicyBadge = 'in sync' | 'drifted' | 'violating' | 'unreadable';

export interface PolicyRow {
  gun: string;
  badge: PolicyBadge;
  /** One line: what makes it violating or drifted. */
  why: string;
  /** The plan as `policy plan` prints it (lines). */
  planLines: string[];
}

export interface PolicyOverview {
  file: string;
  /** False when there is no policy file: the screen says how to write one. */
  found: boolean;
  rows: PolicyRow[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The badge of one planned repository, and why. */
export function badgeOf(plan: RepositoryPlan): { badge: PolicyBadge; why: string } {
  const broken: string[] = [];
  const d = plan.deployable;
  if (d.meeting < d.total) broken.push(`${d.total - d.meeting} of ${plural(d.total, 'tag')} not deployable`);
  for (const c of plan.changes) {
    if (c.op !== 'warn') continue;
    if (c.path === 'threshold-health') broken.push(`${c.role} below its threshold`);
    else if (c.path === 'unsatisfiable') broken.push(`${c.role} threshold can never be met`);
    else if (c.path === 'expiry' && /expired/.test(c.summary)) broken.push(`${c.role} expired`);
  }
  if (broken.length) return { badge: 'violating', why: broken.join('; ') };
  if (plan.inSync) return { badge: 'in sync', why: '' };
  const { add, change, remove, warn } = plan.counts;
  const parts = [add && `${add} to add`, change && `${change} to change`, remove && `${remove} to remove`, warn && plural(warn, 'warning')].filter(Boolean);
  return { badge: 'drifted', why: parts.join(', ') };
}

export async function policyOverview(ctx: TrustContext, file: string, options: ServerOptions = {}): Promise<PolicyOverview> {
  if (!(await stat(file).catch(() => undefined))) return { file, found: false, rows: [] };
  const policy = await loadPolicy(file);
  const outcome = await planPolicy(ctx, policy, [], options);
  const rows: PolicyRow[] = outcome.plans.map((p) => ({ gun: p.gun, ...badgeOf(p), planLines: renderRepositoryPlan(p).split('\n') }));
  for (const f of outcome.failures) {
    rows.push({ gun: f.gun, badge: f.rootPin ? 'violating' : 'unreadable', why: f.error, planLines: [f.gun, `  could not be read: ${f.error}`, ...(f.hint ? [`  ${f.hint}`] : [])] });
  }
  return { file, found: true, rows: rows.sort((a, b) => a.gun.localeCompare(b.gun)) };
}
