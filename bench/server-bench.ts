// Throughput and latency of `trust-tui server` against notary-server 0.7 (memory store, local signer)
// on this machine, with the same load generator (below) for both:
//   GET timestamp.json, GET targets.json of a repository with 10,000 tags, and publish.
//
//   npx tsx bench/server-bench.ts [--rounds 3] [--seconds 3] [--concurrency 16] [--publishers 8] [--publishes 40] [--write-readme]
//
// Both servers run as their own processes on 127.0.0.1 with TLS; the load generator runs in this
// process with keep-alive connections. Each scenario runs in rounds that alternate between the two
// servers (the order flips every round), so a burst of load from elsewhere on the machine hits both;
// req/s is the median over the rounds, latency percentiles are over all requests. Every loop is
// bounded in time or count.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeMultipart } from '../src/notary/multipart.js';
import { PublicKey } from '../src/tuf/key.js';
import { FileMeta } from '../src/tuf/metadata/filemeta.js';
import { startNotaryServer, stopAllPeers } from '../test/helpers/peers.js';
import { TestRepo } from '../test/server/repo-fixture.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Options {
  rounds: number;
  seconds: number;
  concurrency: number;
  publishers: number;
  publishes: number;
  writeReadme: boolean;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  return {
    rounds: value('rounds', 3),
    seconds: value('seconds', 3),
    concurrency: value('concurrency', 16),
    publishers: value('publishers', 8),
    publishes: value('publishes', 40),
    writeReadme: argv.includes('--write-readme'),
  };
}

