// `signer add|add-key|remove|remove-key|list`: who may sign a repository's tags. A signer NAME is
// docker's layout: the delegation `targets/NAME` (its audit trail) plus its keys in the shared
// `targets/releases` (what makes tags pullable), both on all paths. Adding and removing signers edits
// targets.json, so it needs the repository's targets key.
import { releasesThresholdProblem } from './releases-signoff.js';
import { ALL_PATHS } from '../tuf/delegation.js';
import { RepositoryEditor } from '../tuf/editor.js';
import type { PublicKey } from '../tuf/key.js';
import { naturalCompare, signerName, type SignerState } from '../tuf/repository-view.js';
import { hintOf } from '../tuf/errors.js';
import { GoTime } from '../tuf/time.js';
import type { ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';
import { CancelledError, changedSincePreview, InputError, TrustError } from './errors.js';
import { initRepository } from './init.js';
import { checkKeyName } from './keys.js';
import { editableState, heldKeyIds, publish } from './publish.js';
import { requireWritableDir } from '../config/writable.js';
import { openRepository, type OpenedRepository } from './repository.js';
import { resolveSignerKeys, type SignerKey } from './signer-keys.js';
import { applyRemoval, checkSigners, planRemoval, RELEASES_ROLE, type RemovalPlan, type RoleChange } from './signer-removal.js';
import { diffRepository, tagsNoLongerReleased, type PublishedRoleChange } from '../tuf/repository-diff.js';
import { isKeyIdPrefix, shortKeyId } from '../tuf/short-key-id.js';
import { distinctCanonicalKeys } from '../tuf/verification.js';
import type { PlanDelivery } from './plans.js';
import { childrenFallingShort, publishParentChange } from './thresholds.js';
import { openRequest } from './requests/operations.js';
import { releasesSignoff } from './releases-signoff.js';
import type { RefreshResult } from '../notary/updater.js';
import { impactIsHarmless, impactLines, impactOf, type DockerfileInput, type Impact } from './impact.js';

export interface SignerKeyResult {
  /** Canonical key ID (what `docker trust inspect` and `notary delegation list` show). */
  id: string;
  keytype: string;
  source: string;
}

export interface AddSignerResult {
  gun: string;
  server: string;
  signer: string;
  role: string;
  /** Keys added by this command. */
  added: SignerKeyResult[];
  /** Every key of the signer afterwards (canonical IDs). */
  keyIds: string[];
  threshold: number;
  /** The repository did not exist and was initialised first. */
  initialised: boolean;
  /** Threshold of targets/releases before and after (what `--threshold` sets). */
  releases: { from: number; to: number };
  /** Roles re-signed by this host in the same upload so that they keep verifying. */
  bundled: string[];
  /** Opened when the change needs signatures this host does not hold (nothing was published). */
  request?: { id: string; location: string; status: string };
  published: string[];
  /** Every role the publish changed (verified before/after difference). */
  changes: PublishedRoleChange[];
}

export interface RemovalResult {
  gun: string;
  server: string;
  /** The signer name (`signer remove`) or the canonical key ID (`signer remove-key`). */
  removed: string;
  /** Every role the publish changed (verified before/after difference), not only the ones asked for. */
  changes: PublishedRoleChange[];
  /** Delegations using the key whose parent this host cannot sign: left as they were. */
  skipped: { role: string; parent: string }[];
  tagsNoLongerReleased: string[];
  published: string[];
  /** Opened when targets/releases needs signatures this host does not hold (nothing was published). */
  request?: { id: string; location: string; status: string };
  /** `--dry-run`: nothing was published; `impact` and `planned` say what would happen. */
  dryRun?: boolean;
  /** What the removal would do to docker pull (the preview the confirmation showed). */
  impact?: Impact;
  /** `--dry-run`: one sentence per planned role change. */
  planned?: string[];
  /** `--dry-run`: why the real command would refuse (without --force); the impact is then the forced one. */
  refusal?: string;
}

export interface ListedSigner {
  name: string;
  role: string;
  keys: { id: string; keytype: string }[];
  threshold: number;
  paths: readonly string[];
  state: SignerState;
  problem?: string;
  /** Tags this role signs (within its paths; none when it does not verify). */
  tags: string[];
}

export interface SignerListResult {
  gun: string;
  server: string;
  offline: boolean;
  signers: ListedSigner[];
  /** targets/releases (docker's release role): k of n distinct keys, and whose signature on its current file verifies. */
  releases?: { threshold: number; keys: number; signed: number; signers: { name: string; signed: boolean }[] };
}

export interface RemovalOptions extends ServerOptions {
  /** Skip the confirmation asked when tags would stop being pullable. */
  yes?: boolean;
  /** Proceed even when targets/releases would be left unverifiable. */
  force?: boolean;
  /** Refuse rather than open a signing request when releases needs signatures this host lacks. */
  noRequest?: boolean;
  /** Only say what would change and its impact on docker pull; publish nothing. */
  dryRun?: boolean;
  /** Dockerfiles whose FROM lines the impact checks. */
  dockerfiles?: readonly DockerfileInput[];
}

/** docker's name rules for signers (cli/command/trust/signer_add.go). */
function checkSignerName(name: string, action: 'add' | 'remove'): void {
  if (name === 'releases') {
    throw new InputError(
      action === 'add' ? 'releases is a reserved keyword' : 'releases is a reserved keyword and cannot be removed',
      action === 'add' ? { hint: 'use a different signer name' } : {},
    );
  }
  checkKeyName(name, 'signer name');
}

async function requireTargetsKey(ctx: TrustContext, repo: OpenedRepository, editor: RepositoryEditor, what: string): Promise<void> {
  if ((await heldKeyIds(ctx, editor, 'targets')).length === 0) {
    throw new InputError(`this host holds no targets (repository) key of ${repo.gun}: only the repository's owner can ${what}`);
  }
}


/**
 * Adds `keys` to `targets/NAME` (created on all paths if new) and to `targets/releases`. A threshold
 * applies where it protects releases: `targets/releases` (what docker pulls); each signer's own
 * `targets/NAME` stays signable by that signer alone.
 */
function addKeysToSigner(
  editor: RepositoryEditor,
  gun: string,
  name: string,
  keys: readonly SignerKey[],
  threshold: number | undefined,
): { added: SignerKey[]; all: PublicKey[]; releases: { from: number; to: number } } {
  const targets = editor.targets('targets');
  const role = `targets/${name}`;
  const existing = targets.getDelegation(role);
  const before = existing ? targets.delegationKeysOf(existing) : [];
  const known = new Set(before.map((k) => k.canonicalId));
  const added = keys.filter((k) => !known.has(k.key.canonicalId));
  const all = [...before, ...added.map((k) => k.key)];
  const releasesBefore = targets.getDelegation(RELEASES_ROLE);
  const from = releasesBefore?.threshold ?? 1;
  if (added.length === 0 && (threshold === undefined || threshold === from)) {
    throw new InputError(`signer ${name} of ${gun} already has key(s) ${keys.map((k) => shortKeyId(k.key.canonicalId)).join(', ')}: nothing to change`);
  }
  if (added.length > 0 || !existing) {
    targets.updateDelegation(role, { addKeys: added.map((k) => k.key), ...(existing ? {} : { addPaths: ALL_PATHS }) });
  }
  // Every signer key may sign releases: that is what `docker trust sign` writes to.
  const inReleases = new Set(releasesBefore ? targets.delegationKeysOf(releasesBefore).map((k) => k.canonicalId) : []);
  const missing = all.filter((k) => !inReleases.has(k.canonicalId));
  if (missing.length > 0 || (threshold !== undefined && threshold !== from)) {
    targets.updateDelegation(RELEASES_ROLE, {
      addKeys: missing,
      ...(threshold !== undefined ? { threshold } : {}),
      ...(releasesBefore ? {} : { threshold: threshold ?? 1, addPaths: ALL_PATHS }),
    });
  }
  const releases = targets.getDelegation(RELEASES_ROLE)!;
  const distinct = distinctCanonicalKeys(releases.keyIds, targets.delegationKeys).length;
  const problem = releasesThresholdProblem(gun, releases.threshold, distinct);
  if (problem) {
    throw new InputError(problem, {
      hint: `add the other signers first, or give a threshold of at most ${distinct}`,
    });
  }
  return { added, all, releases: { from, to: releases.threshold } };
}

/** How adding a signer lands: published, or held in a signing request until others sign. */
export type SignerAdditionDelivery = Extract<PlanDelivery, 'publish' | 'request'>;

/** A request exactly when publishParentChange would open one: a child re-signed here falls short of keys this host holds. */
async function additionDelivery(ctx: TrustContext, repo: OpenedRepository, editor: RepositoryEditor): Promise<SignerAdditionDelivery> {
  const short = (await childrenFallingShort(ctx, repo, editor)).filter((child) => child.held < child.threshold);
  return short.length > 0 ? 'request' : 'publish';
}

/**
 * What adding signer `name` would do, changing nothing: whether it publishes or opens a signing
 * request. The UI's confirmation says it, and the add (given it as `delivery`) checks it again.
 */
export async function planSignerAddition(
  ctx: TrustContext,
  input: string,
  name: string,
  keySpecs: readonly string[],
  options: ServerOptions & { threshold?: number } = {},
): Promise<{ delivery: SignerAdditionDelivery }> {
  checkSignerName(name, 'add');
  const keys = await resolveSignerKeys(ctx, keySpecs);
  const repo = await openRepository(ctx, input, { ...options, allowMissing: true, toPublish: true });
  // A repository that does not exist yet is initialised and published by this host alone.
  if (!repo.state) return { delivery: 'publish' };
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  await requireTargetsKey(ctx, repo, editor, 'add signers');
  addKeysToSigner(editor, repo.gun, name, keys, options.threshold);
  return { delivery: await additionDelivery(ctx, repo, editor) };
}

async function addOrExtendSigner(
  ctx: TrustContext,
  input: string,
  name: string,
  keySpecs: readonly string[],
  options: ServerOptions & { threshold?: number; lifetimeMs?: number; mustExist: boolean; force?: boolean; yes?: boolean; noRequest?: boolean; delivery?: SignerAdditionDelivery },
): Promise<AddSignerResult> {
  checkSignerName(name, 'add');
  if (options.threshold !== undefined && (!Number.isSafeInteger(options.threshold) || options.threshold < 1)) {
    throw new InputError(`threshold must be a whole number of at least 1, not ${options.threshold}`);
  }
  // Keys first: a bad --key changes nothing and contacts no server.
  const keys = await resolveSignerKeys(ctx, keySpecs);
  await requireWritableDir(ctx.trustDir);
  let repo = await openRepository(ctx, input, { ...options, allowMissing: !options.mustExist, toPublish: true });
  let initialised = false;
  if (!repo.state) {
    // docker's `signer add` initialises a new repository too; ours also gets this host's signer.
    await initRepository(ctx, repo, options);
    repo = await openRepository(ctx, repo.reference, { ...options, toPublish: true });
    initialised = true;
  }
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  await requireTargetsKey(ctx, repo, editor, 'add signers');
  const role = `targets/${name}`;
  if (options.mustExist && !editor.current('targets')?.getDelegation(role)) {
    throw new InputError(`no signer ${name} for repository ${repo.gun}`, {
      hint: { cli: 'add it with trust-tui signer add', ui: 'add it on the Signers screen (3)' },
    });
  }
  const { added, all, releases } = addKeysToSigner(editor, repo.gun, name, keys, options.threshold);
  // The confirmed preview said publish or request: anything else changes nothing.
  if (options.delivery !== undefined && (await additionDelivery(ctx, repo, editor)) !== options.delivery) throw changedSincePreview(repo.gun);
  const outcome = await publishParentChange(ctx, repo, editor, {
    ...options,
    note: `signer ${name}${releases.from !== releases.to ? `; ${RELEASES_ROLE}: threshold ${releases.from} → ${releases.to}` : ''}`,
  });
  const common = {
    gun: repo.gun,
    server: repo.endpoint.url,
    signer: name,
    role,
    added: added.map((k) => ({ id: k.key.canonicalId, keytype: k.key.keytype, source: k.source })),
    releases,
    bundled: outcome.bundled,
    initialised,
  };
  if (outcome.request) {
    const r = outcome.request;
    return {
      ...common,
      keyIds: all.map((k) => k.canonicalId),
      threshold: 1,
      published: [],
      changes: [],
      request: { id: r.request.id, location: r.location, status: r.evaluation.status },
    };
  }
  const result = outcome.published!;
  // Report what the server now serves, not what we meant to write.
  const now = result.state.view.delegations().find((d) => d.role === role);
  const expected = new Set(all.map((k) => k.canonicalId));
  if (!now || now.keys.filter((k) => expected.has(k.canonicalId)).length !== expected.size) {
    throw new TrustError(`published, but ${repo.gun} does not list the keys of signer ${name}`, { hint: checkSigners(repo.gun) });
  }
  const releasesNow = result.state.view.delegations().find((d) => d.role === RELEASES_ROLE);
  if (releasesNow?.threshold !== releases.to) throw new TrustError(`published, but ${RELEASES_ROLE} of ${repo.gun} does not need ${releases.to} signature(s)`, { hint: checkSigners(repo.gun) });
  return {
    ...common,
    keyIds: now.keys.map((k) => k.canonicalId),
    threshold: now.threshold,
    published: result.published,
    changes: diffRepository(repo.state!.view, result.state.view),
  };
}

/**
 * `signer add REPO NAME --key K…`: a new signer, or more keys for an existing one (docker appends too).
 * `lifetimeMs` (`--expires`): the roles it signs (and, for a new repository, creates) live that long.
 */
export function addSigner(
  ctx: TrustContext,
  input: string,
  name: string,
  keySpecs: readonly string[],
  options: ServerOptions & { threshold?: number; lifetimeMs?: number; force?: boolean; yes?: boolean; noRequest?: boolean; delivery?: SignerAdditionDelivery } = {},
): Promise<AddSignerResult> {
  return addOrExtendSigner(ctx, input, name, keySpecs, { ...options, mustExist: false });
}

/** `signer add-key REPO NAME --key K…`: more keys for an existing signer. */
export function addSignerKeys(
  ctx: TrustContext,
  input: string,
  name: string,
  keySpecs: readonly string[],
  options: ServerOptions = {},
): Promise<AddSignerResult> {
  return addOrExtendSigner(ctx, input, name, keySpecs, { ...options, mustExist: true });
}

export async function heldKeys(ctx: TrustContext): Promise<Set<string>> {
  return new Set((await ctx.keys.list()).filter((k) => !k.problem).map((k) => k.id));
}

/** Where to look after a signer change: the signers as the server now lists them. */
/**
 * Whether a removal leaves targets/releases short of signatures this host could add alone: then a
 * signing request (targets and the re-signed releases in one upload) collects the rest.
 */
export function needsReleasesRequest(plan: RemovalPlan): boolean {
  return plan.breaksReleases && plan.changes.find((c) => c.role === RELEASES_ROLE)?.outcome === 'unverifiable';
}

/**
 * Why a removal is refused: it would delete targets/releases or leave it unverifiable, so tags stop
 * being pullable. One definition for the CLI (which `--force` overrides) and the UI's plan. With
 * `viaRequest`, a releases role that only lacks signatures is not a refusal: a request collects them.
 */
export function releasesRefusal(plan: RemovalPlan, what: string, gun: string, viaRequest = false): InputError | undefined {
  if (!plan.breaksReleases || (viaRequest && needsReleasesRequest(plan))) return undefined;
  const releases = plan.changes.find((c) => c.role === RELEASES_ROLE)!;
  const tags = plan.tagsLosingRelease.map((t) => t.tag);
  const lost = tags.length > 0 ? `, and ${tags.length} tag(s) would stop being pullable (${tags.join(', ')})` : '';
  if (releases.outcome === 'removed') {
    return new InputError(`removing ${what} would delete ${RELEASES_ROLE} of ${gun} (no key would be left)${lost}`, {
      hint: { cli: 'add another signer first, or pass --force', ui: 'add another signer first: press a on the Signers screen (3)' },
    });
  }
  const holders = `ask a holder of one of those keys (${releases.remainingKeyIds.map(shortKeyId).join(', ')}) to do this`;
  return new InputError(
    `removing ${what} would leave ${RELEASES_ROLE} of ${gun} unverifiable: it needs ${releases.threshold} signature(s) by its remaining keys ` +
      `and this host holds too few of them${lost}`,
    { hint: { cli: `${holders}, or pass --force`, ui: holders } },
  );
}

/**
 * The impact of a planned removal on a fresh editor (the plan's own editor stays untouched for the
 * run): `viaRequest` when targets/releases would be re-signed through a signing request.
 */
export function removalImpact(state: RefreshResult, plan: RemovalPlan, viaRequest: boolean, dockerfiles: readonly DockerfileInput[] = []): Impact {
  const editor = new RepositoryEditor(editableState(state), GoTime.now());
  applyRemoval(editor, plan);
  if (viaRequest) editor.targets(RELEASES_ROLE);
  return impactOf(state, editor, dockerfiles);
}

/** Checks, asks, edits, publishes and verifies a planned removal. */
export async function carryOut(
  ctx: TrustContext,
  repo: OpenedRepository,
  editor: RepositoryEditor,
  plan: RemovalPlan,
  what: string,
  removed: string,
  options: RemovalOptions,
): Promise<RemovalResult> {
  const refusal = releasesRefusal(plan, what, repo.gun, !options.noRequest);
  // A dry run still shows what the removal would do (as if forced) and says it would be refused.
  if (refusal && !options.force && !options.dryRun) throw refusal;
  const viaRequest = !refusal && !options.force && !options.noRequest && needsReleasesRequest(plan);
  // Preview, confirmation and execution: the same plan applied to the same editor.
  applyRemoval(editor, plan);
  if (viaRequest) editor.targets(RELEASES_ROLE);
  const impact = impactOf(repo.state!, editor, options.dockerfiles);
  const base = { gun: repo.gun, server: repo.endpoint.url, removed, skipped: plan.skipped };
  if (options.dryRun) {
    const planned = [
      ...plan.changes.map(describeRoleChange),
      ...(viaRequest ? ['nothing would be published yet: a signing request would collect the signatures targets/releases then needs'] : []),
    ];
    const refused = refusal && !options.force ? { refusal: `${refusal.message}; ${hintOf(refusal, 'cli')}` } : {};
    return { ...base, changes: [], tagsNoLongerReleased: [], published: [], dryRun: true, impact, planned, ...refused };
  }
  if (viaRequest) {
    // Nothing is published now: the request carries the parent and the re-signed releases together.
    const opened = await openRequest(ctx, repo, editor, editor.editedRoles.filter((r) => r !== 'root'), { note: `remove ${what}` });
    return {
      ...base,
      changes: [],
      tagsNoLongerReleased: [],
      published: [],
      request: { id: opened.request.id, location: opened.location, status: opened.evaluation.status },
    };
  }
  const tags = plan.tagsLosingRelease.map((t) => t.tag);
  const drops = plan.changes.filter((c) => c.outcome !== 'removed' && c.threshold < c.previousThreshold);
  if ((tags.length > 0 || !impactIsHarmless(impact) || drops.length > 0) && !options.yes) {
    const lost = impact.lost.map((t) => t.tag);
    const question = [
      lost.length > 0
        ? `Removing ${what} from ${repo.gun} makes ${lost.length} tag(s) unpullable (their last valid signature goes): ${lost.join(', ')}.`
        : drops.length > 0
          ? `Removing ${what} from ${repo.gun} lowers how many signatures a release needs: ${drops.map((c) => `${c.role}: ${thresholdDrop(c)}`).join('; ')}.`
          : `Removing ${what} from ${repo.gun} changes what docker pulls with content trust.`,
      ...impactLines(impact).map((l) => `  ${l}`),
      'Continue?',
    ].join('\n');
    if (!(await ctx.confirm(question))) throw new CancelledError(`removal of ${what} cancelled: nothing was changed`);
  }
  for (const s of plan.skipped) ctx.warn(`${s.role} also uses ${what}, but this host cannot sign its parent ${s.parent}: left unchanged`);
  for (const c of plan.changes) {
    if (c.outcome === 'unverifiable' && c.role !== RELEASES_ROLE) {
      ctx.warn(`${c.role} will not verify until a holder of one of its remaining keys (${c.remainingKeyIds.map(shortKeyId).join(', ')}) signs it again`);
    }
  }
  const result = await publish(ctx, repo, editor);

  const after = new Map(result.state.view.delegations().map((d) => [d.role, d]));
  for (const c of plan.changes) {
    const now = after.get(c.role);
    if (c.outcome === 'removed' ? now !== undefined : c.outcome === 're-signed' && now?.state !== 'trusted') {
      throw new TrustError(`published, but ${c.role} is not as intended (${now?.problem ?? 'still listed'})`, { hint: checkSigners(repo.gun) });
    }
  }
  return {
    gun: repo.gun,
    server: repo.endpoint.url,
    removed,
    changes: diffRepository(repo.state!.view, result.state.view),
    skipped: plan.skipped,
    tagsNoLongerReleased: tagsNoLongerReleased(repo.state!.view, result.state.view),
    published: result.published,
  };
}

/**
 * `signer remove REPO NAME`: deletes `targets/NAME` and takes its keys out of `targets/releases`
 * (keys another signer uses stay). Never leaves releases unverifiable without --force; re-signs it
 * with a remaining key this host holds when the removed keys carried its signatures.
 */
export async function removeSigner(ctx: TrustContext, input: string, name: string, options: RemovalOptions = {}): Promise<RemovalResult> {
  checkSignerName(name, 'remove');
  if (!options.dryRun) await requireWritableDir(ctx.trustDir);
  const repo = await openRepository(ctx, input, { ...options, toPublish: true });
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  const plan = planRemoval(repo.state!.view, editor, await heldKeys(ctx), { signer: name });
  return carryOut(ctx, repo, editor, plan, `signer ${name}`, name, options);
}

/** The one canonical key ID `query` (a TUF or canonical ID, or a prefix of 7+ hex digits) names among the signers' keys. */
function findSignerKey(repo: OpenedRepository, query: string): string {
  if (!isKeyIdPrefix(query)) {
    throw new InputError(`"${query}" is not a key ID`, {
      hint: { cli: `give at least 7 hex digits of it (see trust-tui signer list ${repo.gun})`, ui: 'give at least 7 hex digits of it (see the Signers screen (3))' },
    });
  }
  const view = repo.state!.view;
  const matches = new Set(
    view
      .delegations()
      .flatMap((d) => d.keys)
      .filter((k) => k.id.startsWith(query) || k.canonicalId.startsWith(query))
      .map((k) => k.canonicalId),
  );
  if (matches.size > 1) throw new InputError(`key ID ${query} is ambiguous in ${repo.gun} (${[...matches].map(shortKeyId).join(', ')})`, { hint: 'give more digits' });
  const [id] = matches;
  if (id) return id;
  const admin = view.administrativeKeys();
  if ([...admin.root, ...admin.repository].some((k) => k.id.startsWith(query) || k.canonicalId.startsWith(query))) {
    throw new InputError(`key ${query} is a root or repository key of ${repo.gun}, not a signer's`, {
      hint: { cli: `replace it with trust-tui key rotate root|targets ${repo.gun}`, ui: 'it is replaced by rotating the key, not by removing it' },
    });
  }
  throw new InputError(`no signer of ${repo.gun} uses key ${query}`, { hint: checkSigners(repo.gun) });
}

/**
 * `signer remove-key REPO KEY`: takes the key out of every delegation of the repository (notary's
 * `delegation purge`, with the same safety as `signer remove`); a delegation left without keys goes.
 */
export async function removeSignerKey(ctx: TrustContext, input: string, keyId: string, options: RemovalOptions = {}): Promise<RemovalResult> {
  if (!options.dryRun) await requireWritableDir(ctx.trustDir);
  const repo = await openRepository(ctx, input, { ...options, toPublish: true });
  const id = findSignerKey(repo, keyId.toLowerCase());
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  const plan = planRemoval(repo.state!.view, editor, await heldKeys(ctx), { keyIds: [id] });
  if (plan.changes.length === 0) {
    const parents = [...new Set(plan.skipped.map((s) => s.parent))];
    throw new InputError(`key ${shortKeyId(id)} is only used by delegations whose parent (${parents.join(', ')}) this host cannot sign: nothing was changed`);
  }
  return carryOut(ctx, repo, editor, plan, `key ${shortKeyId(id)}`, id, options);
}

/** `signer list REPO`: every delegation with its keys, threshold, paths, state and the tags it signs. */
export async function listSigners(ctx: TrustContext, input: string, options: ServerOptions = {}): Promise<SignerListResult> {
  const repo = await openRepository(ctx, input, options);
  const { view, offline } = repo.state!;
  const byRole = view.targetsByRole();
  const signers = view
    .signers()
    .map((d): ListedSigner => ({
      name: signerName(d.role),
      role: d.role,
      keys: d.keys.map((k) => ({ id: k.canonicalId, keytype: k.keytype })),
      threshold: d.threshold,
      paths: d.paths,
      state: d.state,
      ...(d.problem ? { problem: d.problem } : {}),
      tags: [...new Set((byRole.get(d.role) ?? []).map((e) => e.name))].sort(naturalCompare),
    }))
    .sort((a, b) => naturalCompare(a.name, b.name));
  const signoff = releasesSignoff(view);
  const releases = signoff && { threshold: signoff.threshold, keys: signoff.keys, signed: signoff.signed, signers: signoff.bySigner };
  return { gun: repo.gun, server: repo.endpoint.url, offline, signers, ...(releases ? { releases } : {}) };
}

/** What `signer remove` (a signer) or `signer remove-key` (a key) would do, without changing anything. */
export async function previewRemoval(
  ctx: TrustContext,
  input: string,
  target: { signer: string } | { keyId: string },
  options: ServerOptions = {},
): Promise<{ gun: string; plan: RemovalPlan }> {
  const repo = await openRepository(ctx, input, options);
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  const removal = 'signer' in target ? { signer: target.signer } : { keyIds: [findSignerKey(repo, target.keyId.toLowerCase())] };
  if ('signer' in target) checkSignerName(target.signer, 'remove');
  return { gun: repo.gun, plan: planRemoval(repo.state!.view, editor, await heldKeys(ctx), removal) };
}

/** One sentence per role change, as a preview shows it. */
export function describeRoleChange(c: RoleChange): string {
  const lowered = c.outcome !== 'removed' && c.threshold < c.previousThreshold ? `; ${thresholdDrop(c)}` : '';
  return describeOutcome(c) + lowered;
}

/** A k-of-n role left with fewer keys than its threshold needs it lowered: said, never silent. */
export function thresholdDrop(c: RoleChange): string {
  return `its threshold drops from ${c.previousThreshold} to ${c.threshold} (${c.remainingKeyIds.length} key${c.remainingKeyIds.length === 1 ? '' : 's'} left)`;
}

function describeOutcome(c: RoleChange): string {
  const keys = c.removedKeyIds.map(shortKeyId).join(', ');
  switch (c.outcome) {
    case 'removed':
      return `${c.role} is deleted`;
    case 'still-valid':
      return `${keys} leaves ${c.role}; it still verifies`;
    case 're-signed':
      return `${keys} leaves ${c.role}; it is re-signed with a key this host holds`;
    case 'unverifiable':
      return `${keys} leaves ${c.role}; it will NOT verify until a holder of ${c.remainingKeyIds.map(shortKeyId).join(', ')} signs it again`;
    case 'was-unverifiable':
      return `${keys} leaves ${c.role} (it did not verify before either)`;
    case 'unsigned':
      return `${keys} leaves ${c.role} (never signed yet)`;
  }
}
