// Idle keep-alive connections: clients and load balancers reuse them until their own timer runs out
// (node's agent: the announced timeout minus one second). A short server idle time makes that timer
// race the server's close on a busy host (ECONNRESET on a publish, seen with three replicas).
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server-harness.js';

describe('keep-alive', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('announces and keeps idle connections for over a minute, and a connection idle for 6 s still serves', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(server.caFile!) });
    const get = () =>
      new Promise<{ status: number; keepAlive: string | undefined; port: number }>((resolve, reject) => {
        const req = https.get(`${server.url}/_notary_server/health`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, keepAlive: res.headers['keep-alive'] as string | undefined, port: req.socket!.localPort! }));
        });
        req.on('error', reject);
      });
    try {
      const first = await get();
      expect(first.keepAlive).toBe('timeout=65');
      await new Promise((resolve) => setTimeout(resolve, 6_000)); // past the old 5 s
      const second = await get();
      expect(second.status).toBe(200);
      expect(second.port).toBe(first.port); // the same connection, reused
    } finally {
      agent.destroy();
    }
  }, 20_000);
});
