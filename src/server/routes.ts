// notary-server 0.7's HTTP API (notary server/server.go, server/handlers/default.go): routes, auth scopes, response headers
// and error bodies. The behaviour behind each route lives in the NotaryService this module is given.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PublicKeyJson } from '../tuf/key.js';
import { ApiError, notFound } from '../notary/api-errors.js';
import type { Access, AuthResult, AuthTarget, Authenticator } from './auth.js';
import { acceptsGzip, COMPRESS_MIN_BYTES, GzipCache } from './compression.js';
import { isValidGun, isValidRole } from '../notary/names.js';
import type { RouteName, ServerMetrics } from './metrics.js';
import { loggedPath, requestIdOf, silentLog, type ServerLog } from './log.js';
import type { PendingArea } from './pending.js';
import { isStorageUnavailable, isStorageWriteFailure, type ChangeQuery, type ChangeRecord, type StoredMetadata } from './stores/storage.js';
import { PublishReceiver } from './receive-publish.js';
import { clientGone, readBody, whenClientGone } from './request-body.js';
import type { UploadedFile } from './upload.js';
import type { ValidationPool } from './validation-pool.js';
import type { WorkerCount } from './cluster-workers.js';

export type ServerKeyRole = 'timestamp' | 'snapshot';

/** What the routes need from the server's logic. Errors meant for the client are ApiErrors. */
export interface NotaryService {
  /** The current version (timestamp and snapshot renewed first when they are stale). */
  currentMetadata(gun: string, role: string): Promise<StoredMetadata | undefined>;
  metadataByChecksum(gun: string, role: string, sha256Hex: string): Promise<StoredMetadata | undefined>;
  metadataByVersion(gun: string, role: string, version: number): Promise<StoredMetadata | undefined>;
  /** The public key the server signs `role` with (or will, once a root lists it). */
  serverKey(gun: string, role: ServerKeyRole, client?: string): Promise<PublicKeyJson>;
  /** A new pending key for a rotation. */
  rotateServerKey(gun: string, role: ServerKeyRole, client?: string): Promise<PublicKeyJson>;
  update(gun: string, files: UploadedFile[]): Promise<void>;
  deleteRepository(gun: string): Promise<void>;
  changes(query: ChangeQuery): Promise<ChangeRecord[]>;
  healthy(): Promise<boolean>;
  /** Whether writes go through (readiness: false while the disk is full or the database fails). */
  ready(): Promise<boolean>;
}

export interface RouterOptions {
  service: NotaryService;
  auth: Authenticator;
  /** Largest accepted publish body, in bytes. */
  maxUploadBytes: number;
  /** Large publish bodies parsed and validated at once (others wait, a few at most, then 503). */
  maxConcurrentUploads?: number;
  /** The pending area (`/_trust/requests/`); without it those routes answer 404, as notary-server. */
  pending?: PendingArea;
  /** One line per request, and unexpected failures (answered with 500) with their stack. */
  log?: ServerLog;
  /** Counted for `GET /metrics`; without it that route answers 404. */
  metrics?: ServerMetrics;
  /** `/metrics` without credentials; by default it needs admin access, as the global changefeed. */
  metricsOpen?: boolean;
  /** Reads large publish bodies' files in worker threads (the service validates them there too). */
  validationPool?: ValidationPool;
  /** With --workers N: how many workers the group runs (health shows it). */
  workers?: () => Promise<WorkerCount | undefined>;
  /** True once the server drains before it stops: readiness answers 503, connections are not kept alive. */
  draining?: () => boolean;
}

/** How long one readiness probe answers for. */

/** notary-server has no limit; 100 MiB is far above any real update (10,000 tags are about 1.5 MB). */
export const MAX_UPLOAD_DEFAULT = 100 * 1024 * 1024;

// Cache-Control as notary-server's defaults: current metadata 300 s, consistent (by hash or version) 30 days.
const CACHE_CURRENT = 'public, max-age=300, s-maxage=300, must-revalidate';
const CACHE_CONSISTENT = 'public, max-age=2592000, s-maxage=2592000';

