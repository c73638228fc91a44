/**
 * A plain-HTTP proxy on 127.0.0.1 in front of a TLS trust server that counts what a client does to
 * it: requests in flight at once (and the most seen), each request's method and path, an optional
 * delay before each request is passed on (so that concurrency shows), and answers given instead of
 * the server's (`fail`). Clients reach it with `http://` (trust-tui: TRUST_TUI_ALLOW_HTTP_LOOPBACK=1).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface CountingProxy {
  url: string;
  /** Milliseconds each request waits before it is passed on. */
  delayMs: number;
  /** A status to answer instead of the server, or undefined to pass the request on. */
  fail: (method: string, path: string) => number | undefined;
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** `METHOD /path` of every request, in arrival order. */
  readonly requests: string[];
  reset(): void;
  close(): Promise<void>;
}

export async function countingProxy(target: string, ca: Buffer | string): Promise<CountingProxy> {
  const agent = new https.Agent({ ca, keepAlive: true });
  let inFlight = 0;
  let maxInFlight = 0;
  let requests: string[] = [];
  const state = { delayMs: 0, fail: (() => undefined) as CountingProxy['fail'] };
  const server = http.createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    requests.push(`${method} ${path}`);
    let done = false;
    const finish = () => {
      if (!done) inFlight--;
      done = true;
    };
    res.on('close', finish);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const status = state.fail(method, path);
        if (status !== undefined) {
          res.writeHead(status, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE","message":"injected by the test"}]}');
          return;
        }
        const upstream = https.request(`${target}${path}`, { method, headers: { ...req.headers, host: new URL(target).host }, agent }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        upstream.on('error', () => res.writeHead(502).end());
        upstream.end(Buffer.concat(chunks));
      }, state.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    get fail() {
      return state.fail;
    },
    set fail(fn: CountingProxy['fail']) {
      state.fail = fn;
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get requests() {
      return requests;
    },
    reset() {
      maxInFlight = inFlight;
      requests = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
