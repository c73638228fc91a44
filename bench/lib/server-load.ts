// The load generator and repository set-up shared by the server benchmarks: N workers with
// keep-alive connections, each sending its next request when the previous answer has been read;
// requests spread round-robin over a server's replicas. Every loop is bounded in time or count.
import { readdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { encodeMultipart } from '../../src/notary/multipart.js';
import { PublicKey } from '../../src/tuf/key.js';
import { FileMeta } from '../../src/tuf/metadata/filemeta.js';
import { TestRepo } from '../../test/server/repo-fixture.js';

export interface LoadOptions {
  seconds: number;
  concurrency: number;
  publishers: number;
  publishes: number;
}

export interface ServerUnderTest {
  name: string;
  /** One URL per replica; the load is spread over them round-robin. */
  urls: string[];
  ca: Buffer;
  /** The servers' processes, whose CPU time (with their workers') is measured (Linux /proc). */
  pids: number[];
  stop(): Promise<void>;
}

/** The process whose command line mentions `needle` (the fixture starts notary-server with its config path). */
export function pidByCommandLine(needle: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle) && cmdline.includes('notary-server')) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  throw new Error(`no process runs with ${needle}`);
}

/** `/proc/<pid>/stat` fields after the command name (which may contain spaces), or undefined. */
function statFields(pid: string | number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** User + system CPU time so far of a process and its child processes (server workers), in ms. */
export function cpuMs(pid: number): number {
  const ticksPerSecond = 100; // USER_HZ on Linux
  const ticks = (fields: string[]) => Number(fields[11]) + Number(fields[12]);
  let total = ticks(statFields(pid) ?? []);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields && Number(fields[1]) === pid) total += ticks(fields);
  }
  return (total * 1000) / ticksPerSecond;
}

// ---------------------------------------------------------------------------------------------
// The load generator: N workers, keep-alive, each waits for its answer before the next request.

/** The answer's status, or the connection error's code (as a string) when there was no answer. */
function answerOrError(pending: Promise<number>): Promise<number | string> {
  return pending.catch((err: NodeJS.ErrnoException) => err.code ?? err.message);
}

function count(stats: Stats, outcome: number | string): void {
  stats.requests++;
  if (outcome === 200) return;
  stats.errors++;
  const key = String(outcome);
  stats.failures ??= new Map();
  stats.failures.set(key, (stats.failures.get(key) ?? 0) + 1);
}

export interface Stats {
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
  /** What the failed requests got: an HTTP status or the connection error's code, with counts. */
  failures?: Map<string, number>;
  /** CPU time the server process used during the measurement. */
  serverCpuMs?: number;
  /** CPU time the database server (all its processes) used during the measurement, where there is one. */
  databaseCpuMs?: number;
}

function request(agent: https.Agent, url: URL, method: string, body?: Buffer, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, agent, headers: body ? { ...headers, 'content-length': String(body.length) } : headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Go's HTTP client (docker, notary) asks for gzip on every request; so does this load generator. */
const READ_HEADERS = { 'accept-encoding': 'gzip' };

/** Called when the measured part starts (after warm-up and preparation), e.g. to read CPU counters. */
export type OnMeasureStart = () => void;

export async function timedLoad(server: ServerUnderTest, urlPath: string, opts: LoadOptions, onStart?: OnMeasureStart): Promise<Stats> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: opts.concurrency, ca: server.ca });
  const urlOf = (worker: number) => new URL(server.urls[worker % server.urls.length] + urlPath);
  const stats: Stats = { requests: 0, errors: 0, seconds: opts.seconds, latenciesMs: [] };
  // Warm-up: connections and caches.
  await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => request(agent, urlOf(w), 'GET', undefined, READ_HEADERS)));
  onStart?.();
  const deadline = performance.now() + opts.seconds * 1000;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async (_, w) => {
      const url = urlOf(w);
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const outcome = await answerOrError(request(agent, url, 'GET', undefined, READ_HEADERS));
        stats.latenciesMs.push(performance.now() - t0);
        count(stats, outcome);
      }
    }),
  );
  agent.destroy();
  return stats;
}

/**
 * Each publisher has its own repository (new ones for every `series` name) and a prepared series of
 * targets versions, sent in order; with replicas, publish i of publisher w goes to replica (w + i) mod
 * n, so each version is accepted by a different replica than the one before. Preparing (signing) is
 * not measured. With `warmEveryReplica`, each publisher first sends one untimed version to every
 * replica, so that the timed publishes go to replicas that have already opened the repository's
 * server keys (steady state; the first use of a key on a replica decrypts it).
 */
