// A small fetch over node:http/https. Global fetch cannot take a private CA or a client
// certificate without undici's Agent (not a dependency), and registries and Notary servers on
// private networks need both. Answers are read whole, with a size cap; request bodies are bytes or
// a stream (a layer is never held in memory). Every request runs under the command's deadline with
// a short connect/handshake bound (src/net, as the Notary client), or, for long transfers, under a
// stall timeout: it fails only when no byte moved for that long.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { createSecureContext, rootCertificates, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { Deadline } from '../net/deadline.js';
import { HintedError, type Hint } from '../tuf/errors.js';
import { armRequestTimers } from '../net/request-timers.js';
import { tlsAdvice, type TlsAdvice } from '../net/tls-failure.js';

export interface TlsMaterial {
  /** Extra CA certificates (PEM), trusted in addition to Node's bundled roots. */
  caPem?: string[];
  /** Client certificate and key (PEM) for mutual TLS. */
  clientCert?: string;
  clientKey?: string;
  /** Do not verify the server's certificate: only for docker's `insecure-registries`. */
  skipVerify?: boolean;
}

/** A body sent as it is read: a stream, or a function opening one (called once per request). */
export type StreamBody = Readable | (() => Readable);

export interface HttpRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string | StreamBody;
  /** The length of a stream body; without it the body is sent chunked. */
  contentLength?: number;
  /** Refuse bodies larger than this (default 32 MiB). */
  maxBytes?: number;
  /** Instead of the deadline: fail only when no byte moved (either way) for this long. */
  stallTimeoutMs?: number;
  /** Aborts the request (it then fails with the signal's reason). */
  signal?: AbortSignal;
}

/** The part of a fetch Response that the registry and Notary code use. */
export interface HttpResponse {
  status: number;
  ok: boolean;
  /** The URL that answered (after redirects). */
  url: string;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

export type HttpFetch = (url: string, init?: HttpRequestInit) => Promise<HttpResponse>;

export type TransportFailure = 'unreachable' | 'timeout' | 'tls' | 'protocol' | 'too-large';

/** The request got no usable HTTP answer. `failure` says why, for messages and scheme fallback. */
export class HttpTransportError extends HintedError {
  override name = 'HttpTransportError';
  constructor(
    readonly failure: TransportFailure,
    readonly url: string,
    message: string,
    /** node's error code (`ECONNRESET`…); for a timeout, what ran out: `connect`, `handshake`, `answer` (the deadline) or `stall`. */
    readonly code?: string,
    hint?: Hint,
    /** For a `tls` failure: what the certificate needs (the caller adds its CA advice when it does not chain). */
    readonly tlsAdvice?: TlsAdvice,
  ) {
    super(message, hint ? { hint } : {});
  }
}

export interface HttpFetchOptions {
  tls?: TlsMaterial;
  /** The command's deadline, shared by every request (default: none; each request may take 30 s). */
  deadline?: Deadline;
  userAgent?: string;
}

/** https.request passes these on to tls.connect, which also takes a ready secure context. */
type TlsRequestOptions = https.RequestOptions & { secureContext?: SecureContext };

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
const MAX_REDIRECTS = 5;

export function createHttpFetch(options: HttpFetchOptions = {}): HttpFetch {
  let tlsOptions: TlsRequestOptions | undefined;
  // Every request has a connection of its own; with extra CAs, building the context means parsing
  // Node's whole root bundle again (tens of ms). One context, made at the first https request,
  // serves them all, and nothing of it is made before (a Notary client's token fetch often never runs).
  const secureOptions = (): TlsRequestOptions => {
    if (tlsOptions) return tlsOptions;
    const { ca, cert, key, ...rest } = nodeTlsOptions(options.tls);
    tlsOptions = ca || cert || key ? { ...rest, secureContext: createSecureContext({ ca, cert, key } as SecureContextOptions) } : rest;
    return tlsOptions;
  };
  const deadline = options.deadline;
  return async (url, init = {}) => {
    let target = url;
    let headers = { ...init.headers };
    if (options.userAgent && !hasHeader(headers, 'user-agent')) headers['User-Agent'] = options.userAgent;
    for (let hop = 0; ; hop++) {
      const response = await requestOnce(target, { ...init, headers }, secureOptions, deadline, options.tls);
      const location = response.headers.get('location');
      const method = (init.method ?? 'GET').toUpperCase();
      // Follow redirects for reads only (blob downloads go to storage backends).
      if (!isRedirect(response.status) || !location || (method !== 'GET' && method !== 'HEAD')) return response;
      if (hop >= MAX_REDIRECTS) throw new HttpTransportError('protocol', url, `too many redirects from ${url}`);
      const next = new URL(location, target);
      // Credentials stay with the origin they were meant for.
      if (next.origin !== new URL(target).origin) headers = withoutHeader(headers, 'authorization');
      target = next.toString();
    }
  };
}

/** Node https options for TLS material: extra CAs are added to the bundled roots, as docker does. */
export function nodeTlsOptions(material: TlsMaterial = {}): https.RequestOptions {
  const result: https.RequestOptions = {};
  if (material.caPem && material.caPem.length > 0) result.ca = [...rootCertificates, ...material.caPem];
  if (material.clientCert) result.cert = material.clientCert;
  if (material.clientKey) result.key = material.clientKey;
  if (material.skipVerify) result.rejectUnauthorized = false;
  return result;
}

function requestOnce(
  url: string,
  init: HttpRequestInit,
  tlsOptions: () => TlsRequestOptions,
  deadline: Deadline | undefined,
  material: TlsMaterial = {},
): Promise<HttpResponse> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') {
    return Promise.reject(new HttpTransportError('protocol', url, `unsupported URL scheme in ${url}`));
  }
  const stream = streamBody(init.body);
  const body = stream ? undefined : typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : (init.body as Uint8Array | undefined);
  const headers: Record<string, string> = { ...init.headers };
  if (body) headers['Content-Length'] = String(body.length);
  if (stream && init.contentLength !== undefined) headers['Content-Length'] = String(init.contentLength);
  const maxBytes = init.maxBytes ?? DEFAULT_MAX_BYTES;
  const method = init.method ?? 'GET';

  if (init.signal?.aborted) {
    stream?.destroy();
    return Promise.reject(init.signal.reason);
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      timers();
      init.signal?.removeEventListener('abort', onAbort);
      if (stream && !stream.readableEnded) stream.destroy();
      done();
    };
    const onAbort = () => {
      settle(() => reject(init.signal?.reason));
      request.destroy();
    };
    const request = (secure ? https.request : httpRequest)(
      target,
      { method, headers, agent: false, ...(secure ? tlsOptions() : {}) },
      (res) => {
        const declared = Number(res.headers['content-length'] ?? 0);
        if (method !== 'HEAD' && declared > maxBytes) {
          res.destroy();
          settle(() => reject(tooLarge(url, maxBytes)));
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          timers.activity();
          received += chunk.length;
          if (received > maxBytes) {
            res.destroy();
            settle(() => reject(tooLarge(url, maxBytes)));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (e) => settle(() => transportError(url, e, material).then(reject)));
        res.on('end', () => settle(() => resolve(bufferedResponse(url, res, Buffer.concat(chunks)))));
      },
    );
    const timing = init.stallTimeoutMs !== undefined ? { stallMs: init.stallTimeoutMs } : deadline ? { deadline } : {};
    const timers = armRequestTimers(request, `${method} ${url}`, secure, timing, (timeout) => {
      settle(() => reject(new HttpTransportError('timeout', url, timeout.message, timeout.phase, timeout.hint)));
      request.destroy();
    });
    init.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (e) => settle(() => (e instanceof HttpTransportError ? reject(e) : transportError(url, e, material).then(reject))));
    if (!stream) {
      request.end(body);
      return;
    }
    // A failing source (a corrupt local blob) fails the request with its own error, not a transport one.
    stream.on('error', (e) => {
      settle(() => reject(e));
      request.destroy();
    });
    stream.on('data', () => timers.activity());
    stream.pipe(request);
  });
}

