// One HTTP exchange over node:http/https with what a trust client needs and global fetch lacks
// without extra agents: a private CA bundle, a client certificate (mutual TLS), the command's
// deadline with a short connect/handshake bound (src/net), and a hard cap on the bytes read.
import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { armRequestTimers, type RequestTiming } from '../net/request-timers.js';

export { RequestTimeoutError } from '../net/deadline.js';

export interface TlsMaterial {
  /** PEM CA certificates to trust instead of the system store: the server's trust anchor. */
  ca?: (string | Buffer)[];
  /** PEM client certificate and key for mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface TransportRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Stop reading and fail once the body exceeds this many bytes. */
  maxBytes: number;
  /** Aborts the request (its answer is no longer wanted). */
  signal?: AbortSignal;
  /**
   * Called once the whole request has been written to the connection (after the TLS handshake): a
   * caller with work of its own can do it while the server answers. Not called when it fails first.
   */
  onSent?: () => void;
}

export interface TransportResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/** Raised when the body exceeds `maxBytes`; the HTTP client turns it into DownloadTooLargeError. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/** Sends one request. Injectable so tests can script a server without sockets. */
export type Transport = (req: TransportRequest) => Promise<TransportResponse>;

export interface NodeTransportOptions {
  tls?: TlsMaterial;
  /** Connections to share with other transports of the same command (bulk commands); default: its own. */
  agents?: AgentPool;
  /** The command's deadline and the connect/handshake bound. */
  timing: RequestTiming;
  userAgent: string;
}

function flattenHeaders(h: IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(h)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

/**
 * A Transport over node:http(s). Its connections are kept alive between the requests of one command
 * (an update is a ping and several GETs: one TLS handshake instead of one each); idle sockets do not
 * keep the process alive. The agents are this transport's own, never shared across servers.
 */
export function nodeTransport(options: NodeTransportOptions): Transport {
  const send = sendOnce(options);
  return async (req) => {
    try {
      return await send(req);
    } catch (e) {
      // A kept-alive connection the server closed while idle fails the next request sent on it
      // before any answer; Go's client sends such a request again on a new connection when it is
      // replayable (net/http transport.go, shouldRetryRequest), and so do we, once.
      if (staleConnectionErrors.has(e as Error) && REPLAYABLE_METHODS.has(req.method)) return send(req);
      throw e;
    }
  };
}

/** Methods that can be sent twice without harm (RFC 9110 §9.2.2). */
const REPLAYABLE_METHODS = new Set(['GET', 'HEAD']);

/** Errors of requests that failed on a reused connection before any answer arrived. */
const staleConnectionErrors = new WeakSet<Error>();

const AGENT_OPTIONS = { keepAlive: true, maxSockets: 8, scheduling: 'lifo' as const };

/** One command's agents for one set of TLS material; each made at its first request (node:http is loaded only for a plain-HTTP server). */
class Agents {
  #http: HttpAgent | undefined;
  #https: https.Agent | undefined;

  constructor(private readonly tls: TlsMaterial) {}

  for(isHttps: boolean): HttpAgent {
    if (!isHttps) return (this.#http ??= new HttpAgent(AGENT_OPTIONS));
    const { ca, cert, key } = this.tls;
    return (this.#https ??= new https.Agent({ ...AGENT_OPTIONS, ...(ca?.length ? { ca } : {}), ...(cert && key ? { cert, key } : {}) }));
  }
}

/**
 * Kept-alive connections shared by the Notary clients of one command (a bulk command opens one
 * client per repository: without sharing, each repository costs a TCP and TLS handshake). Agents are
 * told apart by their TLS material, so a connection is only reused with the trust anchor and client
 * certificate it was opened with; node's agents keep one pool per host and port within each.
 */
export class AgentPool {
  readonly #agents = new Map<string, Agents>();
  /**
   * What each server's `/v2/` ping answered, by base URL: asked once per command rather than once per
   * repository (a client remembers it for its own life already; see NotaryClient's ping).
   */
  readonly pings = new Map<string, Promise<unknown>>();

  agentsFor(tls: TlsMaterial): Agents {
    const key = createHash('sha256')
      .update(JSON.stringify([(tls.ca ?? []).map(String), String(tls.cert ?? ''), String(tls.key ?? '')]))
      .digest('hex');
    let agents = this.#agents.get(key);
    if (!agents) {
      agents = new Agents(tls);
      this.#agents.set(key, agents);
    }
    return agents;
  }
}

function sendOnce(options: NodeTransportOptions): Transport {
  const agents = options.agents?.agentsFor(options.tls ?? {}) ?? new Agents(options.tls ?? {});
  return (req) =>
    new Promise<TransportResponse>((resolve, reject) => {
      const isHttps = req.url.protocol === 'https:';
      const headers: Record<string, string> = { 'user-agent': options.userAgent, ...req.headers };
      if (req.body) headers['content-length'] = String(req.body.length);
      const requestOptions: https.RequestOptions = { method: req.method, headers, agent: agents.for(isHttps), signal: req.signal };
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        disarm();
        request.destroy();
        reject(err);
      };
      const request = (isHttps ? https.request : httpRequest)(req.url, requestOptions, (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > req.maxBytes) {
          fail(new BodyTooLargeError(`${declared} bytes announced`));
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          // Stop reading as soon as the cap is passed: a hostile server must not fill our memory.
          if (received > req.maxBytes) fail(new BodyTooLargeError(`more than ${req.maxBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          disarm();
          resolve({ status: res.statusCode ?? 0, headers: flattenHeaders(res.headers), body: Buffer.concat(chunks) });
        });
      });
      let answered = false;
      request.on('response', () => (answered = true));
      const disarm = armRequestTimers(request, `${req.method} ${req.url.href}`, isHttps, options.timing, fail);
      request.on('error', (err: NodeJS.ErrnoException) => {
        if (request.reusedSocket && !answered && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) staleConnectionErrors.add(err);
        fail(err);
      });
      if (req.onSent) request.once('finish', req.onSent);
      request.end(req.body);
    });
}
