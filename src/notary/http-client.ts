// Client of notary-server 0.7's HTTP API (notary storage/httpstore.go): metadata GET by name,
// checksum or version; multipart publish; server key GET and rotation POST; repository DELETE.
// The server URL, TLS material and credentials are chosen by the caller (src/notary/endpoint, H7)
// and injected here; this module never reads docker's configuration itself.
import type { HintInput } from '../tuf/errors.js';
import { PublicKey } from '../tuf/key.js';
import { DEFAULT_TUF_LIMITS } from '../tuf/limits.js';
import type { Authorize, ScopeActions } from './auth-challenge.js';
import { AuthSession } from './auth-session.js';
import {
  BadResponseError,
  DownloadTooLargeError,
  MetadataNotFoundError,
  NotaryHttpError,
  PendingAreaRefusedError,
  RepositoryNotInitialisedError,
  ServerTimeoutError,
  ServerUnreachableError,
  TlsTrustError,
  UnauthorizedError,
  UnexpectedStatusError,
  UpdateRejectedError,
} from './http-errors.js';
import type { Deadline } from '../net/deadline.js';
import { tlsAdvice, tlsHint } from '../net/tls-failure.js';
import { encodeMultipart, type MetadataFile } from './multipart.js';
import {
  BodyTooLargeError,
  nodeTransport,
  type AgentPool,
  RequestTimeoutError,
  type TlsMaterial,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from './transport.js';

export type { MetadataFile } from './multipart.js';
export type { TlsMaterial, Transport } from './transport.js';

/** notary's `notary.MaxTimestampSize`: the client never reads more than 1 MiB of timestamp. */
export const MAX_TIMESTAMP_BYTES = DEFAULT_TUF_LIMITS.maxTimestampBytes;
/** Cap for downloads whose length no trusted metadata states yet (root, first fetches). */
export const MAX_UNKNOWN_METADATA_BYTES = DEFAULT_TUF_LIMITS.maxRootBytes;
/** Cap for answers that are not metadata (ping, keys, error bodies). */
const MAX_SMALL_BODY_BYTES = 64 << 10;
/** Caps for the pending area's answers: one request (a server's default limit is 8 MiB), a list of them. */
const MAX_PENDING_REQUEST_BYTES = 32 << 20;
const MAX_PENDING_LIST_BYTES = 256 << 20;

function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export interface NotaryClientOptions {
  /** `https://notary.example.com[:port]` (a path prefix is kept). */
  baseUrl: string;
  tls?: TlsMaterial;
  /** Follows a Bearer/Basic challenge from the server; without it, 401 is final. */
  authorize?: Authorize;
  /** Shown in 401 messages, e.g. `docker login registry.example.com`. */
  loginHint?: string;
  /**
   * Shown when the server's certificate does not chain to a trusted CA: which CA was trusted, or where
   * one could be put (connect.ts words it). Dates and host names get their own advice (net/tls-failure.ts).
   */
  caHint?: HintInput;
  /** Shown when the server does not answer, instead of the advice to choose another (connect.ts words it). */
  unreachableHint?: HintInput;
  /** The command's deadline (default: none; each request may take 30 s). */
  deadline?: Deadline;
  connectTimeoutMs?: number;
  userAgent?: string;
  /** Connections shared with other clients of the same command (see AgentPool). */
  agents?: AgentPool;
  /** Replaces the node:https transport (tests). */
  transport?: Transport;
}

export type ServerKeyRole = 'timestamp' | 'snapshot';

interface RequestSpec {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path below the base URL, starting with `/`. */
  path: string;
  /** undefined: no authorisation needed (the ping). */
  scope?: { gun: string; actions: ScopeActions };
  maxBytes: number;
  body?: Buffer;
  contentType?: string;
  /** `GET timestamp.json for example.com/app`, used in messages. */
  what: string;
  signal?: AbortSignal;
  onSent?: () => void;
}

/** How a caller follows one exchange: giving up on it, and knowing when it is on the wire. */
export type ExchangeHooks = Pick<TransportRequest, 'signal' | 'onSent'>;

/** Encodes a GUN for the URL path: its slashes (and a registry's `:port`) stay as they are. */
function gunPath(gun: string): string {
  return gun
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%3A/gi, ':'))
    .join('/');
}