export async function publishLoad(
  server: ServerUnderTest,
  opts: LoadOptions,
  seriesName: string | number,
  { warmEveryReplica = false, onStart }: { warmEveryReplica?: boolean; onStart?: OnMeasureStart } = {},
): Promise<Stats> {
  const warmups = warmEveryReplica ? server.urls.length : 0;
  // One keep-alive connection per publisher and replica, as each client has its own: a publisher's
  // requests to a replica stay on one connection (with --workers, on one worker process).
  const newAgents = () => Array.from({ length: opts.publishers }, () => new https.Agent({ keepAlive: true, maxSockets: 1, ca: server.ca }));
  let agents = newAgents();
  const series = await Promise.all(
    Array.from({ length: opts.publishers }, async (_, w) => {
      const gun = `bench.example.com/publish-${seriesName}-${w}`;
      const repo = await newRepository(server, gun);
      const bodies: { body: Buffer; contentType: string }[] = [];
      for (let i = 0; i < warmups + opts.publishes; i++) {
        repo.targets.addTarget(`tag-${i}`, FileMeta.fromBytes(Buffer.from(`${gun}:${i}`)));
        repo.bump(repo.targets, 'targets');
        bodies.push(encodeMultipart([{ role: 'targets', bytes: repo.signTargets() }]));
      }
      return { gun, bodies };
    }),
  );
  const urlOf = (gun: string, w: number, i: number) => new URL(`${server.urls[(w + i) % server.urls.length]}/v2/${gun}/_trust/tuf/`);
  await Promise.all(
    series.map(async ({ gun, bodies }, w) => {
      for (let i = 0; i < warmups; i++) {
        const { body, contentType } = bodies[i]!;
        const status = await request(agents[w]!, urlOf(gun, w, i), 'POST', body, { 'content-type': contentType });
        if (status !== 200) throw new Error(`${server.name}: warm-up publish to ${gun} answered ${status}`);
      }
    }),
  );
  if (warmups > 0) {
    // While replicas open keys, a warm-up connection can sit idle past the server's keep-alive
    // timeout; reusing it would race the server closing it (ECONNRESET). Fresh connections instead.
    for (const agent of agents) agent.destroy();
    agents = newAgents();
  }
  const stats: Stats = { requests: 0, errors: 0, seconds: 0, latenciesMs: [] };
  onStart?.();
  const started = performance.now();
  await Promise.all(
    series.map(async ({ gun, bodies }, w) => {
      for (let i = warmups; i < bodies.length; i++) {
        const { body, contentType } = bodies[i]!;
        const url = urlOf(gun, w, i);
        const t0 = performance.now();
        const outcome = await answerOrError(request(agents[w]!, url, 'POST', body, { 'content-type': contentType }));
        stats.latenciesMs.push(performance.now() - t0);
        count(stats, outcome);
      }
    }),
  );
  stats.seconds = (performance.now() - started) / 1000;
  for (const agent of agents) agent.destroy();
  return stats;
}

// ---------------------------------------------------------------------------------------------
// Repositories

async function getKey(server: ServerUnderTest, gun: string, role: string): Promise<PublicKey> {
  const agent = new https.Agent({ ca: server.ca });
  const body = await new Promise<string>((resolve, reject) => {
    https
      .get(`${server.urls[0]}/v2/${gun}/_trust/tuf/${role}.key`, { agent }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
  agent.destroy();
  return PublicKey.fromJSON(JSON.parse(body));
}

/** A published repository whose snapshot the server manages (root v1 and targets v2 are stored). */
export async function newRepository(server: ServerUnderTest, gun: string, tags = 0): Promise<TestRepo> {
  const repo = await TestRepo.create(gun, await getKey(server, gun, 'timestamp'), await getKey(server, gun, 'snapshot'));
  for (let i = 0; i < tags; i++) repo.targets.addTarget(`release-${i}`, FileMeta.fromBytes(Buffer.from(`${gun}:${i}`)));
  const files = repo.firstPublish().filter((f) => f.role !== 'snapshot');
  const { body, contentType } = encodeMultipart(files.map((f) => ({ role: f.role, bytes: f.data })));
  const agent = new https.Agent({ ca: server.ca });
  const status = await request(agent, new URL(`${server.urls[0]}/v2/${gun}/_trust/tuf/`), 'POST', body, { 'content-type': contentType });
  agent.destroy();
  if (status !== 200) throw new Error(`${server.name}: first publish of ${gun} answered ${status}`);
  return repo;
}

// ---------------------------------------------------------------------------------------------
// Report

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export interface Row {
  scenario: string;
  server: string;
  /** One entry per round. */
  rounds: Stats[];
}

export function formatRows(rows: Row[]): string {
  const withDatabase = rows.some((r) => r.rounds.some((s) => s.databaseCpuMs !== undefined));
  const lines = [
    '| scenario | server | requests | errors | req/s (median of rounds) | p50 ms | p90 ms | p99 ms | server CPU ms per request |' +
      (withDatabase ? ' database CPU ms per request |' : ''),
    '|---|---|---:|---:|---:|---:|---:|---:|---:|' + (withDatabase ? '---:|' : ''),
  ];
  for (const { scenario, server, rounds } of rows) {
    const sorted = rounds.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
    const rates = rounds.map((r) => r.requests / r.seconds).sort((a, b) => a - b);
    const requests = rounds.reduce((n, r) => n + r.requests, 0);
    const errors = rounds.reduce((n, r) => n + r.errors, 0);
    const cpu = rounds.reduce((n, r) => n + (r.serverCpuMs ?? 0), 0);
    const databaseCpu = rounds.reduce((n, r) => n + (r.databaseCpuMs ?? 0), 0);
    lines.push(
      `| ${scenario} | ${server} | ${requests} | ${errors} | ${percentile(rates, 50).toFixed(0)} | ` +
        `${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 90).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} | ` +
        `${(cpu / requests).toFixed(3)} |` +
        (withDatabase ? ` ${(databaseCpu / requests).toFixed(3)} |` : ''),
    );
  }
  return lines.join('\n');
}