interface ServerUnderTest {
  name: string;
  url: string;
  ca: Buffer;
  /** The server's process, whose CPU time (with its workers') is measured (Linux /proc). */
  pid: number;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The servers

async function startOurs(): Promise<ServerUnderTest> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trust-tui-bench-'));
  // node itself (not the tsx wrapper), so that the measured process is the server.
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'server', '--listen', '127.0.0.1:0', '--data', dataDir, '--quiet'],
    { cwd: ROOT, env: { ...process.env, TRUST_TUI_SERVER_PASSPHRASE: 'bench-passphrase' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`trust-tui server did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (https:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', () => reject(new Error(`trust-tui server exited:\n${out}`)));
  });
  return {
    name: 'trust-tui server (SQLite)',
    url,
    pid: child.pid!,
    ca: readFileSync(path.join(dataDir, 'tls', 'ca.crt')),
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      // Anything unusual the server reported (its request log is off).
      const notes = out.split('\n').filter((l) => /stopped \(|error/i.test(l));
      if (notes.length) process.stderr.write(`trust-tui server reported:\n${notes.join('\n')}\n`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startTheirs(): Promise<ServerUnderTest> {
  const server = await startNotaryServer({ signer: 'local' });
  return {
    name: 'notary-server 0.7 (memory)',
    url: server.url,
    ca: readFileSync(server.caFile),
    pid: pidByCommandLine(path.join(server.dir, 'server.json')),
    stop: () => server.stop(),
  };
}

/** The process whose command line mentions `needle` (the fixture starts notary-server with its config path). */
function pidByCommandLine(needle: string): number {
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
function cpuMs(pid: number): number {
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

interface Stats {
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
  /** CPU time the server process used during the measurement. */
  serverCpuMs?: number;
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

async function timedLoad(server: ServerUnderTest, urlPath: string, opts: Options): Promise<Stats> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: opts.concurrency, ca: server.ca });
  const url = new URL(server.url + urlPath);
  const stats: Stats = { requests: 0, errors: 0, seconds: opts.seconds, latenciesMs: [] };
  const deadline = performance.now() + opts.seconds * 1000;
  // Warm-up: connections and caches.
  await Promise.all(Array.from({ length: opts.concurrency }, () => request(agent, url, 'GET', undefined, READ_HEADERS)));
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const status = await request(agent, url, 'GET', undefined, READ_HEADERS).catch(() => 0);
        stats.latenciesMs.push(performance.now() - t0);
        stats.requests++;
        if (status !== 200) stats.errors++;
      }
    }),
  );
  agent.destroy();
  return stats;
}

/**
 * Each publisher has its own repository (new ones every round) and a prepared series of targets
 * versions, sent in order. Preparing (signing) is not measured.
 */
async function publishLoad(server: ServerUnderTest, opts: Options, round: number): Promise<Stats> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: opts.publishers, ca: server.ca });
  const series = await Promise.all(
    Array.from({ length: opts.publishers }, async (_, w) => {
      const gun = `bench.example.com/publish-${round}-${w}`;
      const repo = await newRepository(server, gun);
      const bodies: { body: Buffer; contentType: string }[] = [];
      for (let i = 0; i < opts.publishes; i++) {
        repo.targets.addTarget(`tag-${i}`, FileMeta.fromBytes(Buffer.from(`${gun}:${i}`)));
        repo.bump(repo.targets, 'targets');
        bodies.push(encodeMultipart([{ role: 'targets', bytes: repo.signTargets() }]));
      }
      return { gun, bodies };
    }),
  );
  const stats: Stats = { requests: 0, errors: 0, seconds: 0, latenciesMs: [] };
  const started = performance.now();
  await Promise.all(
    series.map(async ({ gun, bodies }) => {
      const url = new URL(`${server.url}/v2/${gun}/_trust/tuf/`);
      for (const { body, contentType } of bodies) {
        const t0 = performance.now();
        const status = await request(agent, url, 'POST', body, { 'content-type': contentType }).catch(() => 0);
        stats.latenciesMs.push(performance.now() - t0);
        stats.requests++;
        if (status !== 200) stats.errors++;
      }
    }),
  );
  stats.seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return stats;
}

// ---------------------------------------------------------------------------------------------
// Repositories

async function getKey(server: ServerUnderTest, gun: string, role: string): Promise<PublicKey> {
  const agent = new https.Agent({ ca: server.ca });
  const body = await new Promise<string>((resolve, reject) => {
    https
      .get(`${server.url}/v2/${gun}/_trust/tuf/${role}.key`, { agent }, (res) => {
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
async function newRepository(server: ServerUnderTest, gun: string, tags = 0): Promise<TestRepo> {
  const repo = await TestRepo.create(gun, await getKey(server, gun, 'timestamp'), await getKey(server, gun, 'snapshot'));
  for (let i = 0; i < tags; i++) repo.targets.addTarget(`release-${i}`, FileMeta.fromBytes(Buffer.from(`${gun}:${i}`)));
  const files = repo.firstPublish().filter((f) => f.role !== 'snapshot');
  const { body, contentType } = encodeMultipart(files.map((f) => ({ role: f.role, bytes: f.data })));
  const agent = new https.Agent({ ca: server.ca });
  const status = await request(agent, new URL(`${server.url}/v2/${gun}/_trust/tuf/`), 'POST', body, { 'content-type': contentType });
  agent.destroy();
  if (status !== 200) throw new Error(`${server.name}: first publish of ${gun} answered ${status}`);
  return repo;
}

// ---------------------------------------------------------------------------------------------
// Report

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

interface Row {
  scenario: string;
  server: string;
  /** One entry per round. */
  rounds: Stats[];
}

function formatRows(rows: Row[]): string {
  const lines = [
    '| scenario | server | requests | errors | req/s (median of rounds) | p50 ms | p90 ms | p99 ms | server CPU ms per request |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { scenario, server, rounds } of rows) {
    const sorted = rounds.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
    const rates = rounds.map((r) => r.requests / r.seconds).sort((a, b) => a - b);
    const requests = rounds.reduce((n, r) => n + r.requests, 0);
    const errors = rounds.reduce((n, r) => n + r.errors, 0);
    const cpu = rounds.reduce((n, r) => n + (r.serverCpuMs ?? 0), 0);
    lines.push(
      `| ${scenario} | ${server} | ${requests} | ${errors} | ${percentile(rates, 50).toFixed(0)} | ` +
        `${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 90).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} | ` +
        `${(cpu / requests).toFixed(3)} |`,
    );
  }
  return lines.join('\n');
}

const BEGIN = '<!-- server-bench:begin -->';
const END = '<!-- server-bench:end -->';

function writeReadme(table: string, opts: Options): void {
  const file = path.join(ROOT, 'bench', 'README.md');
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`${file} has no ${BEGIN} … ${END} section`);
  const load = loadavg()[0]!.toFixed(1);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, load average ${load} at the end`;
  const body =
    `${BEGIN}\nMeasured ${new Date().toISOString().slice(0, 10)} on ${machine}; ${opts.rounds} rounds per scenario and server; ` +
    `reads: ${opts.seconds} s per round, ${opts.concurrency} concurrent connections; ` +
    `publish: ${opts.publishers} publishers × ${opts.publishes} updates per round.\n\n${table}\n`;
  writeFileSync(file, text.slice(0, start) + body + text.slice(end));
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const servers: ServerUnderTest[] = [];
  try {
    servers.push(await startOurs(), await startTheirs());
    const small = 'bench.example.com/small';
    const big = 'bench.example.com/big';
    for (const server of servers) {
      await newRepository(server, small, 1);
      await newRepository(server, big, 10_000);
    }
    const scenarios: { name: string; run: (server: ServerUnderTest, round: number) => Promise<Stats> }[] = [
      { name: 'GET timestamp.json', run: (server) => timedLoad(server, `/v2/${small}/_trust/tuf/timestamp.json`, opts) },
      { name: 'GET targets.json (10,000 tags)', run: (server) => timedLoad(server, `/v2/${big}/_trust/tuf/targets.json`, opts) },
      { name: 'publish (targets; server makes snapshot + timestamp)', run: (server, round) => publishLoad(server, opts, round) },
    ];
    const rows: Row[] = [];
    for (const scenario of scenarios) {
      const perServer = new Map(servers.map((s) => [s, [] as Stats[]]));
      for (let round = 0; round < opts.rounds; round++) {
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const server of order) {
          process.stderr.write(`${scenario.name}, round ${round + 1}: ${server.name}\n`);
          const cpuBefore = cpuMs(server.pid);
          const stats = await scenario.run(server, round);
          stats.serverCpuMs = cpuMs(server.pid) - cpuBefore;
          perServer.get(server)!.push(stats);
        }
      }
      for (const server of servers) rows.push({ scenario: scenario.name, server: server.name, rounds: perServer.get(server)! });
    }
    const table = formatRows(rows);
    process.stdout.write(table + '\n');
    if (opts.writeReadme) writeReadme(table, opts);
  } finally {
    for (const server of servers) await server.stop();
    await stopAllPeers();
  }
}

await main();