// notary's mux: the GUN is `[^*]+` (greedy), the role `root|targets(/[^/\s]+)*|snapshot|timestamp`.
const ROLE = 'root|targets(?:/[^/\\s]+)*|snapshot|timestamp';
const TUF = '^/v2/([^*]+)/_trust/tuf/';
const ROUTE = {
  ping: /^\/v2\/$/,
  health: /^\/_notary_server\/health$/,
  // Not in notary: readiness (health stays 200 while the process lives; this says whether writes work).
  ready: /^\/_notary_server\/ready$/,
  // Not in notary: Prometheus metrics.
  metrics: /^\/metrics$/,
  globalChanges: /^\/v2\/_trust\/changefeed$/,
  gunChanges: /^\/v2\/([^*]+)\/_trust\/changefeed$/,
  update: new RegExp(`${TUF}$`),
  byChecksum: new RegExp(`${TUF}(${ROLE})\\.([0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})\\.json$`),
  byVersion: new RegExp(`${TUF}([1-9][0-9]*)\\.(${ROLE})\\.json$`),
  current: new RegExp(`${TUF}(${ROLE})\\.json$`),
  key: new RegExp(`${TUF}(snapshot|timestamp)\\.key$`),
  // trust-tui's pending area: outside `/_trust/tuf/`, so TUF clients never read it.
  requests: /^\/v2\/([^*]+)\/_trust\/requests\/$/,
  request: /^\/v2\/([^*]+)\/_trust\/requests\/([0-9a-f]{8,64})$/,
  requestSignatures: /^\/v2\/([^*]+)\/_trust\/requests\/([0-9a-f]{8,64})\/signatures$/,
};

interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  user?: string;
  /** Set once the path matched a route (metrics). */
  route?: RouteName;
  requestId: string;
  /** The notary error code the request was answered with (log). */
  errorCode?: string;
}

type Handler = (ctx: RequestContext) => Promise<void>;

interface Match {
  /** The route's name for metrics (never the path: it holds the GUN). */
  name: RouteName;
  access: Access | 'authenticated' | 'none';
  gun?: string;
  /** Invalid GUNs: 404 on reads (as notary), INVALID_GUN on writes. */
  write?: boolean;
  run: Handler;
}

