// `revoke REPO:TAG` removes this host's signatures of a tag; `revoke REPO` deletes all trust data of a
// repository (on the server and in the local cache), after a confirmation that defaults to no.
import { parseReference } from '../registry/reference.js';
import { TrustCache } from '../notary/cache.js';
import { RepositoryEditor } from '../tuf/editor.js';
import { GoTime } from '../tuf/time.js';
import { connect, type ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';
import { CancelledError, InputError } from './errors.js';
import { editableState, heldKeyIds, publish } from './publish.js';
import { openRepository } from './repository.js';

export interface RevokeTagResult {
  gun: string;
  tag: string;
  roles: string[];
  /** Roles that still hold the tag (signed by keys this host does not hold). */
  remaining: string[];
}

/** What `revoke REPO:TAG` would do, without changing anything. */
export async function planRevokeTag(ctx: TrustContext, input: string, options: ServerOptions = {}) {
  const reference = parseReference(input);
  if (reference.digest) throw new InputError('cannot use a digest reference for IMAGE:TAG');
  if (reference.tag === undefined) throw new InputError(`no tag specified for ${input}`);
  const tag = reference.tag;
  const repo = await openRepository(ctx, reference, options);
  const holding = repo.state!.view.rolesHolding(tag).map((t) => t.role);
  if (holding.length === 0) throw new InputError(`${tag} is not signed in ${repo.gun}: nothing to revoke`);
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  const roles: string[] = [];
  for (const role of holding) if ((await heldKeyIds(ctx, editor, role)).length > 0) roles.push(role);
  if (roles.length === 0) {
    throw new InputError(`this host holds no key of the roles that signed ${tag} (${holding.join(', ')}): ask one of their signers to revoke it`);
  }
  const remaining = holding.filter((r) => !roles.includes(r));
  return { repo, editor, result: { gun: repo.gun, tag, roles, remaining } satisfies RevokeTagResult };
}

export async function revokeTag(ctx: TrustContext, input: string, options: ServerOptions = {}): Promise<RevokeTagResult> {
  const { repo, editor, result } = await planRevokeTag(ctx, input, options);
  for (const role of result.roles) editor.targets(role).removeTarget(result.tag);
  await publish(ctx, repo, editor);
  return result;
}

export interface RevokeRepositoryResult {
  gun: string;
  server?: string;
  deletedRemote: boolean;
  deletedCache: boolean;
}

export async function revokeRepository(
  ctx: TrustContext,
  input: string,
  options: ServerOptions & { yes?: boolean; localOnly?: boolean } = {},
): Promise<RevokeRepositoryResult> {
  const reference = parseReference(input);
  if (reference.tag || reference.digest) throw new InputError(`${input} names a tag: use revoke REPO:TAG, or give the repository alone`);
  const gun = reference.gun;
  const what = options.localOnly ? `the local trust data of ${gun}` : `ALL trust data of ${gun} on its trust server and locally (every signature, for every user)`;
  if (!options.yes && !(await ctx.confirm(`Delete ${what}? Type y to confirm`))) {
    throw new CancelledError(`revoke of ${gun} cancelled: nothing was changed`);
  }
  let server: string | undefined;
  if (!options.localOnly) {
    const conn = await connect(ctx, reference, options);
    server = conn.endpoint.url;
    await conn.client.deleteRepository(gun);
  }
  const cache = new TrustCache(ctx.trustDir);
  const deletedCache = (await cache.read(gun, 'root')) !== undefined;
  await cache.removeRepository(gun);
  return { gun, ...(server ? { server } : {}), deletedRemote: !options.localOnly, deletedCache };
}
