/**
 * A plain-HTTP proxy on 127.0.0.1 in front of a registry that can misbehave the way networks and
 * registries do: cut the connection after part of a request body, or change an answer's headers.
 * Host headers are passed through, so the registry's upload Locations point at the proxy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CuttingProxy {
  url: string;
  host: string;
  /** `METHOD path` of every request, in order. */
  requests: string[];
  /** Cut the next request matching `method` (and whose path matches `path`) after `afterBytes` of its body. */
  cutNext(method: string, afterBytes: number, path?: RegExp): void;
  /** Answers the next request matching `method` (and `path`) with `status` and `headers` itself. */
  failNext(method: string, status: number, headers?: Record<string, string>, path?: RegExp): void;
  /** Holds the next request matching `method` (and `path`): its body is not read, no answer comes. */
  stallNext(method: string, path?: RegExp): void;
  /** Changes the headers of answers (status, request). */
  rewriteHeaders: { fn: (method: string, urlPath: string, headers: http.IncomingHttpHeaders) => http.IncomingHttpHeaders };
  close(): Promise<void>;
}

export async function cuttingProxy(upstreamPort: number): Promise<CuttingProxy> {
  const requests: string[] = [];
  let cut: { method: string; afterBytes: number; path?: RegExp } | undefined;
  let stall: { method: string; path?: RegExp } | undefined;
  let fail: { method: string; status: number; headers: Record<string, string>; path?: RegExp } | undefined;
  const rewriteHeaders = { fn: (_m: string, _p: string, h: http.IncomingHttpHeaders) => h };
  const proxy = http.createServer((req, res) => {
    const urlPath = req.url ?? '/';
    requests.push(`${req.method} ${urlPath}`);
    if (stall && stall.method === req.method && (!stall.path || stall.path.test(urlPath))) {
      stall = undefined;
      req.pause();
      return;
    }
    if (fail && fail.method === req.method && (!fail.path || fail.path.test(urlPath))) {
      const { status, headers } = fail;
      fail = undefined;
      req.resume();
      req.on('end', () => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}'));
      return;
    }
    const cutThis = cut && cut.method === req.method && (!cut.path || cut.path.test(urlPath)) ? cut : undefined;
    if (cutThis) cut = undefined;
    const upstream = http.request(
      { host: '127.0.0.1', port: upstreamPort, path: urlPath, method: req.method, headers: req.headers, agent: false },
      (up) => {
        res.writeHead(up.statusCode ?? 502, rewriteHeaders.fn(req.method ?? '', urlPath, up.headers));
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    if (!cutThis) {
      req.pipe(upstream);
      return;
    }
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      if (seen >= cutThis.afterBytes) return;
      const part = chunk.subarray(0, cutThis.afterBytes - seen);
      seen += part.length;
      upstream.write(part);
      if (seen >= cutThis.afterBytes) {
        // The client's connection and the registry's both break mid-body, as on a network failure.
        req.socket.destroy();
        upstream.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    cutNext: (method, afterBytes, path) => {
      cut = { method, afterBytes, ...(path ? { path } : {}) };
    },
    stallNext: (method, path) => {
      stall = { method, ...(path ? { path } : {}) };
    },
    failNext: (method, status, headers = {}, path) => {
      fail = { method, status, headers, ...(path ? { path } : {}) };
    },
    rewriteHeaders,
    close: () =>
      new Promise((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}
