/**
 * A hostile or stale server: a plain-HTTP proxy on 127.0.0.1 in front of a real notary-server (TLS)
 * that passes every 200 answer through `rewrite.fn` (tampered, rolled back, oversized, replaced).
 * Clients reach it with `http://` (trust-tui: TRUST_TUI_ALLOW_HTTP_LOOPBACK=1).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { NotaryServer } from './peers.js';

export type Rewrite = (urlPath: string, body: Buffer) => Buffer;
/** An answer given instead of the server's (a failure the real server gives only in a state a test cannot wait for). */
export type Answer = (urlPath: string) => { status: number; body: string } | undefined;

export interface RewritingProxy {
  url: string;
  rewrite: { fn: Rewrite };
  answer: { fn: Answer };
  /** Every request path, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function rewritingProxy(server: NotaryServer): Promise<RewritingProxy> {
  const ca = readFileSync(server.caFile);
  const rewrite = { fn: ((_p, b) => b) as Rewrite };
  const answer = { fn: (() => undefined) as Answer };
  const requests: string[] = [];
  const proxy = http.createServer((req, res) => {
    requests.push(req.url ?? '/');
    const own = answer.fn(req.url ?? '/');
    if (own) {
      res.writeHead(own.status, { 'content-type': 'application/json' }).end(own.body);
      return;
    }
    const upstream = https.request(
      `${server.url}${req.url ?? '/'}`,
      { method: req.method, headers: { ...req.headers, host: `127.0.0.1:${server.port}` }, ca, agent: false },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = up.statusCode === 200 ? rewrite.fn(req.url ?? '', Buffer.concat(chunks)) : Buffer.concat(chunks);
          const headers = { ...up.headers, 'content-length': String(body.length) };
          delete headers['transfer-encoding'];
          res.writeHead(up.statusCode ?? 502, headers).end(body);
        });
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    rewrite,
    answer,
    requests,
    close: () =>
      new Promise((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}
