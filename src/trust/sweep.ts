// The compromised-key sweep: take a key (or every key of a departed signer) out of every repository
// this host knows, in one resumable operation. `planSweep` is the dry run: per repository and role,
// what changes and which tags lose a signature. `runSweep` carries it out repository by repository
// (each one a normal, verified publish), records each finished repository in a journal, and stops
// between repositories when asked; running the same sweep again finishes what is left.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RepositoryEditor } from '../tuf/editor.js';
import type { Hint } from '../tuf/errors.js';
import { GoTime } from '../tuf/time.js';
import type { TrustContext } from './context.js';
import { InputError, problemAndHint, TrustError } from './errors.js';
import { editableState } from './publish.js';
import { openRepository } from './repository.js';
import { knownRepositories } from './repositories.js';
import { planRemoval, type RemovalTarget } from './signer-removal.js';
import { carryOut, removalImpact } from './signers.js';
import type { DockerfileInput, Impact } from './impact.js';
import { shortKeyId } from '../tuf/short-key-id.js';

export type SweepTarget = { kind: 'key'; keyId: string } | { kind: 'signer'; name: string; gun?: string };

export interface SweepItem {
  gun: string;
  role: string;
  /** Canonical IDs removed from the role. */
  keyIds: string[];
  outcome: string;
  tags: { tag: string; losesLastSignature: boolean }[];
  /** Finished by an earlier run of the same sweep. */
  done: boolean;
}

export interface SweepPlan {
  target: SweepTarget;
  /** What the user types to confirm: the short key ID, or the signer name. */
  confirmText: string;
  items: SweepItem[];
  /** Repositories that could not be read (nothing will be done there): the cause, and the next step. */
  unreadable: { gun: string; problem: string; hint?: Hint }[];
  /** Per repository still to do: what the removal does to docker pull there. */
  impacts?: { gun: string; impact: Impact }[];
}

/**
 * What a sweep cannot vouch for: undefined when it read every repository this host knows. A
 * repository it could not read may still use the key, so neither "nothing to do" nor "complete"
 * may be said without this.
 */
export function sweepGap(plan: SweepPlan): string | undefined {
  const n = plan.unreadable.length;
  if (n === 0) return undefined;
  const what = plan.target.kind === 'key' ? 'the key' : `signer ${plan.target.name}`;
  return `${n} ${n === 1 ? 'repository' : 'repositories'} could not be read, so it is not known whether ${what} is used there: fix the cause and run the sweep again`;
}

export interface SweepOutcome {
  gun: string;
  status: 'done' | 'already-done' | 'failed' | 'skipped';
  message?: string;
  /** What to do about a failure. */
  hint?: Hint;
}

/** A repository's failure as the cause and, when the error carries one, its next step. */


function targetKey(target: SweepTarget): string {
  return target.kind === 'key' ? `key:${target.keyId}` : `signer:${target.name}${target.gun ? `@${target.gun}` : ''}`;
}

/** The journal of finished repositories per sweep, in the settings directory. */
class SweepJournal {
  readonly file: string;
  constructor(configDir: string) {
    this.file = path.join(configDir, 'sweeps.json');
  }
  async read(): Promise<Record<string, string[]>> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as Record<string, string[]>;
    } catch {
      return {};
    }
  }
  async markDone(target: SweepTarget, gun: string): Promise<void> {
    const data = await this.read();
    const key = targetKey(target);
    data[key] = [...new Set([...(data[key] ?? []), gun])];
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
    await rename(temp, this.file);
  }
}

function checkTarget(target: SweepTarget): void {
  if (target.kind === 'key' && !/^[0-9a-f]{7,64}$/.test(target.keyId)) {
    throw new InputError(`"${target.keyId}" is not a key ID`, { hint: 'give at least 7 hex digits of it' });
  }
}