/** The request handler to give to http(s).createServer. */
export function createRouter(options: RouterOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { service, auth } = options;
  const log = options.log ?? silentLog;
  const publishReceiver = new PublishReceiver({
    maxUploadBytes: options.maxUploadBytes,
    maxConcurrentUploads: options.maxConcurrentUploads,
    offThread: options.validationPool,
  });
  const gzipCache = new GzipCache();

  const route = (method: string, path: string): Match | undefined => {
    let m: RegExpExecArray | null;
    if (method === 'GET' && ROUTE.ping.test(path)) return { name: 'ping', access: 'authenticated', run: ping };
    if (method === 'GET' && ROUTE.health.test(path)) return { name: 'health', access: 'none', run: health };
    if (method === 'GET' && ROUTE.ready.test(path)) return { name: 'ready', access: 'none', run: ready };
    if (method === 'GET' && options.metrics && ROUTE.metrics.test(path)) {
      return { name: 'metrics', access: options.metricsOpen ? 'none' : 'admin', run: sendMetrics };
    }
    if (method === 'GET' && ROUTE.globalChanges.test(path)) return { name: 'changefeed', access: 'admin', run: (c) => changefeed(c, undefined) };
    if (method === 'GET' && (m = ROUTE.gunChanges.exec(path))) {
      const gun = m[1]!;
      return { name: 'repository_changefeed', access: 'pull', gun, run: (c) => changefeed(c, gun) };
    }
    if ((m = ROUTE.update.exec(path))) {
      const gun = m[1]!;
      if (method === 'POST') return { name: 'publish', access: 'push', gun, write: true, run: (c) => update(c, gun) };
      if (method === 'DELETE') return { name: 'delete_repository', access: 'admin', gun, write: true, run: (c) => remove(c, gun) };
      return undefined;
    }
    if (method === 'GET' && (m = ROUTE.byChecksum.exec(path))) {
      const [, gun, role, hash] = m as unknown as [string, string, string, string];
      return { name: 'metadata_by_checksum', access: 'pull', gun, run: (c) => sendMetadata(c, role, () => lookupChecksum(gun, role, hash), CACHE_CONSISTENT) };
    }
    if (method === 'GET' && (m = ROUTE.byVersion.exec(path))) {
      const [, gun, version, role] = m as unknown as [string, string, string, string];
      return {
        name: 'metadata_by_version',
        access: 'pull',
        gun,
        run: (c) => sendMetadata(c, role, () => service.metadataByVersion(gun, role, Number(version)), CACHE_CONSISTENT),
      };
    }
    if (method === 'GET' && (m = ROUTE.current.exec(path))) {
      const [, gun, role] = m as unknown as [string, string, string];
      return { name: 'metadata', access: 'pull', gun, run: (c) => sendMetadata(c, role, () => service.currentMetadata(gun, role), CACHE_CURRENT) };
    }
    if ((m = ROUTE.key.exec(path))) {
      const gun = m[1]!;
      const role = m[2] as ServerKeyRole;
      // GET needs push+pull, POST (rotation) `*` — notary's scopes.
      if (method === 'GET') return { name: 'server_key', access: 'push', gun, run: (c) => sendKey(c, () => service.serverKey(gun, role, clientOf(c.req))) };
      if (method === 'POST') {
        return { name: 'rotate_server_key', access: 'admin', gun, write: true, run: (c) => sendKey(c, () => service.rotateServerKey(gun, role, clientOf(c.req))) };
      }
    }
    if (options.pending) return pendingRoute(options.pending, method, path);
    return undefined;
  };

  // Every pending route needs push: requests reveal tags that are not released yet.
  const pendingRoute = (pending: PendingArea, method: string, path: string): Match | undefined => {
    let m: RegExpExecArray | null;
    if ((m = ROUTE.requests.exec(path))) {
      const gun = m[1]!;
      if (method === 'GET') return { name: 'requests', access: 'push', gun, run: async (c) => sendJson(c, 200, { requests: await pending.list(gun) }) };
      if (method === 'POST') {
        return { name: 'requests', access: 'push', gun, write: true, run: async (c) => sendJson(c, 201, await pending.stage(gun, await readRequestBody(c.req, pending))) };
      }
      return undefined;
    }
    if ((m = ROUTE.request.exec(path))) {
      const [, gun, id] = m as unknown as [string, string, string];
      if (method === 'GET') return { name: 'request', access: 'push', gun, run: async (c) => sendJson(c, 200, await pending.get(gun, id)) };
      if (method === 'DELETE') {
        return {
          name: 'request',
          access: 'push',
          gun,
          write: true,
          run: async (c) => {
            await pending.cancel(gun, id);
            sendJson(c, 200, {});
          },
        };
      }
      return undefined;
    }
    if (method === 'POST' && (m = ROUTE.requestSignatures.exec(path))) {
      const [, gun, id] = m as unknown as [string, string, string];
      return { name: 'request_signatures', access: 'push', gun, write: true, run: async (c) => sendJson(c, 200, await pending.addSignatures(gun, id, await readRequestBody(c.req, pending))) };
    }
    return undefined;
  };

  const readRequestBody = (req: IncomingMessage, pending: PendingArea) => {
    const limit = pending.limits.maxRequestBytes;
    const tooLarge = () => new ApiError('REQUEST_TOO_LARGE', `the body is larger than this server's limit of ${limit} bytes per signing request (--max-request-mb)`);
    return Promise.race([readBody(req, limit, tooLarge), whenClientGone(req)]);
  };

  function sendJson(c: RequestContext, status: number, value: unknown) {
    c.res.setHeader('Cache-Control', 'no-store');
    send(c.res, status, 'application/json; charset=utf-8', JSON.stringify(value));
  }

  const lookupChecksum = (gun: string, role: string, hash: string) =>
    // Only sha256 is indexed (as in notary's stores); other digest lengths are simply not found.
    hash.length === 64 ? service.metadataByChecksum(gun, role, hash) : Promise.resolve(undefined);

  async function ping(c: RequestContext) {
    send(c.res, 200, 'text/plain; charset=utf-8', '{}');
  }

  async function health(c: RequestContext) {
    // Notary's body is `{}`; a server group adds its worker count, short of --workers when a worker
    // stopped and could not be restarted (the workers left still serve: health stays 200).
    const [healthy, workers] = await Promise.all([service.healthy(), options.workers?.()]);
    if (healthy) send(c.res, 200, 'application/json; charset=utf-8', JSON.stringify(workers ? { workers } : {}));
    else sendError(c.res, new ApiError('UNKNOWN', { storage: 'unavailable' }), 503);
  }

  // The store limits how often it probes a write; a write failure shows at once.
  async function ready(c: RequestContext) {
    if (options.draining?.()) {
      c.errorCode = 'SHUTTING_DOWN';
      sendError(c.res, new ApiError('SHUTTING_DOWN', { server: 'finishing its requests before it stops' }));
    } else if (await service.ready()) send(c.res, 200, 'application/json; charset=utf-8', '{}');
    else {
      c.errorCode = 'UPDATING';
      sendError(c.res, new ApiError('UPDATING', { storage: 'writes are failing' }), 503);
    }
  }

  async function sendMetrics(c: RequestContext) {
    c.res.setHeader('Cache-Control', 'no-store');
    send(c.res, 200, options.metrics!.contentType, await options.metrics!.text());
  }

  async function sendMetadata(c: RequestContext, role: string, load: () => Promise<StoredMetadata | undefined>, cache: string) {
    if (!isValidRole(role)) throw notFound();
    const meta = await load();
    if (!meta) throw notFound();
    c.res.setHeader('Cache-Control', cache);
    c.res.setHeader('Last-Modified', rfc1123(meta.createdAt));
    let body = meta.data;
    if (body.length >= COMPRESS_MIN_BYTES) {
      c.res.setHeader('Vary', 'Accept-Encoding');
      if (acceptsGzip(c.req.headers['accept-encoding'])) {
        body = await gzipCache.get(meta.sha256, meta.data);
        c.res.setHeader('Content-Encoding', 'gzip');
      }
    }
    send(c.res, 200, 'text/plain; charset=utf-8', body);
  }

  async function sendKey(c: RequestContext, load: () => Promise<PublicKeyJson>) {
    const key = await load();
    // Go's stdlib field order (not canonical): keytype, keyval{public, private}.
    const body = JSON.stringify({ keytype: key.keytype, keyval: { public: key.keyval.public, private: null } });
    send(c.res, 200, 'text/plain; charset=utf-8', body);
  }

  async function update(c: RequestContext, gun: string) {
    try {
      await receiveUpdate(c, gun);
    } catch (e) {
      // A client that hung up was not refused: only answered rejections count.
      if (!clientGone(c.req, e)) options.metrics?.publishRejected(errorCode(e));
      throw e;
    }
  }

  async function receiveUpdate(c: RequestContext, gun: string) {
    // The body is received within the upload gate's turn, and validated and stored within it too.
    await publishReceiver.receive(c.req, c.res, async (files) => {
      await service.update(gun, files);
      options.metrics?.publishAccepted();
      send(c.res, 200, undefined, '');
    });
  }

  async function remove(c: RequestContext, gun: string) {
    await service.deleteRepository(gun);
    send(c.res, 200, undefined, '');
  }

  async function changefeed(c: RequestContext, gun: string | undefined) {
    const query = parseChangeQuery(c.query, gun);
    const records = await service.changes(query);
    const body = {
      count: records.length,
      // Go marshals an empty slice from the store as null.
      records: records.length
        ? records.map((r) => ({
            ID: r.id,
            CreatedAt: r.createdAt.toISOString(),
            GUN: r.gun,
            Version: r.version,
            SHA256: r.sha256,
            Category: r.category,
          }))
        : null,
    };
    send(c.res, 200, 'text/plain; charset=utf-8', JSON.stringify(body));
  }

  return (req, res) => {
    const started = process.hrtime.bigint();
    const remote = req.socket.remoteAddress ?? '-'; // read now: the socket may be gone at 'finish'
    const ctx: RequestContext = { req, res, query: new URLSearchParams(), requestId: requestIdOf(req.headers['x-request-id']) };
    res.setHeader('X-Request-Id', ctx.requestId);
    // While draining, a request that arrives on a kept-alive connection is served, then the connection closes.
    if (options.draining?.()) res.shouldKeepAlive = false;
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      options.metrics?.request(ctx.route ?? 'unmatched', req.method ?? 'GET', res.statusCode, ms / 1000);
      log.request({
        requestId: ctx.requestId,
        remote,
        user: ctx.user,
        method: req.method ?? 'GET',
        path: loggedPath(req.url),
        route: ctx.route ?? 'unmatched',
        status: res.statusCode,
        bytes: Number(res.getHeader('Content-Length') ?? 0),
        durationMs: ms,
        ...(ctx.errorCode ? { errorCode: ctx.errorCode } : {}),
      });
    });
    handle(ctx).catch((e: unknown) => {
      // handle() answers every error itself; this is only reached if writing the answer failed.
      res.destroy(e instanceof Error ? e : undefined);
    });
  };

  async function handle(ctx: RequestContext): Promise<void> {
    const { req, res } = ctx;
    try {
      // Not `new URL()`: it would resolve `..` and `%2e%2e` segments before the GUN check sees them.
      const raw = req.url ?? '/';
      const queryStart = raw.indexOf('?');
      ctx.query = new URLSearchParams(queryStart < 0 ? '' : raw.slice(queryStart + 1));
      let path: string;
      try {
        path = decodeURIComponent(queryStart < 0 ? raw : raw.slice(0, queryStart));
      } catch {
        throw notFound(false);
      }
      const match = route(req.method ?? 'GET', path);
      if (!match) throw notFound(false);
      ctx.route = match.name;
      if (match.gun !== undefined && !isValidGun(match.gun)) {
        throw match.write ? new ApiError('INVALID_GUN', match.gun) : notFound();
      }
      if (match.access !== 'none') {
        const access = match.access === 'authenticated' ? 'pull' : match.access;
        const target: AuthTarget =
          match.gun !== undefined ? { kind: 'repository', gun: match.gun } : match.access === 'authenticated' ? { kind: 'ping' } : { kind: 'server' };
        const result = await auth.authorize(req.headers.authorization, access, req.socket.remoteAddress ?? '-', target);
        if (!result.ok) {
          ctx.errorCode = refuse(res, result, match);
          return;
        }
        ctx.user = result.user;
      }
      await match.run(ctx);
    } catch (e) {
      if (clientGone(req, e)) {
        // Nothing to answer: one line, no stack (the client hung up mid-body; not a server fault).
        log.info('client disconnected before the request was complete', {
          remote: req.socket.remoteAddress ?? '-',
          method: req.method,
          path: loggedPath(req.url),
          request_id: ctx.requestId,
        });
        res.destroy();
        return;
      }
      if (isStorageWriteFailure(e) || isStorageUnavailable(e)) {
        options.metrics?.storageError();
        const what = isStorageUnavailable(e) ? 'unavailable' : 'write failed';
        log.error(`storage ${what}: ${e instanceof Error ? e.message : String(e)} (${(e as { code?: string }).code})`, { code: 'UPDATING', request_id: ctx.requestId });
        ctx.errorCode = 'UPDATING';
        sendError(res, new ApiError('UPDATING'));
        return;
      }
      const answer = e instanceof ApiError ? e : internalError(e, log, ctx.requestId);
      ctx.errorCode = answer.code;
      sendError(res, answer);
    }
  }
}