const TLS_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL|EPROTO|HOSTNAME_MISMATCH/;

/** One line for notary-server's errcode body, e.g. `ErrBadTargets: valid signatures did not meet threshold`. */
export function describeErrorBody(body: Buffer): { code: string; reason: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const first = (parsed as { errors?: unknown })?.errors;
  if (!Array.isArray(first) || first.length === 0) return undefined;
  const { code, message, detail } = first[0] as { code?: unknown; message?: unknown; detail?: unknown };
  if (typeof code !== 'string') return undefined;
  const d = (typeof detail === 'object' && detail !== null ? detail : {}) as {
    Name?: unknown;
    Error?: { Msg?: unknown };
  };
  if (code === 'INVALID_UPDATE' && typeof d.Name === 'string') {
    const msg = typeof d.Error?.Msg === 'string' ? d.Error.Msg : String(message ?? '');
    return { code, reason: `${d.Name}: ${msg}` };
  }
  if (code === 'VERSION') {
    return { code, reason: 'VERSION: the server already has this version or a newer one (someone published meanwhile); refresh and retry' };
  }
  const extra = typeof detail === 'string' && detail ? ` (${detail})` : '';
  return { code, reason: `${code}: ${typeof message === 'string' ? message : 'no message'}${extra}` };
}

export class NotaryClient {
  readonly baseUrl: string;
  readonly #transport: Transport;
  readonly #auth: AuthSession;
  readonly #loginHint: string;
  readonly #caHint: HintInput;
  readonly #unreachableHint: HintInput | undefined;
  readonly #tls: TlsMaterial;

