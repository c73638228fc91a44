// The compromised-key sweep: take a key (or every key of a departed signer) out of every repository
// this host knows, in one resumable operation. `planSweep` is the dry run: per repository and role,
// what changes and which tags lose a signature. `runSweep` carries it out repository by repository
// (each one a normal, verified publish), records each finished repository in a journal, and stops
// between repositories when asked; running the same sweep again finishes what is left.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RepositoryEditor } from '../tuf/editor.js';
import { GoTime } from '../tuf/time.js';
import type { TrustContext } from './context.js';
import { InputError } from './errors.js';
import { editableState } from './publish.js';
import { openRepository } from './repository.js';
import { knownRepositories } from './repositories.js';
import { planRemoval, type RemovalTarget } from './signer-removal.js';
import { removeSigner, removeSignerKey } from './signers.js';
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
  /** Repositories that could not be read (nothing will be done there). */
  unreadable: { gun: string; problem: string }[];
}

export interface SweepOutcome {
  gun: string;
  status: 'done' | 'already-done' | 'failed' | 'skipped';
  message?: string;
}


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
    throw new InputError(`"${target.keyId}" is not a key ID: give at least 7 hex digits of it`);
  }
}

export async function planSweep(ctx: TrustContext, target: SweepTarget): Promise<SweepPlan> {
  checkTarget(target);
  const journal = (await new SweepJournal(ctx.settings.dir).read())[targetKey(target)] ?? [];
  const guns = target.kind === 'signer' && target.gun ? [target.gun] : await knownRepositories(ctx);
  const held = new Set((await ctx.keys.list()).filter((k) => !k.problem).map((k) => k.id));
  const plan: SweepPlan = { target, confirmText: target.kind === 'key' ? shortKeyId(target.keyId) : target.name, items: [], unreadable: [] };
  for (const gun of guns) {
    let repo;
    try {
      repo = await openRepository(ctx, gun);
    } catch (e) {
      plan.unreadable.push({ gun, problem: (e as Error).message.split('\n')[0]! });
      continue;
    }
    const view = repo.state!.view;
    let removal: RemovalTarget | undefined;
    if (target.kind === 'key') {
      const ids = new Set(view.delegations().flatMap((d) => d.keys).filter((k) => k.canonicalId.startsWith(target.keyId) || k.id.startsWith(target.keyId)).map((k) => k.canonicalId));
      if (ids.size > 0) removal = { keyIds: [...ids] };
    } else if (view.delegations().some((d) => d.role === `targets/${target.name}`)) {
      removal = { signer: target.name };
    }
    if (!removal) {
      if (journal.includes(gun)) plan.items.push({ gun, role: '(all)', keyIds: [], outcome: 'removed', tags: [], done: true });
      continue;
    }
    const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
    const removalPlan = planRemoval(view, editor, held, removal);
    const losing = new Set(removalPlan.tagsLosingRelease.map((t) => t.tag));
    const byRole = view.targetsByRole();
    for (const change of removalPlan.changes) {
      const tags = (byRole.get(change.role) ?? []).map((t) => ({ tag: t.name, losesLastSignature: losing.has(t.name) }));
      plan.items.push({ gun, role: change.role, keyIds: change.removedKeyIds, outcome: change.outcome, tags, done: false });
    }
    for (const skipped of removalPlan.skipped) {
      plan.items.push({ gun, role: skipped.role, keyIds: [], outcome: `skipped: this host cannot sign ${skipped.parent}`, tags: [], done: false });
    }
  }
  return plan;
}

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
      // A compromised key must go even where tags lose their release: the dry run showed which.
      const removal = { yes: true, force: true };
      if (plan.target.kind === 'key') {
        const ids = [...new Set(items.flatMap((i) => i.keyIds))];
        for (const id of ids.length > 0 ? ids : [plan.target.keyId]) await removeSignerKey(ctx, gun, id, removal);
      } else {
        await removeSigner(ctx, gun, plan.target.name, removal);
      }
      await journal.markDone(plan.target, gun);
      outcomes.push({ gun, status: 'done' });
    } catch (e) {
      outcomes.push({ gun, status: 'failed', message: (e as Error).message.split('\n')[0] });
    }
  }
  return outcomes;
}
