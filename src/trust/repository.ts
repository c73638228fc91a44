// Opening a repository: connect to its trust server and bring the verified view up to date (or fall
// back to the unexpired cache when the server is unreachable).
import { TrustCache } from '../notary/cache.js';
import { RepositoryNotInitialisedError } from '../notary/http-errors.js';
import { refresh, type RefreshOptions, type RefreshResult, type TrustPolicy } from '../notary/updater.js';
import type { ImageReference } from '../registry/reference.js';
import { trustPolicyFor } from './config.js';
import { connect, type Connection, type ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';

/** The root keys that anchor a first contact with a repository (a signing policy's pin), by GUN. */
export type RootAnchorOf = (gun: string) => TrustPolicy['rootAnchor'];

export interface OpenedRepository extends Connection {
  cache: TrustCache;
  /** Undefined when the repository does not exist on the server yet (`allowMissing`). */
  state?: RefreshResult;
}

export async function openRepository(
  ctx: TrustContext,
  input: string | ImageReference,
  options: ServerOptions & {
    allowMissing?: boolean;
    replacingRootKey?: boolean;
    toPublish?: boolean;
    tolerateExpiry?: boolean;
    rootAnchor?: RootAnchorOf;
    onRoleVerified?: RefreshOptions['onRoleVerified'];
  } = {},
): Promise<OpenedRepository> {
  const conn = await connect(ctx, input, options);
  const cache = new TrustCache(ctx.trustDir);
  try {
    const rootAnchor = options.rootAnchor?.(conn.gun);
    const state = await refreshState(ctx, conn, cache, {
      replacingRootKey: options.replacingRootKey,
      toPublish: options.toPublish,
      tolerateExpiry: options.tolerateExpiry,
      ...(rootAnchor ? { rootAnchor } : {}),
      ...(options.onRoleVerified ? { onRoleVerified: options.onRoleVerified } : {}),
    });
    return { ...conn, cache, state };
  } catch (e) {
    if (options.allowMissing && e instanceof RepositoryNotInitialisedError) return { ...conn, cache };
    throw e;
  }
}

export function refreshState(
  ctx: TrustContext,
  conn: Connection,
  cache: TrustCache,
  options: {
    replacingRootKey?: boolean;
    toPublish?: boolean;
    tolerateExpiry?: boolean;
    rootAnchor?: TrustPolicy['rootAnchor'];
    onRoleVerified?: RefreshOptions['onRoleVerified'];
  } = {},
): Promise<RefreshResult> {
  return refresh(conn.gun, {
    client: conn.client,
    cache,
    trustPolicy: { ...trustPolicyFor(ctx.settings.data, conn.gun), ...(options.rootAnchor ? { rootAnchor: options.rootAnchor } : {}) },
    onWarning: (message) => ctx.warn(message),
    ...(options.replacingRootKey ? { replacingRootKey: true } : {}),
    ...(options.toPublish ? { toPublish: true } : {}),
    ...(options.tolerateExpiry ? { tolerateExpiry: true } : {}),
    ...(options.onRoleVerified ? { onRoleVerified: options.onRoleVerified } : {}),
  });
}
