// docs/server-ha.md's recipe, run: HAProxy (Debian's package) with the exact configuration block the
// doc shows, in front of two `trust-tui server` replicas (sharing one SQLite data directory on this
// host, the single-host variant the doc names), driven by the real notary CLI. One replica is
// stopped with SIGTERM while publishes and reads flow: no request fails, and every tag published
// is there afterwards for a client with a fresh trust directory.
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, makePki, makeScratchDir, notaryCli, requireBinary, stopAllPeers } from '../helpers/peers.js';
import { runCommand, startPeerProcess, type PeerProcess } from '../helpers/proc.js';
import { waitUntil } from '../helpers/ports.js';
import { spawnServer, type SpawnedServer } from '../server/spawned-server.js';

const GUN = 'example.com/ha/app';
/** Readers hitting the load balancer while publishes run (each one request at a time). */
const READERS = 4;
const PUBLISHES_BEFORE_STOP = 2;
const PUBLISHES_AFTER_STOP = 3;

/** The ```haproxy block of docs/server-ha.md with this test's addresses and files. */
function haproxyConfig(listen: string, pemFile: string, replicas: string[]): string {
  const doc = readFileSync(path.resolve('docs/server-ha.md'), 'utf8');
  const block = /```haproxy\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/server-ha.md has no ```haproxy block');
  const replace = (text: string, from: string | RegExp, to: string) => {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`the haproxy block in docs/server-ha.md no longer has ${String(from)}`);
    return next;
  };
  let config = replace(block, 'log /dev/log local0', 'log stderr format raw local0');
  config = replace(config, 'bind :443 ssl crt /etc/haproxy/certs/notary.pem', `bind ${listen} ssl crt ${pemFile}`);
  config = replace(config, /( {4}server replica\d+ \S+\n)+/, replicas.map((r, i) => `    server replica${i + 1} ${r}\n`).join(''));
  return config;
}

describe('HAProxy in front of two trust-tui server replicas (docs/server-ha.md)', () => {
  let replicas: SpawnedServer[] = [];
  let haproxy: PeerProcess;
  let url: string;
  let caFile: string;
  let dir: string;

  beforeAll(async () => {
    const haproxyBinary = requireBinary('haproxy');
    dir = await makeScratchDir('load-balancer');
    const pki = await makePki(path.join(dir, 'pki'));
    caFile = pki.caCert;
    const pem = path.join(dir, 'notary.pem');
    writeFileSync(pem, readFileSync(pki.serverCert, 'utf8') + readFileSync(pki.serverKey, 'utf8'), { mode: 0o600 });

    const dataDir = path.join(dir, 'data');
    for (let i = 0; i < 2; i++) replicas.push(await spawnServer(['--workers', '1', '--shutdown-timeout', '20', '-q'], { dataDir }));
    const port = await freePort();
    const config = path.join(dir, 'haproxy.cfg');
    writeFileSync(config, haproxyConfig(`127.0.0.1:${port}`, pem, replicas.map((r) => new URL(r.url).host)));
    const check = await runCommand(haproxyBinary, ['-c', '-f', config]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    haproxy = startPeerProcess('haproxy', haproxyBinary, ['-db', '-f', config]);
    url = `https://127.0.0.1:${port}`;
    // Both replicas in service (their readiness checks passed twice).
    await waitUntil('HAProxy passing requests to the replicas', async () => (await readStatus(url, caFile, '/_notary_server/ready')) === 200, { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 2_500));
  }, 60_000);

  afterAll(async () => {
    await stopAllPeers();
    for (const r of replicas) await r.cleanUp();
    replicas = [];
  });

  it('notary publishes and reads go on without a failed request while one replica drains and stops', async () => {
    const notary = notaryCli(path.join(dir, 'trust'), url, caFile);
    const content = path.join(dir, 'content.txt');
    writeFileSync(content, 'release contents\n');
    const run = async (args: string[]) => {
      const r = await notary(args);
      expect(r.code, `notary ${args.join(' ')}:\n${r.stdout}${r.stderr}\nhaproxy:\n${haproxy.logs().slice(-2000)}`).toBe(0);
      return r;
    };
    await run(['init', GUN, '-p']);
    // HAProxy's request id reaches the replica, which logs it and sends it back.
    expect(await requestIdThrough(url, caFile)).toMatch(/^[0-9A-F]+:[0-9A-F]+_[0-9A-F]+:[0-9A-F]+_/);

    // Readers: metadata and readiness through the load balancer, kept-alive connections.
    const agent = new https.Agent({ keepAlive: true, ca: readFileSync(caFile) });
    const failures: string[] = [];
    let reads = 0;
    let reading = true;
    const readers = Array.from({ length: READERS }, async (_, i) => {
      while (reading) {
        const target = i % 2 ? `/v2/${GUN}/_trust/tuf/timestamp.json` : `/v2/${GUN}/_trust/tuf/root.json`;
        const status = await readStatus(url, caFile, target, agent).catch((e: Error) => `error ${e.message}`);
        reads++;
        if (status !== 200) failures.push(`${target}: ${status}`);
      }
    });

    const tags: string[] = [];
    const publish = async () => {
      const tag = `v${tags.length}`;
      await run(['add', GUN, tag, content, '-p']);
      tags.push(tag);
    };
    for (let i = 0; i < PUBLISHES_BEFORE_STOP; i++) await publish();

    const [stopping, staying] = replicas as [SpawnedServer, SpawnedServer];
    stopping.child.kill('SIGTERM');
    for (let i = 0; i < PUBLISHES_AFTER_STOP; i++) await publish();
    expect(await stopping.exited, stopping.output()).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    reading = false;
    await Promise.all(readers);
    agent.destroy();

    expect(failures, `${failures.length} of ${reads} reads failed`).toEqual([]);
    expect(reads).toBeGreaterThan(50);
    expect(staying.child.exitCode).toBeNull();

    // A client that has never seen the repository gets every tag, through the remaining replica.
    const fresh = notaryCli(path.join(dir, 'fresh-trust'), url, caFile);
    const list = await fresh(['list', GUN]);
    expect(list.code, list.stderr).toBe(0);
    for (const tag of tags) expect(list.stdout).toMatch(new RegExp(`^${tag}\\s`, 'm'));
  }, 120_000);
});

/** The status of one GET (or the error), trusting `caFile`. */
function readStatus(base: string, caFile: string, target: string, agent?: https.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(`${base}${target}`, { ...(agent ? { agent } : { ca: readFileSync(caFile), agent: false }), timeout: 15_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** The X-Request-Id a GET through the load balancer comes back with. */
function requestIdThrough(base: string, caFile: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    https
      .get(`${base}/_notary_server/health`, { ca: readFileSync(caFile), agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers['x-request-id'] as string | undefined));
      })
      .on('error', reject);
  });
}
