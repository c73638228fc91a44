// The server's log as an operator reads it: text lines as before, or (--log-format json) one JSON
// object per line with the request id a load balancer sent (echoed in X-Request-Id), the route, the
// status and the notary error code; a forged request id is replaced, never logged.
import { afterEach, describe, expect, it } from 'vitest';
import { requestIdOf } from '../../src/server/log.js';
import { startTestServer, type TestServer } from './server-harness.js';

describe('server log', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('--log-format json: one object per request with the id from X-Request-Id, route, status and error code', async () => {
    server = await startTestServer({ logFormat: 'json' });
    const missing = await server.request('GET', '/v2/example.com/team/app/_trust/tuf/root.json', { headers: { 'x-request-id': 'lb-42' } });
    expect(missing.status).toBe(404);
    expect(missing.headers['x-request-id']).toBe('lb-42');
    const ping = await server.request('GET', '/v2/');
    const generated = String(ping.headers['x-request-id']);
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);

    const lines = server.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.request_id === 'lb-42')).toMatchObject({
      level: 'info',
      msg: 'request',
      method: 'GET',
      path: '/v2/example.com/team/app/_trust/tuf/root.json',
      route: 'metadata',
      status: 404,
      code: 'METADATA_NOT_FOUND',
      remote: '127.0.0.1',
    });
    const pingLine = lines.find((l) => l.request_id === generated)!;
    expect(pingLine).toMatchObject({ route: 'ping', status: 200 });
    expect(pingLine).not.toHaveProperty('code');
    expect(typeof pingLine.duration_ms).toBe('number');
    expect(lines[0]).toMatchObject({ level: 'info', msg: expect.stringContaining('listening on') });
  });

  it('a request id that could forge a log line or header is replaced by a new one', () => {
    expect(requestIdOf('haproxy-7F000001:C3B2_7F000001:01BB_65A1_0001:1A2B')).toBe('haproxy-7F000001:C3B2_7F000001:01BB_65A1_0001:1A2B');
    for (const forged of ['a\nb', 'x" level="error', 'x'.repeat(200), ['a', 'b']]) {
      expect(requestIdOf(forged)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    }
  });

  it('a query string is logged with its parameter names, never their values', async () => {
    server = await startTestServer();
    await server.request('GET', '/v2/example.com/team/app/_trust/tuf/root.json?token=SECRET19&x=1');
    const log = server.logs.join('\n');
    expect(log).not.toContain('SECRET19');
    expect(log).toContain('"GET /v2/example.com/team/app/_trust/tuf/root.json?token=…&x=…" 404');
  });

  it('the text format keeps its access-log line', async () => {
    server = await startTestServer();
    await server.request('GET', '/v2/');
    expect(server.logs.some((l) => /^\S+Z 127\.0\.0\.1 - "GET \/v2\/" 200 2 [\d.]+ms$/.test(l))).toBe(true);
  });
});