/** The notary error code a failed request is answered with (as handle() decides it). */
function errorCode(e: unknown): string {
  if (e instanceof ApiError) return e.code;
  return isStorageWriteFailure(e) || isStorageUnavailable(e) ? 'UPDATING' : 'UNKNOWN';
}

/** Who to count a request against for per-client limits: its remote address. */
function clientOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '-';
}

function parseChangeQuery(query: URLSearchParams, gun: string | undefined): ChangeQuery {
  const recordsText = query.get('records') ?? '';
  if (!/^[+-]?\d+$/.test(recordsText)) {
    throw new ApiError(
      'INVALID_PARAMETERS',
      `invalid records parameter: strconv.ParseInt: parsing ${JSON.stringify(recordsText)}: invalid syntax`,
    );
  }
  const changeText = query.get('change_id') ?? '0';
  if (!/^[+-]?\d+$/.test(changeText || '0')) throw new ApiError('INVALID_PARAMETERS');
  let records = Number(recordsText);
  const changeId = Number(changeText || '0');
  // Notary: a negative records count or change_id pages backwards; 0 records means the default 100.
  const reverse = records < 0 || changeId < 0;
  records = Math.min(Math.abs(records) || 100, 1000);
  return { gun, changeId: Math.max(changeId, 0), records, reverse };
}

