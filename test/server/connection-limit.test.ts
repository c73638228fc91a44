// One client address holding many slow connections cannot use up the server's file descriptors:
// past --max-connections-per-client its new connections are closed at once, the operator reads why
// in the log and the metrics, and the address is served again as soon as one of its connections ends.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server-harness.js';

/** A TLS connection that sends the start of a request and then nothing (a slow client). */
function slowClient(server: TestServer): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: server.host, port: server.port, ca: readFileSync(server.caFile!) }, () => {
      socket.write('POST /v2/example.com/slow/_trust/tuf/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** How a new connection ends: 'secure' when the handshake completes, else the error or close. */
function tryConnect(server: TestServer): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: server.host, port: server.port, ca: readFileSync(server.caFile!) }, () => {
      socket.destroy();
      resolve('secure');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    socket.once('close', () => resolve('closed'));
  });
}

describe('--max-connections-per-client', () => {
  let server: TestServer | undefined;
  const held: tls.TLSSocket[] = [];
  afterEach(async () => {
    for (const s of held.splice(0)) s.destroy();
    await server?.stop();
    server = undefined;
  });

  it('closes an address\'s connections past the limit at once, logs it, counts it, and serves the address again once one ends', async () => {
    server = await startTestServer({ maxConnectionsPerClient: 3 });
    for (let i = 0; i < 3; i++) held.push(await slowClient(server));

    const started = performance.now();
    expect(await tryConnect(server)).not.toBe('secure');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(server.logs.join('\n')).toContain('connection refused: 127.0.0.1 already holds 3 open connections to this process (--max-connections-per-client)');

    held.pop()!.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const metrics = await server.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text()).toMatch(/^trust_tui_connections_refused_total 1$/m);
  });

  it('0 means no limit', async () => {
    server = await startTestServer({ maxConnectionsPerClient: 0 });
    for (let i = 0; i < 5; i++) held.push(await slowClient(server));
    expect(await tryConnect(server)).toBe('secure');
  });
});
