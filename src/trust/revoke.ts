// `revoke REPO:TAG` removes this host's signatures of a tag; `revoke REPO` deletes all trust data of a
// repository (on the server and in the local cache), after a confirmation that defaults to no.
import { parseReference } from '../registry/reference.js';
import { TrustCache } from '../notary/cache.js';
import { RepositoryEditor } from '../tuf/editor.js';
import { diffRepository, type PublishedRoleChange } from '../tuf/repository-diff.js';
import { RELEASE_ROLES } from '../tuf/repository-view.js';
import { GoTime } from '../tuf/time.js';
import { connect, type ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';
import { CancelledError, InputError } from './errors.js';
import { editableState, heldKeyIds, publish } from './publish.js';
import { requireWritableDir } from '../config/writable.js';
import { openRequest } from './requests/operations.js';
import { openRepository, type OpenedRepository } from './repository.js';
import { impactOf, type DockerfileInput, type Impact } from './impact.js';

/** What `revoke REPO:TAG` would do (the preview, the confirmation and the run use this one object). */
export interface RevokeTagPlan {
  gun: string;
  tag: string;
  /** Roles this host will remove the tag from. */
  roles: string[];
  /** Roles that keep holding the tag (this host holds none of their keys). */
  remaining: string[];
  /** Whether a release role (`targets`, `targets/releases`) keeps it: whether docker can still pull it. */
  staysReleased: boolean;
}

export interface RevokeTagResult {
  gun: string;
  tag: string;
  /** Roles that, read back and verified after publishing, no longer sign the tag. */
  roles: string[];
  /** Roles that still verifiably sign the tag. */
  remaining: string[];
  /** Whether the tag is still released (docker can still pull it with content trust). */
  released: boolean;
  /** Every role the publish changed (verified before/after difference). */
  changes: PublishedRoleChange[];
  /** Roles that need more signatures than this host holds: a signing request removes the tag there. */
  request?: { id: string; location: string; roles: string[]; status: string };
}

/** What `revoke REPO:TAG` would do, without changing anything. */
export async function planRevokeTag(ctx: TrustContext, input: string, options: ServerOptions = {}) {
  const reference = parseReference(input);
  if (reference.digest) throw new InputError('cannot use a digest reference for IMAGE:TAG');
  if (reference.tag === undefined) throw new InputError(`no tag specified for ${input}`);
  const tag = reference.tag;
  const repo = await openRepository(ctx, reference, { ...options, toPublish: true });
  const holding = repo.state!.view.rolesHolding(tag).map((t) => t.role);
  if (holding.length === 0) throw new InputError(`${tag} is not signed in ${repo.gun}: nothing to revoke`);
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  const roles: string[] = [];
  for (const role of holding) if ((await heldKeyIds(ctx, editor, role)).length > 0) roles.push(role);
  if (roles.length === 0) {
    throw new InputError(`this host holds no key of the roles that signed ${tag} (${holding.join(', ')}): ask one of their signers to revoke it`);
  }
  const remaining = holding.filter((r) => !roles.includes(r));
  const plan: RevokeTagPlan = { gun: repo.gun, tag, roles, remaining, staysReleased: remaining.some((r) => RELEASE_ROLES.includes(r)) };
  return { repo, editor, plan };
}

/** What `revoke REPO:TAG` would do to docker pull: the tag leaves every role this host can sign. */
export function revocationImpact(repo: OpenedRepository, plan: RevokeTagPlan, dockerfiles: readonly DockerfileInput[] = []): Impact {
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  // Roles that need more keys than this host holds lose the tag once their signing request lands.
  for (const role of plan.roles) editor.targets(role).removeTarget(plan.tag);
  return impactOf(repo.state!, editor, dockerfiles);
}

export interface RevokePreview extends RevokeTagPlan {
  dryRun: true;
  impact: Impact;
}

/** `revoke REPO:TAG --dry-run`: the plan and its impact; nothing is changed. */
export async function previewRevokeTag(ctx: TrustContext, input: string, options: ServerOptions & { dockerfiles?: readonly DockerfileInput[] } = {}): Promise<RevokePreview> {
  const { repo, plan } = await planRevokeTag(ctx, input, options);
  return { ...plan, dryRun: true, impact: revocationImpact(repo, plan, options.dockerfiles) };
}

export async function revokeTag(ctx: TrustContext, input: string, options: ServerOptions = {}): Promise<RevokeTagResult> {
  await requireWritableDir(ctx.trustDir);
  const { repo, editor, plan } = await planRevokeTag(ctx, input, options);
  return carryOutRevocation(ctx, repo, editor, plan);
}

/**
 * The roles this host can sign alone (published at once) and those needing more keys than it holds
 * (k-of-n: collected through a signing request).
 */
export async function splitBySigners(ctx: TrustContext, editor: RepositoryEditor, roles: readonly string[]): Promise<{ alone: string[]; collect: string[] }> {
  const alone: string[] = [];
  const collect: string[] = [];
  for (const role of roles) {
    const { keys, threshold } = editor.signingKeys(role);
    ((await heldKeyIds(ctx, editor, role)).length >= Math.min(threshold, keys.length) ? alone : collect).push(role);
  }
  return { alone, collect };
}

/** Publishes `plan` and reports what the server now serves (read back and verified). */
export async function carryOutRevocation(
  ctx: TrustContext,
  repo: OpenedRepository,
  editor: RepositoryEditor,
  plan: RevokeTagPlan,
): Promise<RevokeTagResult> {
  const { alone, collect } = await splitBySigners(ctx, editor, plan.roles);
  let state = repo.state!;
  if (alone.length > 0) {
    for (const role of alone) editor.targets(role).removeTarget(plan.tag);
    ({ state } = await publish(ctx, repo, editor));
  }
  let request: RevokeTagResult['request'];
  if (collect.length > 0) {
    const next = new RepositoryEditor(editableState(state), GoTime.now());
    for (const role of collect) next.targets(role).removeTarget(plan.tag);
    const opened = await openRequest(ctx, { ...repo, state }, next, collect, { note: `revoke ${plan.tag}` });
    request = { id: opened.request.id, location: opened.location, roles: collect, status: opened.evaluation.status };
  }
  const changes = diffRepository(repo.state!.view, state.view);
  const remaining = state.view.rolesHolding(plan.tag).map((e) => e.role);
  const roles = repo.state!.view
    .rolesHolding(plan.tag)
    .map((e) => e.role)
    .filter((r) => !remaining.includes(r));
  return { gun: repo.gun, tag: plan.tag, roles, remaining, released: state.view.tag(plan.tag).length > 0, changes, ...(request ? { request } : {}) };
}

export interface RevokeRepositoryResult {
  gun: string;
  server?: string;
  deletedRemote: boolean;
  deletedCache: boolean;
  /** --remote-only: whether this host had a copy, which it kept. */
  keptCache?: boolean;
}

export async function revokeRepository(
  ctx: TrustContext,
  input: string,
  options: ServerOptions & { yes?: boolean; localOnly?: boolean; remoteOnly?: boolean } = {},
): Promise<RevokeRepositoryResult> {
  const reference = parseReference(input);
  if (reference.tag || reference.digest) {
    throw new InputError(`${input} names a tag, not a repository`, {
      hint: { cli: 'revoke the tag with revoke REPO:TAG, or give the repository alone', ui: 'revoke the tag on the Tags screen (2)' },
    });
  }
  const gun = reference.gun;
  if (options.localOnly && options.remoteOnly) throw new InputError('--local-only and --remote-only exclude each other', { hint: 'give one, or neither to delete both' });
  if (!options.remoteOnly) await requireWritableDir(ctx.trustDir);
  const cache = new TrustCache(ctx.trustDir);
  const cached = (await cache.read(gun, 'root')) !== undefined;
  const what = options.localOnly
    ? `the local trust data of ${gun}`
    : options.remoteOnly
      ? `ALL trust data of ${gun} on its trust server (every signature, for every user; ${cached ? "this host's verified copy is kept" : 'this host has no copy of it'})`
      : `ALL trust data of ${gun} on its trust server and locally (every signature, for every user)`;
  if (!options.yes && !(await ctx.confirm(`Delete ${what}? Type y to confirm`))) {
    throw new CancelledError(`revoke of ${gun} cancelled: nothing was changed`);
  }
  let server: string | undefined;
  if (!options.localOnly) {
    const conn = await connect(ctx, reference, options);
    server = conn.endpoint.url;
    await conn.client.deleteRepository(gun);
  }
  // --remote-only keeps this host's verified copy: the source `migrate --from-cache` re-publishes.
  if (options.remoteOnly) return { gun, server, deletedRemote: true, deletedCache: false, keptCache: cached };
  const deletedCache = cached;
  await cache.removeRepository(gun);
  return { gun, ...(server ? { server } : {}), deletedRemote: !options.localOnly, deletedCache };
}
