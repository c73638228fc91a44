// The compromised-key sweep: take a key (or every key of a departed signer) out of every repository
// this host knows, in one resumable operation. `planSweep` is the dry run: per repository and role,
// what changes and which tags lose a signature. `runSweep` carries it out over the repositories,
// a few at a time (each one a normal, verified publish, with its own deadline), records each finished
// repository in a journal, and starts no further repository once asked to stop; running the same
// sweep again finishes what is left. Results keep the plan's order whatever the concurrency.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PendingAreaRefusedError, RepositoryNotInitialisedError } from '../notary/http-errors.js';
import { RepositoryEditor } from '../tuf/editor.js';
import type { Hint } from '../tuf/errors.js';
import { GoTime } from '../tuf/time.js';
import type { TrustContext } from './context.js';
import { InputError, problemAndHint, TrustError } from './errors.js';
import { editableState } from './publish.js';
import { openRepository } from './repository.js';
import { knownRepositories, mapLimited } from './repositories.js';
import { checkConcurrency, DEFAULT_CONCURRENCY, repositoryContext } from './bulk.js';
import { planRemoval, RELEASES_ROLE, type RemovalTarget } from './signer-removal.js';
import { carryOut, needsReleasesRequest, releasesRefusal, removalImpact, thresholdDrop } from './signers.js';
import type { DockerfileInput, Impact } from './impact.js';
import { isKeyIdPrefix, shortKeyId } from '../tuf/short-key-id.js';

/**
 * A compromised key is taken out everywhere, even where tags lose their release (the dry run says
 * which). A departed signer is removed as `signer remove` does: where targets/releases then needs
 * signatures of other signers, a signing request collects them (nothing is published there yet), and
 * a removal that would delete releases or leave it unverifiable is refused there, unless `force`.
 */
export type SweepTarget = { kind: 'key'; keyId: string } | { kind: 'signer'; name: string; gun?: string; force?: boolean };

/** Whether the sweep removes whatever it costs (a key), or as `signer remove` does (a signer, unless forced). */
const forces = (target: SweepTarget): boolean => target.kind === 'key' || target.force === true;

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
  /** requested: a signing request was opened there; the signer is removed once it is submitted. */
  status: 'done' | 'already-done' | 'requested' | 'failed' | 'skipped';
  message?: string;
  /** What to do about a failure. */
  hint?: Hint;
}

function targetKey(target: SweepTarget): string {
  return target.kind === 'key' ? `key:${target.keyId}` : `signer:${target.name}${target.gun ? `@${target.gun}` : ''}`;
}

/**
 * The journal of finished repositories per sweep, in the settings directory. Repositories finish
 * concurrently: marks are queued and written together, one atomic replacement at a time, so none is
 * lost and a sweep stopped at any moment finds every repository it had finished.
 */
class SweepJournal {
  readonly file: string;
  #queued: { target: SweepTarget; gun: string }[] = [];
  #writing: Promise<void> = Promise.resolve();
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
  /** Resolves once a journal that lists `gun` as done is on disk. */
  markDone(target: SweepTarget, gun: string): Promise<void> {
    this.#queued.push({ target, gun });
    const written = this.#writing.then(() => this.#writeQueued());
    // The next write waits for this one, whether it failed or not (its marks failed with it).
    this.#writing = written.catch(() => undefined);
    return written;
  }
  async #writeQueued(): Promise<void> {
    const marks = this.#queued;
    if (marks.length === 0) return; // an earlier write took them
    this.#queued = [];
    const data = await this.read();
    for (const { target, gun } of marks) {
      const key = targetKey(target);
      data[key] = [...new Set([...(data[key] ?? []), gun])];
    }
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
    await rename(temp, this.file);
  }
}

function describeTarget(target: SweepTarget): string {
  return target.kind === 'key' ? `key ${shortKeyId(target.keyId)}` : `signer ${target.name}`;
}

