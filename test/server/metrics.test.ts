// GET /metrics: Prometheus counters a scraper sees after real traffic (publishes accepted and refused,
// reads, misses), labelled by route name and never by repository; and who may scrape.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http.js';
import { TestRepo } from './repo-fixture.js';
import { errorOf, startTestServer, type TestServer } from './server-harness.js';
import { childPids, spawnServer, type SpawnedServer } from './spawned-server.js';

const GUN = 'example.com/secret-team/app';
const MISSING_GUN = 'example.com/other-secret/web';

/** `name{labels} value` lines of a scrape, keyed by everything before the value. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    map.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return map;
}

describe('GET /metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ insecureHttp: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('counts requests by route and status, publishes by outcome and reason, without any repository name', async () => {
    const repo = await TestRepo.create(GUN, await server.timestampKey(GUN));
    const files = repo.firstPublish();
    expect((await server.publish(GUN, files)).status).toBe(200);
    const refused = await server.publish(GUN, files); // the same versions again
    expect(refused.status).toBe(400);
    const reason = errorOf(refused).code;
    expect(reason).toBe('VERSION');
    for (let i = 0; i < 2; i++) expect((await server.request('GET', `/v2/${GUN}/_trust/tuf/root.json`)).status).toBe(200);
    expect((await server.request('GET', `/v2/${MISSING_GUN}/_trust/tuf/root.json`)).status).toBe(404);
    expect((await server.request('GET', `/v2/${MISSING_GUN}/nothing/here`)).status).toBe(404);

    const scrape = await server.request('GET', '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = scrape.text();
    const s = samples(text);
    expect(s.get('trust_tui_http_requests_total{route="server_key",method="GET",status="200"}')).toBe(1);
    expect(s.get('trust_tui_http_requests_total{route="publish",method="POST",status="200"}')).toBe(1);
    expect(s.get('trust_tui_http_requests_total{route="publish",method="POST",status="400"}')).toBe(1);
    expect(s.get('trust_tui_http_requests_total{route="metadata",method="GET",status="200"}')).toBe(2);
    expect(s.get('trust_tui_http_requests_total{route="metadata",method="GET",status="404"}')).toBe(1);
    expect(s.get('trust_tui_http_requests_total{route="unmatched",method="GET",status="404"}')).toBe(1);
    expect(s.get('trust_tui_http_request_duration_seconds_count{route="metadata"}')).toBe(3);
    expect(s.get('trust_tui_http_request_duration_seconds_bucket{le="+Inf",route="publish"}')).toBe(2);
    expect(s.get('trust_tui_publishes_total{result="accepted",reason=""}')).toBe(1);
    expect(s.get(`trust_tui_publishes_total{result="rejected",reason="${reason}"}`)).toBe(1);
    expect(s.get('trust_tui_storage_errors_total')).toBe(0);
    // The repository names appear nowhere: not as labels, not in any help text.
    expect(text).not.toMatch(/example\.com|secret-team|other-secret|_trust/);

    // The scrape itself is counted once it has been answered.
    const again = samples((await server.request('GET', '/metrics')).text());
    expect(again.get('trust_tui_http_requests_total{route="metrics",method="GET",status="200"}')).toBe(1);
  });
});

describe('who may scrape /metrics', () => {
  let dir: string;
  let guarded: TestServer;
  let open: TestServer;
  const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-metrics-auth-'));
    const readWrite = path.join(dir, 'htpasswd');
    const readOnly = path.join(dir, 'htpasswd-read');
    writeFileSync(readWrite, `alice:${bcrypt.hashSync('alice-pass', 4)}\n`);
    writeFileSync(readOnly, `reader:${bcrypt.hashSync('reader-pass', 4)}\n`);
    guarded = await startTestServer({ insecureHttp: true, htpasswd: readWrite, htpasswdReadOnly: readOnly, anonymousRead: true });
    open = await startTestServer({ insecureHttp: true, htpasswd: readWrite, metricsOpen: true });
  });
  afterAll(async () => {
    await guarded?.stop();
    await open?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with auth configured: read-write users only (as the global changefeed); --metrics-open lets anyone', async () => {
    const anonymous = await guarded.request('GET', '/metrics');
    expect([anonymous.status, errorOf(anonymous).code]).toEqual([401, 'UNAUTHORIZED']);
    const reader = await guarded.request('GET', '/metrics', { headers: basic('reader', 'reader-pass') });
    expect([reader.status, errorOf(reader).code]).toEqual([403, 'DENIED']);
    const alice = await guarded.request('GET', '/metrics', { headers: basic('alice', 'alice-pass') });
    expect(alice.status).toBe(200);
    expect(alice.text()).toContain('trust_tui_http_requests_total{route="metrics",method="GET",status="401"} 1');

    expect((await open.request('GET', '/metrics')).status).toBe(200);
  });
});

describe('/metrics of a server with several workers', () => {
  let server: SpawnedServer;
  let url: string;

  beforeAll(async () => {
    server = await spawnServer(['--workers', '2', '-q']);
    url = server.url;
  }, 30_000);
  afterAll(() => server?.cleanUp());

  it('every scrape shows the whole group totals, whichever worker answers it', async () => {
    // Fresh connections (no keep-alive): the kernel spreads them over both workers.
    for (let i = 0; i < 30; i++) expect((await httpRequest(`${url}/_notary_server/health`)).status).toBe(200);
    for (let scrape = 0; scrape < 6; scrape++) {
      const res = await httpRequest(`${url}/metrics`);
      expect(res.status, res.text()).toBe(200);
      const s = samples(res.text());
      expect(s.get('trust_tui_http_requests_total{route="health",method="GET",status="200"}')).toBe(30);
      expect(s.get('trust_tui_http_request_duration_seconds_count{route="health"}')).toBe(30);
      // Earlier scrapes, answered by either worker, are all counted.
      expect(s.get('trust_tui_http_requests_total{route="metrics",method="GET",status="200"}') ?? 0).toBe(scrape);
    }
  }, 30_000);

  it('reports a per-process limit as each worker has it, not summed over the workers', async () => {
    const workers = childPids(server);
    expect(workers).toHaveLength(2);
    const limits = new Set(workers.map((pid) => openFilesLimit(readFileSync(`/proc/${pid}/limits`, 'utf8'))));
    expect(limits.size).toBe(1);
    const s = samples((await httpRequest(`${url}/metrics`)).text());
    expect(s.get('trust_tui_process_max_fds')).toBe([...limits][0]);
    // A count is still the group's: both workers' open descriptors.
    expect(s.get('trust_tui_process_open_fds')).toBeGreaterThan(0);
  });
});

/** The soft `Max open files` limit in a /proc/<pid>/limits text. */
function openFilesLimit(limits: string): number {
  const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/ {2,}/)[1]);
}
