// Opening a repository: connect to its trust server and bring the verified view up to date (or fall
// back to the unexpired cache when the server is unreachable).
import { TrustCache } from '../notary/cache.js';
import { RepositoryNotInitialisedError } from '../notary/http-errors.js';
import { refresh, type RefreshResult } from '../notary/updater.js';
import type { ImageReference } from '../registry/reference.js';
import { trustPolicyFor } from './config.js';
import { connect, type Connection, type ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';

export interface OpenedRepository extends Connection {
  cache: TrustCache;
  /** Undefined when the repository does not exist on the server yet (`allowMissing`). */
  state?: RefreshResult;
}

export async function openRepository(
  ctx: TrustContext,
  input: string | ImageReference,
  options: ServerOptions & { allowMissing?: boolean; replacingRootKey?: boolean; toPublish?: boolean; tolerateExpiry?: boolean } = {},
): Promise<OpenedRepository> {
  const conn = await connect(ctx, input, options);
  const cache = new TrustCache(ctx.trustDir);
  try {
    const state = await refreshState(ctx, conn, cache, {
      replacingRootKey: options.replacingRootKey,
      toPublish: options.toPublish,
      tolerateExpiry: options.tolerateExpiry,
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
  options: { replacingRootKey?: boolean; toPublish?: boolean; tolerateExpiry?: boolean } = {},
): Promise<RefreshResult> {
  return refresh(conn.gun, {
    client: conn.client,
    cache,
    trustPolicy: trustPolicyFor(ctx.settings.data, conn.gun),
    onWarning: (message) => ctx.warn(message),
    ...(options.replacingRootKey ? { replacingRootKey: true } : {}),
    ...(options.toPublish ? { toPublish: true } : {}),
    ...(options.tolerateExpiry ? { tolerateExpiry: true } : {}),
  });
}