function checkTarget(target: SweepTarget): void {
  if (target.kind === 'key' && !isKeyIdPrefix(target.keyId)) {
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
  const viaRequest = !forces(target) && needsReleasesRequest(removalPlan);
  const refusal = forces(target) ? undefined : releasesRefusal(removalPlan, describeTarget(target), repo.gun, true);
  // Nothing is lost where a request collects the signatures, nor where the removal is refused.
  const losing = new Set(viaRequest || refusal ? [] : removalPlan.tagsLosingRelease.map((t) => t.tag));
  const byRole = view.targetsByRole();
  const items: SweepItem[] = [];
  for (const change of removalPlan.changes) {
    const tags = [...new Set((byRole.get(change.role) ?? []).map((t) => t.name))].map((tag) => ({ tag, losesLastSignature: losing.has(tag) }));
    const base = refusal ? `refused: ${refusal.message}` : viaRequest && change.role === RELEASES_ROLE ? 're-signed through a signing request' : change.outcome;
    // A k-of-n role left with fewer keys than its threshold is lowered: the dry run says so.
    const outcome = !refusal && change.outcome !== 'removed' && change.threshold < change.previousThreshold ? `${base}; ${thresholdDrop(change)}` : base;
    items.push({ gun: repo.gun, role: change.role, keyIds: change.removedKeyIds, outcome, tags, done: false });
  }
  for (const skipped of removalPlan.skipped) {
    items.push({ gun: repo.gun, role: skipped.role, keyIds: [], outcome: `skipped: this host cannot sign ${skipped.parent}`, tags: [], done: false });
  }
  const impact = refusal ? undefined : removalImpact(repo.state!, removalPlan, viaRequest, dockerfiles);
  return { repo, editor, removalPlan, items, impact };
}

async function heldKeyIdSet(ctx: TrustContext): Promise<Set<string>> {
  return new Set((await ctx.keys.list()).filter((k) => !k.problem).map((k) => k.id));
}

export interface SweepPlanOptions {
  dockerfiles?: readonly DockerfileInput[];
  /** Repositories read at once (default DEFAULT_CONCURRENCY); the plan's order does not depend on it. */
  concurrency?: number;
}

export async function planSweep(ctx: TrustContext, target: SweepTarget, options: SweepPlanOptions = {}): Promise<SweepPlan> {
  checkTarget(target);
  const concurrency = checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY);
  const journal = (await new SweepJournal(ctx.settings.dir).read())[targetKey(target)] ?? [];
  const guns = target.kind === 'signer' && target.gun ? [target.gun] : await knownRepositories(ctx);
  const held = await heldKeyIdSet(ctx);
  const plan: SweepPlan = { target, confirmText: target.kind === 'key' ? shortKeyId(target.keyId) : target.name, items: [], unreadable: [], impacts: [] };
  const read = await mapLimited(guns, concurrency, async (gun) => {
    try {
      const planned = await planRepository(repositoryContext(ctx), target, gun, held, options.dockerfiles);
      // Only what the plan shows is kept: a fleet's opened repositories would not fit in memory.
      return planned ? { items: planned.items, impact: planned.impact && { gun: planned.repo.gun, impact: planned.impact } } : undefined;
    } catch (e) {
      // Never initialised on its server: no key or signer is used there (a lost repository is another error).
      if (e instanceof RepositoryNotInitialisedError) return undefined;
      return { unreadable: { gun, ...problemAndHint(e) } };
    }
  });
  for (const [i, gun] of guns.entries()) {
    const r = read[i];
    if (r?.unreadable) plan.unreadable.push(r.unreadable);
    else if (r?.items) {
      plan.items.push(...r.items);
      if (r.impact) plan.impacts!.push(r.impact);
    } else if (journal.includes(gun)) plan.items.push({ gun, role: '(all)', keyIds: [], outcome: 'removed', tags: [], done: true });
  }
  return plan;
}

/** What a repository's items must still be for the confirmed dry run to stand for them. */
const itemShape = (items: readonly SweepItem[]) => JSON.stringify(items.map((i) => [i.role, i.keyIds, i.outcome]));

export interface SweepRunOptions {
  /** Once aborted, no further repository is started; those in progress finish (each publish is atomic). */
  signal?: AbortSignal;
  /** `index`: the repository's position in the plan (1-based), reported as it starts. */
  onProgress?: (p: { index: number; total: number; gun: string }) => void;
  /** Repositories worked on at once (default DEFAULT_CONCURRENCY). Outcomes keep the plan's order. */
  concurrency?: number;
}

/** Carries out a plan's pending repositories. The user confirmed the dry run, so nothing is asked again. */
export async function runSweep(ctx: TrustContext, plan: SweepPlan, options: SweepRunOptions = {}): Promise<SweepOutcome[]> {
  const concurrency = checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY);
  const journal = new SweepJournal(ctx.settings.dir);
  const guns = [...new Set(plan.items.map((i) => i.gun))];
  // The keys this host holds, read once: reading the key store per repository is quadratic over a fleet.
  const held = await heldKeyIdSet(ctx);
  const what = describeTarget(plan.target);
  return mapLimited([...guns.entries()], concurrency, async ([index, gun]): Promise<SweepOutcome> => {
    const items = plan.items.filter((i) => i.gun === gun);
    if (items.every((i) => i.done)) return { gun, status: 'already-done' };
    if (options.signal?.aborted) return { gun, status: 'skipped', message: 'stopped before this repository' };
    options.onProgress?.({ index: index + 1, total: guns.length, gun });
    const repoCtx = repositoryContext(ctx);
    try {
      // Exactly the dry run the user confirmed: a repository that changed since is left alone.
      const planned = await planRepository(repoCtx, plan.target, gun, held);
      if (!planned || itemShape(planned.items) !== itemShape(items)) {
        throw new TrustError(`${gun} changed since the dry run, so nothing was changed there`, { hint: 'run the sweep again to see its new plan' });
      }
      // A compromised key must go even where tags lose their release: the dry run showed which.
      const result = await carryOut(repoCtx, planned.repo, planned.editor, planned.removalPlan, what, plan.target.kind === 'key' ? plan.target.keyId : plan.target.name, {
        yes: true,
        force: forces(plan.target),
      });
      if (result.request) return { gun, status: 'requested', message: `signing request ${result.request.id} opened: ${result.request.status}` };
      await journal.markDone(plan.target, gun);
      return { gun, status: 'done' };
    } catch (e) {
      // Run again while the request it opened waits for signatures: that request is the sweep's state there.
      if (e instanceof PendingAreaRefusedError && e.code === 'REQUEST_CONFLICT') return { gun, status: 'requested', message: `waiting: ${e.message}` };
      const { problem, hint } = problemAndHint(e);
      return { gun, status: 'failed', message: problem, ...(hint ? { hint } : {}) };
    }
  });
}