/** Answers a refused authorisation; returns the notary error code sent. */
function refuse(res: ServerResponse, result: Extract<AuthResult, { ok: false }>, match: Match): string {
  if (result.status === 429) {
    res.setHeader('Retry-After', '1');
    sendError(res, new ApiError('TOO_MANY_PASSWORD_CHECKS', {}));
    return 'TOO_MANY_PASSWORD_CHECKS';
  }
  if (result.challenge) res.setHeader('WWW-Authenticate', result.challenge);
  const access = match.access === 'admin' ? '*' : match.access === 'push' ? 'push' : 'pull';
  const detail = match.gun === undefined ? {} : [{ Type: 'repository', Name: match.gun, Action: access }];
  const error = new ApiError(result.status === 403 ? 'DENIED' : 'UNAUTHORIZED', detail);
  sendError(res, error);
  return error.code;
}

function sendError(res: ServerResponse, error: ApiError, status = error.status): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error.code === 'UPLOAD_TOO_LARGE' || error.code === 'REQUEST_TOO_LARGE' || error.code === 'UPLOADS_BUSY') res.setHeader('Connection', 'close'); // do not read the rest
  send(res, status, 'application/json; charset=utf-8', error.body());
}

function send(res: ServerResponse, status: number, contentType: string | undefined, body: string | Buffer): void {
  const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.statusCode = status;
  if (contentType) res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', data.length);
  if (data.length === 0) res.end();
  else res.end(data);
}

function internalError(e: unknown, log: ServerLog, requestId: string): ApiError {
  const stack = e instanceof Error ? (e.stack ?? e.message) : String(e);
  // Text: the stack is the message (as before); JSON: one line with the stack as a field.
  if (log.format === 'text') log.error(`internal error: ${stack}`);
  else log.error('internal error', { code: 'UNKNOWN', request_id: requestId, error: e instanceof Error ? e.message : String(e), stack });
  return new ApiError('UNKNOWN', {});
}

/** Go's time.RFC1123 in UTC, as notary's Last-Modified: `Wed, 25 Nov 2026 16:25:55 UTC`. */
function rfc1123(date: Date): string {
  return date.toUTCString().replace(/GMT$/, 'UTC');
}
