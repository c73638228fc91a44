// Graceful shutdown as an operator (and a load balancer) sees it, on the built server: after SIGTERM
// no new connection is accepted and readiness answers 503, a publish in flight still completes with
// 200, and the process exits 0 within --shutdown-timeout; with --workers N the primary passes the
// signal on and waits for every worker. Logs are checked in the JSON format (--log-format json).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeMultipart } from '../../src/notary/multipart.js';
import { PublicKey } from '../../src/tuf/key.js';
import { httpRequest } from '../helpers/http.js';
import { TestRepo } from './repo-fixture.js';
import { childPids, spawnServer, type SpawnedServer } from './spawned-server.js';

let server: SpawnedServer | undefined;
afterEach(async () => {
  await server?.cleanUp();
  server = undefined;
});

/** A first publish of `gun` as a multipart body (the timestamp key comes from the server). */
async function firstPublishBody(url: string, gun: string) {
  const key = await httpRequest(`${url}/v2/${gun}/_trust/tuf/timestamp.key`);
  const repo = await TestRepo.create(gun, PublicKey.fromJSON(key.json()));
  return encodeMultipart(repo.firstPublish().map((f) => ({ role: f.role, bytes: f.data })));
}

/**
 * A raw connection that sends a publish's headers and the first bytes of its body now, the rest on
 * `finish(then)` (`then`: more requests pipelined on the same connection). `responses` settles with
 * the raw text the server sent until it closed the connection.
 */
function slowPublish(url: string, gun: string, body: Buffer, contentType: string) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  socket.write(`POST /v2/${gun}/_trust/tuf/ HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`);
  socket.write(body.subarray(0, 100));
  let received = '';
  socket.on('data', (c: Buffer) => (received += c.toString()));
  const responses = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(received));
    socket.on('error', () => undefined);
  });
  return { responses, finish: (then = '') => socket.write(Buffer.concat([body.subarray(100), Buffer.from(then)])) };
}

function connectionRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

const jsonLines = (output: string) => output.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
const timed = async <T>(p: Promise<T>) => {
  const started = performance.now();
  const value = await p;
  return { value, ms: performance.now() - started };
};

describe('graceful shutdown', () => {
  it('on SIGTERM: new connections refused, readiness 503, the publish in flight gets 200, exit 0', async () => {
    server = await spawnServer(['--workers', '1', '--shutdown-timeout', '20', '--log-format', 'json']);
    const gun = 'example.com/draining';
    const { body, contentType } = await firstPublishBody(server.url, gun);
    const inFlight = slowPublish(server.url, gun, body, contentType);
    await new Promise((r) => setTimeout(r, 200)); // the server has the request's headers

    server.child.kill('SIGTERM');
    const deadline = Date.now() + 5_000;
    while (!(await connectionRefused(server.url)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await connectionRefused(server.url), 'a new connection after SIGTERM').toBe(true);

    // The rest of the body, then a readiness probe on the same connection (a load balancer's
    // kept-alive check): the publish completes, readiness says the server is going away.
    inFlight.finish(`GET /_notary_server/ready HTTP/1.1\r\nHost: x\r\n\r\n`);
    const raw = await inFlight.responses;
    const statuses = [...raw.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
    expect(statuses, raw).toEqual([200, 503]);
    expect(raw).toMatch(/"code":"SHUTTING_DOWN"/);
    expect(raw, 'the connection closes after the request it was serving').toMatch(/^Connection: close\r$/im);

    const { value: code, ms } = await timed(server.exited);
    expect(code, server.output()).toBe(0);
    expect(ms).toBeLessThan(20_000);
    const lines = jsonLines(server.output());
    expect(lines.find((l) => l.route === 'publish')).toMatchObject({ level: 'info', msg: 'request', method: 'POST', status: 200, path: `/v2/${gun}/_trust/tuf/` });
    expect(lines.find((l) => l.route === 'ready')).toMatchObject({ status: 503, code: 'SHUTTING_DOWN' });
    expect(lines.at(-1)).toMatchObject({ msg: 'stopped' });
  }, 60_000);

  it('a request still running at --shutdown-timeout is cut, and the process exits 0 on time', async () => {
    server = await spawnServer(['--workers', '1', '--shutdown-timeout', '1']);
    const { body, contentType } = await firstPublishBody(server.url, 'example.com/stuck');
    const stuck = slowPublish(server.url, 'example.com/stuck', body, contentType); // never finished
    await new Promise((r) => setTimeout(r, 200));
    server.child.kill('SIGTERM');
    const { value: code, ms } = await timed(server.exited);
    expect(code, server.output()).toBe(0);
    expect(ms).toBeGreaterThan(900);
    expect(ms).toBeLessThan(10_000);
    expect(await stuck.responses, 'the stuck request got no answer').toBe('');
    expect(server.output()).toMatch(/shutdown timeout: closing 1 connection\(s\) with requests still running/);
  }, 60_000);

  it('with --workers 2, SIGTERM to the primary alone: the publish in flight completes and every worker exits', async () => {
    server = await spawnServer(['--workers', '2', '--shutdown-timeout', '20', '--log-format', 'json']);
    const gun = 'example.com/group';
    const { body, contentType } = await firstPublishBody(server.url, gun);
    const inFlight = slowPublish(server.url, gun, body, contentType);
    await new Promise((r) => setTimeout(r, 200));
    const pids = new Set([server.child.pid!, ...childPids(server)]);
    expect(pids.size, server.output()).toBe(3); // the primary and two workers
    // The primary says once that the server listens, with how many workers; the workers say nothing.
    const listening = jsonLines(server.output()).filter((l) => /listening/.test(String(l.msg)));
    expect(listening, server.output()).toEqual([expect.objectContaining({ pid: server.child.pid, url: server.url, workers: 2 })]);
    expect(listening[0]?.msg).toMatch(/listening on http:\/\/\S+ with 2 workers \(data in /);

    server.child.kill('SIGTERM'); // only the primary's pid, as `kill <pid>` would
    await new Promise((r) => setTimeout(r, 300));
    inFlight.finish();
    expect(/^HTTP\/1\.1 (\d{3})/.exec(await inFlight.responses)?.[1]).toBe('200');
    expect(await server.exited, server.output()).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0), `process ${pid} still runs`).toThrow();
  }, 60_000);
});