/** One repository's part of a sweep, planned from its current verified state (undefined: not used there). */
async function planRepository(ctx: TrustContext, target: SweepTarget, gun: string, held: ReadonlySet<string>, dockerfiles: readonly DockerfileInput[] = []) {
  const repo = await openRepository(ctx, gun);
  const view = repo.state!.view;
  let removal: RemovalTarget | undefined;
  if (target.kind === 'key') {
    const ids = new Set(view.delegations().flatMap((d) => d.keys).filter((k) => k.canonicalId.startsWith(target.keyId) || k.id.startsWith(target.keyId)).map((k) => k.canonicalId));
    if (ids.size > 0) removal = { keyIds: [...ids] };
  } else if (view.delegations().some((d) => d.role === `targets/${target.name}`)) {
    removal = { signer: target.name };
  }
  if (!removal) return undefined;
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  const removalPlan = planRemoval(view, editor, held, removal);
  const losing = new Set(removalPlan.tagsLosingRelease.map((t) => t.tag));
  const byRole = view.targetsByRole();
  const items: SweepItem[] = [];
  for (const change of removalPlan.changes) {
    const tags = [...new Set((byRole.get(change.role) ?? []).map((t) => t.name))].map((tag) => ({ tag, losesLastSignature: losing.has(tag) }));
    items.push({ gun: repo.gun, role: change.role, keyIds: change.removedKeyIds, outcome: change.outcome, tags, done: false });
  }
  for (const skipped of removalPlan.skipped) {
    items.push({ gun: repo.gun, role: skipped.role, keyIds: [], outcome: `skipped: this host cannot sign ${skipped.parent}`, tags: [], done: false });
  }
  // The sweep forces the removal (a compromised key must go): releases is never collected through a request.
  const impact = removalImpact(repo.state!, removalPlan, false, dockerfiles);
  return { repo, editor, removalPlan, items, impact };
}

async function heldKeyIdSet(ctx: TrustContext): Promise<Set<string>> {
  return new Set((await ctx.keys.list()).filter((k) => !k.problem).map((k) => k.id));
}

export async function planSweep(ctx: TrustContext, target: SweepTarget, options: { dockerfiles?: readonly DockerfileInput[] } = {}): Promise<SweepPlan> {
  checkTarget(target);
  const journal = (await new SweepJournal(ctx.settings.dir).read())[targetKey(target)] ?? [];
  const guns = target.kind === 'signer' && target.gun ? [target.gun] : await knownRepositories(ctx);
  const held = await heldKeyIdSet(ctx);
  const plan: SweepPlan = { target, confirmText: target.kind === 'key' ? shortKeyId(target.keyId) : target.name, items: [], unreadable: [], impacts: [] };
  for (const gun of guns) {
    let planned;
    try {
      planned = await planRepository(ctx, target, gun, held, options.dockerfiles);
    } catch (e) {
      plan.unreadable.push({ gun, ...problemAndHint(e) });
      continue;
    }
    if (planned) {
      plan.items.push(...planned.items);
      plan.impacts!.push({ gun: planned.repo.gun, impact: planned.impact });
    }
    else if (journal.includes(gun)) plan.items.push({ gun, role: '(all)', keyIds: [], outcome: 'removed', tags: [], done: true });
  }
  return plan;
}

/** What a repository's items must still be for the confirmed dry run to stand for them. */
const itemShape = (items: readonly SweepItem[]) => JSON.stringify(items.map((i) => [i.role, i.keyIds, i.outcome]));

export interface SweepRunOptions {
  signal?: AbortSignal;
  onProgress?: (p: { index: number; total: number; gun: string }) => void;
}

/** Carries out a plan's pending repositories. The user confirmed the dry run, so nothing is asked again. */
export async function runSweep(ctx: TrustContext, plan: SweepPlan, options: SweepRunOptions = {}): Promise<SweepOutcome[]> {
  const journal = new SweepJournal(ctx.settings.dir);
  const guns = [...new Set(plan.items.map((i) => i.gun))];
  const outcomes: SweepOutcome[] = [];
  for (const [index, gun] of guns.entries()) {
    const items = plan.items.filter((i) => i.gun === gun);
    if (items.every((i) => i.done)) {
      outcomes.push({ gun, status: 'already-done' });
      continue;
    }
    if (options.signal?.aborted) {
      outcomes.push({ gun, status: 'skipped', message: 'stopped before this repository' });
      continue;
    }
    options.onProgress?.({ index: index + 1, total: guns.length, gun });
    try {
      // Exactly the dry run the user confirmed: a repository that changed since is left alone.
      const planned = await planRepository(ctx, plan.target, gun, await heldKeyIdSet(ctx));
      if (!planned || itemShape(planned.items) !== itemShape(items)) {
        throw new TrustError(`${gun} changed since the dry run, so nothing was changed there`, { hint: 'run the sweep again to see its new plan' });
      }
      const what = plan.target.kind === 'key' ? `key ${shortKeyId(plan.target.keyId)}` : `signer ${plan.target.name}`;
      // A compromised key must go even where tags lose their release: the dry run showed which.
      await carryOut(ctx, planned.repo, planned.editor, planned.removalPlan, what, plan.target.kind === 'key' ? plan.target.keyId : plan.target.name, {
        yes: true,
        force: true,
      });
      await journal.markDone(plan.target, gun);
      outcomes.push({ gun, status: 'done' });
    } catch (e) {
      const { problem, hint } = problemAndHint(e);
      outcomes.push({ gun, status: 'failed', message: problem, ...(hint ? { hint } : {}) });
    }
  }
  return outcomes;
}