function streamBody(body: HttpRequestInit['body']): Readable | undefined {
  if (typeof body === 'function') return body();
  return body instanceof Readable ? body : undefined;
}

function bufferedResponse(url: string, res: IncomingMessage, data: Buffer): HttpResponse {
  const status = res.statusCode ?? 0;
  return {
    status,
    ok: status >= 200 && status < 300,
    url,
    headers: {
      get(name) {
        const value = res.headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(', ') : value;
      },
    },
    arrayBuffer: async () => data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
    text: async () => data.toString('utf8'),
  };
}

/**
 * Classifies a socket/TLS error from node into what the user needs to hear. `protocol` is a TLS
 * handshake answered by a plain-HTTP server; connection refused/reset, DNS and routing failures
 * are all `unreachable`. A `tls` failure carries its advice; about dates or host names also as the
 * hint (the caller words the CA advice for a certificate that does not chain).
 */
async function transportError(url: string, e: Error, material: TlsMaterial): Promise<HttpTransportError> {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const failure: TransportFailure =
    code === 'EPROTO' || code.startsWith('ERR_SSL_') || /wrong version number|packet length too long/i.test(e.message)
      ? 'protocol'
      : code.startsWith('ERR_TLS_') || /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)/.test(code)
        ? 'tls'
        : 'unreachable';
  const advice =
    failure === 'tls'
      ? await tlsAdvice(e, new URL(url), { ca: material.caPem, cert: material.clientCert, key: material.clientKey })
      : undefined;
  const hint = advice?.other === undefined ? undefined : { cli: advice.other, ui: advice.other };
  return new HttpTransportError(failure, url, e.message, code || undefined, hint, advice);
}

function tooLarge(url: string, maxBytes: number): HttpTransportError {
  return new HttpTransportError('too-large', url, `${url} sent more than ${maxBytes} bytes`);
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function withoutHeader(headers: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== name));
}
