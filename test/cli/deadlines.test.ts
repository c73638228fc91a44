/**
 * A server that hangs costs a command its deadline, not minutes: loopback listeners that accept and
 * never answer, that never complete the TLS handshake, or that answer the ping and then hang. The
 * command ends within the bound and names the request that hung.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, makeScratchDir, type PkiFiles, type RunResult } from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

const DIGEST = `sha256:${'cd'.repeat(32)}`;

interface Listener {
  port: number;
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Accepts TCP connections and never says a word (for https: the handshake never completes). */
const silentTcp = () => listen(net.createServer(() => undefined));

/** Answers the `/v2/` ping, then never answers anything else. */
function pingThenHang(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.url === '/v2/') res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
}

/**
 * One line on stderr naming what hung, exit 1, within `boundMs`. The message names the timer that
 * fired; the bound only shows nothing else waited long (generous: CI runs many files at once).
 */
function hungWithin(r: RunResult & { ms: number }, boundMs: number, message: string): void {
  expect(r.code, `stderr:\n${r.stderr}`).toBe(1);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toContain(message);
  expect(r.ms).toBeLessThan(boundMs);
}

/** A 5 s timer plus a process start on a loaded 2-core machine, far below the 45 s kill. */
const HUNG_BOUND_MS = 20_000;

describe('deadlines', () => {
  let pki: PkiFiles;
  let tt: TrustTuiRunner;
  const listeners: Listener[] = [];
  const timed = async (args: string[]) => {
    const started = Date.now();
    const r = await tt(args, { timeoutMs: 45_000 });
    return { ...r, ms: Date.now() - started };
  };

  beforeAll(async () => {
    pki = await makePki(path.join(await makeScratchDir('deadline-pki'), 'pki'));
    tt = trustTui({ env: { DOCKER_CONFIG: await makeScratchDir('deadline-docker-config') } });
  });

  afterAll(async () => {
    await Promise.all(listeners.map((l) => l.close()));
  });

  it('a trust server whose TLS handshake never completes: given up after 5 s, naming the request', async () => {
    const silent = await silentTcp();
    listeners.push(silent);
    const url = `https://127.0.0.1:${silent.port}`;
    const r = await timed(['inspect', 'registry.example.com/team/app', '--server', url]);
    // Reads go out without a /v2/ ping: the first request is the repository's root.json.
    hungWithin(r, HUNG_BOUND_MS, `GET ${url}/v2/registry.example.com/team/app/_trust/tuf/root.json: the TLS handshake did not complete within 5s`);
  });

  it('a --timeout shorter than the handshake bound still names the handshake that did not complete', async () => {
    const silent = await silentTcp();
    listeners.push(silent);
    const url = `https://127.0.0.1:${silent.port}`;
    const r = await timed(['--timeout', '2s', 'inspect', 'registry.example.com/team/app', '--server', url]);
    hungWithin(r, HUNG_BOUND_MS, `GET ${url}/v2/registry.example.com/team/app/_trust/tuf/root.json: the TLS handshake did not complete within 2s`);
  });

  it('a trust server that answers the ping and then hangs: one deadline for the command (--timeout), naming the request', async () => {
    const hanging = await listen(https.createServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) }, pingThenHang));
    listeners.push(hanging);
    const url = `https://127.0.0.1:${hanging.port}`;
    const r = await timed(['--timeout', '3s', 'sign', 'registry.example.com/team/app:v1', '--digest', DIGEST, '--size', '10', '--server', url, '--tlscacert', pki.caCert]);
    hungWithin(r, 9_000, `GET ${url}/v2/registry.example.com/team/app/_trust/tuf/root.json did not answer within 3s — is the server up? use --timeout to wait longer`);
  });

  it('a registry that hangs on the digest lookup of sign: the same deadline and message', async () => {
    const registry = await listen(http.createServer(pingThenHang));
    listeners.push(registry);
    const host = `127.0.0.1:${registry.port}`;
    const r = await timed(['--timeout', '3s', 'sign', `${host}/team/app:v1`, '--server', 'https://127.0.0.1:9']);
    hungWithin(r, 9_000, `HEAD http://${host}/v2/team/app/manifests/v1 did not answer within 3s — is the server up? use --timeout to wait longer`);
  });

  it('a registry whose TLS handshake never completes: given up after 5 s', async () => {
    const silent = await silentTcp();
    listeners.push(silent);
    const host = `127.0.0.1:${silent.port}`;
    const r = await timed(['sign', `${host}/team/app:v1`, '--server', 'https://127.0.0.1:9']);
    hungWithin(r, HUNG_BOUND_MS, `GET https://${host}/v2/: the TLS handshake did not complete within 5s`);
  });

  it('a cached root that cannot be trusted ends the command at once, though the timestamp asked for meanwhile never comes', async () => {
    // The timestamp is asked for while the cached root is checked; once that check fails nothing
    // reads it, and a server that never answers must not hold the command until its deadline.
    const hanging = await listen(https.createServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) }, () => undefined));
    listeners.push(hanging);
    const metadata = path.join(tt.trustDir, 'tuf', 'registry.example.com', 'team', 'damaged', 'metadata');
    mkdirSync(metadata, { recursive: true });
    writeFileSync(path.join(metadata, 'root.json'), '{"signed": {"_type": "Root"');
    const url = `https://127.0.0.1:${hanging.port}`;
    const r = await timed(['--timeout', '30s', 'inspect', 'registry.example.com/team/damaged', '--server', url, '--tlscacert', pki.caCert]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('the cached root of registry.example.com/team/damaged in');
    expect(r.stderr).not.toContain('did not answer');
    expect(r.ms).toBeLessThan(HUNG_BOUND_MS);
  });

  it("info's probe of a server that hangs after the handshake gives up on its own bound, with no advice to wait longer", async () => {
    const hanging = await listen(https.createServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) }, () => undefined));
    listeners.push(hanging);
    const url = `https://127.0.0.1:${hanging.port}`;
    const r = await timed(['--json', 'info', '--server', url, '--tlscacert', pki.caCert]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.ms).toBeLessThan(HUNG_BOUND_MS);
    const state = (JSON.parse(r.stdout) as { givenServer: { state: string } }).givenServer.state;
    expect(state).toMatch(/^offline: GET .* did not answer within 5s — is the server up\?$/);
  });

  it('refuses a --timeout that is not a duration (usage error)', async () => {
    const r = await tt(['--timeout', 'soon', 'inspect', 'registry.example.com/team/app']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--timeout.*expected a duration/);
  });
});