  constructor(options: NotaryClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const host = new URL(this.baseUrl).host;
    // The challenges learnt by the command's other clients (AgentPool.pings), when it shares connections.
    this.#auth = new AuthSession(
      this.baseUrl,
      () => this.#send({ method: 'GET', path: '/v2/', maxBytes: MAX_SMALL_BODY_BYTES, what: 'ping' }, undefined),
      options.authorize,
      options.agents?.pings,
    );
    this.#loginHint = options.loginHint ?? 'docker login';
    this.#unreachableHint = options.unreachableHint;
    this.#tls = options.tls ?? {};
    this.#caHint = options.caHint ?? {
      cli: `pass --tlscacert or put the CA in $DOCKER_CONFIG/tls/${host}/`,
      ui: `put the server's CA in $DOCKER_CONFIG/tls/${host}/, or set it for this server on the Config screen (5)`,
    };
    this.#transport =
      options.transport ??
      nodeTransport({
        tls: options.tls,
        ...(options.agents ? { agents: options.agents } : {}),
        timing: { ...(options.deadline ? { deadline: options.deadline } : {}), connectTimeoutMs: options.connectTimeoutMs },
        userAgent: options.userAgent ?? 'trust-tui',
      });
  }

  // ------------------------------------------------------------------ metadata

  /**
   * `GET <role>.json`: the current version. A 404 on root means the repository does not exist.
   * `hooks.signal` gives up on the answer (the request is aborted); `hooks.onSent` is told when the
   * request has been sent.
   */
  getMetadata(gun: string, role: string, maxBytes = defaultLimit(role), hooks: ExchangeHooks = {}): Promise<Buffer> {
    return this.#getMetadataFile(gun, role, `${role}.json`, maxBytes, hooks);
  }

  /** `GET <role>.<sha256hex>.json`: the file whose sha256 the snapshot or timestamp names. */
  getMetadataByChecksum(gun: string, role: string, sha256Hex: string, maxBytes: number): Promise<Buffer> {
    if (!/^[0-9a-f]{64}$/.test(sha256Hex)) throw new TypeError(`not a sha256 hex digest: ${sha256Hex}`);
    return this.#getMetadataFile(gun, role, `${role}.${sha256Hex}.json`, maxBytes);
  }

  /** `GET <version>.<role>.json`: used to walk the root rotation chain. */
  getMetadataByVersion(gun: string, role: string, version: number, maxBytes = defaultLimit(role)): Promise<Buffer> {
    if (!Number.isSafeInteger(version) || version < 1) throw new TypeError(`not a metadata version: ${version}`);
    return this.#getMetadataFile(gun, role, `${version}.${role}.json`, maxBytes);
  }

  async #getMetadataFile(gun: string, role: string, file: string, maxBytes: number, hooks: ExchangeHooks = {}): Promise<Buffer> {
    const res = await this.#request({
      method: 'GET',
      path: `/v2/${gunPath(gun)}/_trust/tuf/${file}`,
      scope: { gun, actions: 'pull' },
      maxBytes,
      what: `GET ${file} for ${gun}`,
      ...hooks,
    });
    if (res.status === 200) return res.body;
    if (res.status === 404) {
      // notary: a 404 on root.json is the sign of an uninitialised repository.
      throw file === 'root.json'
        ? new RepositoryNotInitialisedError(this.baseUrl, gun)
        : new MetadataNotFoundError(this.baseUrl, gun, role);
    }
    throw this.#statusError(res, `GET ${file} for ${gun}`);
  }

  // ------------------------------------------------------------------ writes

  /** Atomic multipart update (`notary publish`): every file is stored exactly as given, or none. */
  async publish(gun: string, files: readonly MetadataFile[]): Promise<void> {
    if (files.length === 0) throw new TypeError('nothing to publish');
    const { body, contentType } = encodeMultipart(files);
    const res = await this.#request({
      method: 'POST',
      path: `/v2/${gunPath(gun)}/_trust/tuf/`,
      scope: { gun, actions: 'push,pull' },
      maxBytes: MAX_SMALL_BODY_BYTES,
      body,
      contentType,
      what: `publish to ${gun}`,
    });
    if (res.status !== 200) throw this.#statusError(res, `publish to ${gun}`);
  }

  /** Deletes all trust data of the GUN on the server (scope `*`). Server-held keys survive. */
  async deleteRepository(gun: string): Promise<void> {
    const res = await this.#request({
      method: 'DELETE',
      path: `/v2/${gunPath(gun)}/_trust/tuf/`,
      scope: { gun, actions: '*' },
      maxBytes: MAX_SMALL_BODY_BYTES,
      what: `delete ${gun}`,
    });
    if (res.status !== 200) throw this.#statusError(res, `delete ${gun}`);
  }

  /**
   * `GET <role>.key`: the public key the server signs `role` with. Beware notary 0.7: before the
   * repository has a root, every call creates a new key, so call it once per initialisation.
   */
  getServerKey(gun: string, role: ServerKeyRole): Promise<PublicKey> {
    return this.#serverKey('GET', gun, role, 'push,pull');
  }

  /** `POST <role>.key`: a new pending server key; it takes effect once a root listing it is published. */
  rotateServerKey(gun: string, role: ServerKeyRole): Promise<PublicKey> {
    return this.#serverKey('POST', gun, role, '*');
  }

  async #serverKey(method: 'GET' | 'POST', gun: string, role: ServerKeyRole, actions: ScopeActions): Promise<PublicKey> {
    const what = `${method} ${role}.key for ${gun}`;
    const res = await this.#request({
      method,
      path: `/v2/${gunPath(gun)}/_trust/tuf/${role}.key`,
      scope: { gun, actions },
      maxBytes: MAX_SMALL_BODY_BYTES,
      what,
    });
    if (res.status !== 200) throw this.#statusError(res, what);
    try {
      return PublicKey.fromJSON(JSON.parse(res.body.toString('utf8')), `${role} key from the server`);
    } catch (e) {
      throw new NotaryHttpError(this.baseUrl, `the trust server at ${this.baseUrl} sent an unusable ${role} key: ${(e as Error).message}`);
    }
  }

  /**
   * The repositories the server has changed, newest last (`GET /v2/_trust/changefeed`, notary's
   * global feed): one GUN per repository that still exists (a later deletion removes it).
   */
  async changedRepositories(records = 1000): Promise<string[]> {
    const res = await this.#request({
      method: 'GET',
      path: `/v2/_trust/changefeed?change_id=0&records=${records}`,
      scope: { gun: '', actions: '*' },
      maxBytes: MAX_UNKNOWN_METADATA_BYTES,
      what: 'changefeed',
    });
    if (res.status !== 200) throw this.#statusError(res, 'changefeed');
    let feed: { records?: { GUN?: unknown; Category?: unknown }[] };
    try {
      feed = JSON.parse(res.body.toString('utf8')) as typeof feed;
    } catch {
      throw new BadResponseError(this.baseUrl, 'the changefeed is not JSON');
    }
    const live = new Set<string>();
    for (const r of feed.records ?? []) {
      if (typeof r.GUN !== 'string') continue;
      if (r.Category === 'deletion') live.delete(r.GUN);
      else live.add(r.GUN);
    }
    return [...live];
  }

  /** `GET /v2/`: whether the server answers and whether it asks for credentials. */
  async ping(): Promise<{ authRequired: boolean }> {
    return { authRequired: (await this.#auth.challenge()) !== undefined };
  }

  // ------------------------------------------------------------------ pending area (trust-tui server)

  /**
   * `GET /v2/<gun>/_trust/requests/`: the signing requests staged on the server, or undefined when the
   * server has no pending area (notary-server 0.7 answers 404 to the route: that is the probe).
   */
  async listPendingRequests(gun: string): Promise<unknown[] | undefined> {
    const what = `GET the pending requests of ${gun}`;
    const res = await this.#pendingRequest('GET', gun, '', what, MAX_PENDING_LIST_BYTES);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.#pendingError(res, what);
    const list = (parseJsonBody(res.body) as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(list)) throw new BadResponseError(this.baseUrl, `the answer to ${what} is not a list of requests`);
    return list;
  }

  /** `GET …/requests/<id>`; undefined when the server has no such request. */
  async getPendingRequest(gun: string, id: string): Promise<unknown> {
    const what = `GET pending request ${id} of ${gun}`;
    const res = await this.#pendingRequest('GET', gun, id, what, MAX_PENDING_REQUEST_BYTES);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.#pendingError(res, what);
    return parseJsonBody(res.body);
  }

  /** `POST …/requests/`: stages a request document; answers the stored copy. */
  async stagePendingRequest(gun: string, document: Buffer): Promise<unknown> {
    const what = `stage a signing request for ${gun}`;
    const res = await this.#pendingRequest('POST', gun, '', what, MAX_PENDING_REQUEST_BYTES, document);
    if (res.status !== 201 && res.status !== 200) throw this.#pendingError(res, what);
    return parseJsonBody(res.body);
  }

  /** `POST …/requests/<id>/signatures`: the server verifies each and answers the stored copy. */
  async addPendingSignatures(gun: string, id: string, signatures: readonly { role: string; keyid: string; method: string; sig: string; at?: string }[]): Promise<unknown> {
    const what = `add signatures to pending request ${id} of ${gun}`;
    const body = Buffer.from(JSON.stringify({ signatures }), 'utf8');
    const res = await this.#pendingRequest('POST', gun, `${id}/signatures`, what, MAX_PENDING_REQUEST_BYTES, body);
    if (res.status !== 200) throw this.#pendingError(res, what);
    return parseJsonBody(res.body);
  }

  /** `DELETE …/requests/<id>`; false when the server had no such request. */
  async cancelPendingRequest(gun: string, id: string): Promise<boolean> {
    const what = `cancel pending request ${id} of ${gun}`;
    const res = await this.#pendingRequest('DELETE', gun, id, what, MAX_SMALL_BODY_BYTES);
    if (res.status === 404) return false;
    if (res.status !== 200) throw this.#pendingError(res, what);
    return true;
  }

  /** The URL of a request in the pending area (or of the area with id ''). */
  pendingRequestUrl(gun: string, id: string): string {
    return `${this.baseUrl}/v2/${gunPath(gun)}/_trust/requests/${id}`;
  }

  #pendingRequest(method: 'GET' | 'POST' | 'DELETE', gun: string, sub: string, what: string, maxBytes: number, body?: Buffer): Promise<TransportResponse> {
    return this.#request({
      method,
      path: `/v2/${gunPath(gun)}/_trust/requests/${sub}`,
      // Every pending route needs push (requests reveal tags that are not released yet).
      scope: { gun, actions: 'push,pull' },
      maxBytes,
      ...(body ? { body, contentType: 'application/json' } : {}),
      what,
    });
  }

  #pendingError(res: TransportResponse, what: string): Error {
    const described = describeErrorBody(res.body);
    if (res.status === 401) return new UnauthorizedError(this.baseUrl, this.#loginHint);
    if (res.status === 403) {
      return new PendingAreaRefusedError(this.baseUrl, 403, `the trust server at ${this.baseUrl} refused to ${what}: signing requests need push access to the repository`);
    }
    if (!described) return new UnexpectedStatusError(this.baseUrl, res.status, what);
    // The pending area's errors carry their explanation (which limit, which request) as the detail.
    const detail = (parseJsonBody(res.body) as { errors?: { detail?: unknown }[] } | undefined)?.errors?.[0]?.detail;
    const reason = typeof detail === 'string' && detail ? detail : described.reason;
    return new PendingAreaRefusedError(this.baseUrl, res.status, `the trust server at ${this.baseUrl} refused to ${what}: ${reason}`, described.code);
  }

  // ------------------------------------------------------------------ plumbing

  async #request(spec: RequestSpec): Promise<TransportResponse> {
    const res = await this.#auth.send(spec.method === 'GET', spec.scope, (authorization) => this.#send(spec, authorization));
    if (res.status === 401 && spec.scope) throw new UnauthorizedError(this.baseUrl, this.#loginHint);
    return res;
  }

  async #send(spec: RequestSpec, authorization: string | undefined): Promise<TransportResponse> {
    const headers: Record<string, string> = {};
    if (authorization) headers.authorization = authorization;
    if (spec.contentType) headers['content-type'] = spec.contentType;
    try {
      return await this.#transport({
        method: spec.method,
        url: new URL(this.baseUrl + spec.path),
        headers,
        body: spec.body,
        maxBytes: spec.maxBytes,
        signal: spec.signal,
        onSent: spec.onSent,
      });
    } catch (e) {
      throw await this.#networkError(e, spec);
    }
  }

  async #networkError(e: unknown, spec: RequestSpec): Promise<Error> {
    if (e instanceof NotaryHttpError) return e;
    if (e instanceof BodyTooLargeError) return new DownloadTooLargeError(this.baseUrl, spec.what, spec.maxBytes);
    if (e instanceof RequestTimeoutError) return new ServerTimeoutError(this.baseUrl, e);
    const err = e as NodeJS.ErrnoException;
    const code = typeof err?.code === 'string' ? err.code : '';
    const message = err instanceof Error ? err.message : String(e);
    if (TLS_ERROR.test(code) || /certificate|handshake|alert/i.test(message)) {
      const advice = await tlsAdvice(e, new URL(this.baseUrl), this.#tls);
      return new TlsTrustError(this.baseUrl, message, tlsHint(advice, this.#caHint));
    }
    if (code.startsWith('HPE_')) return new BadResponseError(this.baseUrl, code);
    return new ServerUnreachableError(this.baseUrl, code || message, ...(this.#unreachableHint ? [this.#unreachableHint] : []));
  }

  #statusError(res: TransportResponse, what: string): Error {
    if (res.status === 400) {
      const described = describeErrorBody(res.body);
      return new UpdateRejectedError(this.baseUrl, described?.code ?? 'UNKNOWN', described?.reason ?? 'no reason given');
    }
    if (res.status === 401) return new UnauthorizedError(this.baseUrl, this.#loginHint);
    return new UnexpectedStatusError(this.baseUrl, res.status, what, describeErrorBody(res.body)?.reason);
  }
}

/** Download cap when no trusted metadata states a length: 1 MiB for timestamp (as Go), else 10 MiB. */
export function defaultLimit(role: string): number {
  return role === 'timestamp' ? MAX_TIMESTAMP_BYTES : MAX_UNKNOWN_METADATA_BYTES;
}
