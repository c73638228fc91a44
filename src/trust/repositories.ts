// The repositories this host knows: watched in settings, and every repository in the local trust
// cache (docker's and notary's too, since they share it). Each is refreshed from its server (or read
// from the unexpired cache when the server is down) to count tags and signers and find the earliest
// expiry.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { connect, type ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';
import { openRepository } from './repository.js';
import { expiryState, type ExpiryState } from '../tuf/expiry.js';
import { hintOf } from '../tuf/errors.js';
import { GoTime } from '../tuf/time.js';

export interface RepositorySummary {
  gun: string;
  source: 'watched' | 'cache' | 'changefeed';
  state: 'online' | 'offline' | 'unavailable';
  tagCount: number;
  signerCount: number;
  earliestExpiry?: string;
  /** notary's rule for that expiry (src/tuf/expiry.ts), the one `info` uses too. */
  expiryState?: ExpiryState;
  problem?: string;
}

/** GUNs with a cached root under `<trustDir>/tuf/` (GUNs contain slashes: walk down to metadata/). */
export async function cachedRepositories(trustDir: string): Promise<string[]> {
  const base = path.join(trustDir, 'tuf');
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 8) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const full = path.join(dir, e.name);
      if (e.name === 'metadata') {
        if (await stat(path.join(full, 'root.json')).catch(() => undefined)) found.push(path.relative(base, dir).split(path.sep).join('/'));
      } else if (e.name !== 'changelist') {
        await walk(full, depth + 1);
      }
    }
  };
  await walk(base, 0);
  return found.sort();
}

/** Runs `work` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Every repository this host knows: watched in settings, and those in the local trust cache. */
export async function knownRepositories(ctx: TrustContext): Promise<string[]> {
  return [...new Set([...ctx.settings.data.watched, ...(await cachedRepositories(ctx.trustDir))])].sort();
}

/**
 * Repositories the configured servers report in their change feeds (`config server` scopes), limited
 * to each scope. A server that cannot be asked is skipped: the feed only adds to what is known.
 */
export async function changefeedRepositories(ctx: TrustContext): Promise<string[]> {
  const found = new Set<string>();
  await Promise.all(
    Object.keys(ctx.settings.data.servers).map(async (scope) => {
      const prefix = scope.endsWith('*') ? scope.slice(0, -1) : undefined;
      try {
        // Any name inside the scope selects that scope's server, TLS material and credentials.
        const { client } = await connect(ctx, prefix !== undefined ? `${prefix.replace(/\/$/, '')}/changefeed` : scope);
        for (const gun of await client.changedRepositories()) {
          if (prefix !== undefined ? gun.startsWith(prefix) : gun === scope) found.add(gun);
        }
      } catch (e) {
        ctx.debug(`changefeed of ${scope}: ${(e as Error).message}`);
      }
    }),
  );
  return [...found].sort();
}

export async function listRepositories(ctx: TrustContext, options: ServerOptions & { changefeed?: boolean } = {}): Promise<RepositorySummary[]> {
  const watched = ctx.settings.data.watched;
  const known = await knownRepositories(ctx);
  const fromFeed = options.changefeed === false ? [] : (await changefeedRepositories(ctx)).filter((g) => !known.includes(g));
  const all = [...known, ...fromFeed].sort();
  return mapLimited(all, 4, async (gun): Promise<RepositorySummary> => {
    const source = watched.includes(gun) ? 'watched' : fromFeed.includes(gun) ? 'changefeed' : 'cache';
    try {
      const repo = await openRepository(ctx, gun, options);
      const { view, offline } = repo.state!;
      // The timestamp is renewed by the server every 14 days: its expiry says nothing to act on.
      const expiries = [
        ...view.expiries().filter((e) => e.role !== 'timestamp').map((e) => e.expires),
        // A root certificate that runs out makes the repository unreadable just as root.json's expiry does.
        ...view.rootCertificates().map((c) => GoTime.fromDate(c.notAfter)),
      ];
      const earliest = expiries.sort((a, b) => a.compare(b))[0];
      return {
        gun,
        source,
        state: offline ? 'offline' : 'online',
        tagCount: view.releasedTags().length,
        signerCount: view.signers().length,
        ...(earliest !== undefined ? { earliestExpiry: new Date(earliest.epochMs).toISOString(), expiryState: expiryState(earliest) } : {}),
      };
    } catch (e) {
      const hint = hintOf(e, 'ui');
      const problem = `${(e as Error).message.split('\n')[0]}${hint ? `; ${hint}` : ''}`;
      return { gun, source, state: 'unavailable', tagCount: 0, signerCount: 0, problem };
    }
  });
}
