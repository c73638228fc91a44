// Where a repository's signing requests live: the pending area of its trust server when the server
// has one (trust-tui server answers `GET /v2/<gun>/_trust/requests/`; notary-server 0.7 answers
// 404), else request files in this trust directory. `--transport file|server` forces one. The
// repositories found to use a pending area are remembered here, so that `request list` (all
// repositories) and a bare request ID find their requests again.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../keys/atomic-write.js';
import { CONNECT_TIMEOUT_MS, Deadline } from '../../net/deadline.js';
import type { NotaryClient } from '../../notary/http-client.js';
import { connect, deadlineOf, type ServerOptions } from '../connect.js';
import type { TrustContext } from '../context.js';
import { InputError } from '../errors.js';
import { knownRepositories } from '../repositories.js';
import type { SigningRequest } from './format.js';
import { ServerRequestTransport } from './server-transport.js';
import { FileRequestTransport, type RequestTransport } from './transport.js';

export type TransportChoice = 'auto' | 'file' | 'server';

export const TRANSPORT_CHOICES: readonly TransportChoice[] = ['auto', 'file', 'server'];

export interface TransportOptions extends ServerOptions {
  /** A fixed transport (tests, callers that already chose). */
  transport?: RequestTransport;
  /** `--transport`: probe (default), files only, or the server's pending area only. */
  via?: TransportChoice;
}

const probes = new WeakMap<TrustContext, Map<string, Promise<RequestTransport>>>();

function rememberedFile(ctx: TrustContext): string {
  return path.join(ctx.trustDir, 'trust-tui', 'requests', 'pending-area-repositories.json');
}

/** Repositories whose requests this host found in a server's pending area. */
export async function rememberedServerRepositories(ctx: TrustContext): Promise<string[]> {
  try {
    const parsed = JSON.parse(await readFile(rememberedFile(ctx), 'utf8')) as { repositories?: unknown };
    return Array.isArray(parsed.repositories) ? parsed.repositories.filter((g): g is string => typeof g === 'string') : [];
  } catch {
    return [];
  }
}

async function remember(ctx: TrustContext, gun: string): Promise<void> {
  const known = await rememberedServerRepositories(ctx);
  if (known.includes(gun)) return;
  // Best effort: a read-only trust directory only loses the shortcut, never the request.
  const file = new FileRequestTransport(ctx.trustDir);
  await file.ensureRoot().catch(() => undefined);
  await writeFileAtomic(rememberedFile(ctx), `${JSON.stringify({ repositories: [...known, gun].sort() }, null, 2)}\n`, 0o600).catch((e: Error) =>
    ctx.debug(`could not remember that ${gun} keeps requests on its server: ${e.message}`),
  );
}

/**
 * Repositories whose pending areas to look in when no repository is named: those remembered, then
 * those this host knows (watched, cached) and the `config server` entries (a scope that is not a
 * repository simply has no requests).
 */
export async function candidateRepositories(ctx: TrustContext): Promise<{ gun: string; remembered: boolean }[]> {
  const remembered = await rememberedServerRepositories(ctx);
  const others = [...(await knownRepositories(ctx)), ...Object.keys(ctx.settings.data.servers)].filter((g) => !remembered.includes(g));
  return [...remembered.map((gun) => ({ gun, remembered: true })), ...[...new Set(others)].sort().map((gun) => ({ gun, remembered: false }))];
}

/**
 * The context for looking into the pending area of a repository the user did not name: its server
 * requests get a short budget of their own (never more than the command has left), so that one
 * server that hangs costs `request list` seconds, not the whole deadline of the command — which the
 * repositories that do answer still need.
 */
export function lookAroundContext(ctx: TrustContext): TrustContext {
  return { ...ctx, deadline: new Deadline(Math.min(CONNECT_TIMEOUT_MS, deadlineOf(ctx).remainingMs())) };
}

/**
 * The transport for `gun`'s requests: the server's pending area when it answers the probe, else
 * files. `client` reuses an open connection (the caller's repository).
 */
export function requestTransportFor(ctx: TrustContext, gun: string, options: TransportOptions = {}, client?: NotaryClient): Promise<RequestTransport> {
  if (options.transport) return Promise.resolve(options.transport);
  if (options.via === 'file') return Promise.resolve(new FileRequestTransport(ctx.trustDir));
  let perContext = probes.get(ctx);
  if (!perContext) probes.set(ctx, (perContext = new Map()));
  const key = `${options.via ?? 'auto'}\0${options.server ?? ''}\0${gun}`;
  let found = perContext.get(key);
  if (!found) {
    found = probe(ctx, gun, options, client);
    perContext.set(key, found);
    found.catch(() => perContext.delete(key));
  }
  return found;
}

async function probe(ctx: TrustContext, gun: string, options: TransportOptions, client?: NotaryClient): Promise<RequestTransport> {
  const server = client ?? (await connect(ctx, gun, options)).client;
  const listed = await server.listPendingRequests(gun);
  if (listed !== undefined) {
    ctx.debug(`signing requests of ${gun}: the pending area of ${server.baseUrl}`);
    await remember(ctx, gun);
    return new ServerRequestTransport(server, gun);
  }
  if (options.via === 'server') {
    throw new InputError(`the trust server at ${server.baseUrl} has no pending area (it answered 404, as notary-server does): requests for ${gun} can only be kept as files`, {
      hint: { cli: 'leave out --transport server', ui: 'requests for this repository are kept as files' },
    });
  }
  ctx.debug(`signing requests of ${gun}: files (${server.baseUrl} has no pending area)`);
  return new FileRequestTransport(ctx.trustDir);
}

/**
 * The transports to search for a request by ID: files, then the pending areas this host knows (or
 * `gun`'s). `lookingAround` marks those opened with a short budget (repositories nobody named).
 */
async function transportsToSearch(ctx: TrustContext, gun: string | undefined, options: TransportOptions): Promise<{ open: () => Promise<RequestTransport>; lookingAround?: boolean }[]> {
  if (options.transport) return [{ open: async () => options.transport! }];
  const out: { open: () => Promise<RequestTransport>; lookingAround?: boolean }[] = [];
  if (options.via !== 'server') out.push({ open: async () => new FileRequestTransport(ctx.trustDir) });
  if (options.via === 'file') return out;
  if (gun !== undefined) return [...out, { open: () => requestTransportFor(ctx, gun, options) }];
  for (const { gun: g } of await candidateRepositories(ctx)) out.push({ open: () => requestTransportFor(lookAroundContext(ctx), g, options), lookingAround: true });
  return out;
}

/** The request with this ID (or prefix) and the transport that holds it. */
export async function findRequest(
  ctx: TrustContext,
  id: string,
  gun: string | undefined,
  options: TransportOptions,
): Promise<{ request: SigningRequest; transport: RequestTransport } | undefined> {
  for (const { open, lookingAround } of await transportsToSearch(ctx, gun, options)) {
    let transport: RequestTransport;
    let request: SigningRequest | undefined;
    try {
      transport = await open();
      request = await transport.get(id);
    } catch (e) {
      // An unreachable server of another repository must not hide a request found elsewhere.
      if (!lookingAround) throw e;
      ctx.debug(`skipped a pending area while looking for request ${id}: ${(e as Error).message}`);
      continue;
    }
    if (!request || (gun !== undefined && request.gun !== gun)) continue;
    // Found with a short budget: what follows (approve, submit) works with the command's own.
    if (lookingAround && transport.kind === 'server') transport = await requestTransportFor(ctx, request.gun, options);
    return { request, transport };
  }
  return undefined;
}
