// Throughput and latency of `trust-tui server` against notary-server 0.7, both on ONE throwaway
// PostgreSQL (one database per server under test), at one and at three replicas:
//   GET timestamp.json, and publish (throughput and p99).
//
//   npx tsx bench/server-pg-bench.ts [--rounds 3] [--seconds 3] [--concurrency 16] [--publishers 8] [--publishes 40]
//                                    [--one-worker] [--only SCENARIO] [--write-readme]
//   BENCH_CPU_PROF_DIR=dir writes a CPU profile of every trust-tui process when it stops.
//
// Setups (all started before the first round and left idle while another is measured):
//   trust-tui ×1: one process with its default workers (--workers 2 on this 2-core machine);
//   trust-tui ×3: three processes with --workers 1 each (three replicas already use both cores);
//   notary-server ×1 and ×3: stateless notary-server processes sharing ONE notary-signer (its keys in
//   its own PostgreSQL database), as notary is deployed in production.
//   --one-worker adds trust-tui ×1 with --workers 1 (the same process count as notary-server ×1).
// Every replica of a setup has its own port and the same TLS certificate (one test CA). The load
// generator spreads requests over a setup's replicas (bench/lib/server-load.ts). Each scenario runs
// in rounds alternating between the setups it compares (the order flips every round); req/s is the
// median of the rounds, latency percentiles are over all requests. Every loop is bounded.
import { listeningUrl } from './lib/server-url.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePki, startNotaryServer, stopAllPeers, type NotaryServer, type PkiFiles } from '../test/helpers/peers.js';
import { startPostgres, type PostgresCluster } from '../test/helpers/postgres.js';
import { cpuMs, formatRows, newRepository, publishLoad, timedLoad, type Row, type ServerUnderTest, type Stats } from './lib/server-load.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NOTARY_SCHEMA = path.join(ROOT, 'test', 'fixtures', 'notary-server-postgres');
const PASSPHRASE = 'bench-passphrase';
const SIGNER_ALIAS = 'bench';

interface Options {
  rounds: number;
  seconds: number;
  concurrency: number;
  publishers: number;
  publishes: number;
  oneWorker: boolean;
  /** Run only the scenarios whose name contains this (e.g. `publish`); for profiling. */
  only?: string;
  writeReadme: boolean;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    const n = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error(`--${name} must be a whole number from 1 to 10000`);
    return n;
  };
  return {
    rounds: value('rounds', 3),
    seconds: value('seconds', 3),
    concurrency: value('concurrency', 16),
    publishers: value('publishers', 8),
    publishes: value('publishes', 40),
    oneWorker: argv.includes('--one-worker'),
    only: argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined,
    writeReadme: argv.includes('--write-readme'),
  };
}

/** The process whose command line contains `needle` (a config path unique to one peer). */
function pidOf(needle: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  throw new Error(`no process runs with ${needle}`);
}

/**
 * CPU time of PostgreSQL: the postmaster, its live backends and the backends it has reaped (a
 * client that opens and closes connections leaves its cost in the postmaster's children times).
 */
function databaseCpuMs(postmasterPid: number): number {
  const stat = readFileSync(`/proc/${postmasterPid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const reapedTicks = Number(fields[13]) + Number(fields[14]); // cutime + cstime
  return cpuMs(postmasterPid) + (reapedTicks * 1000) / 100;
}

// ---------------------------------------------------------------------------------------------
// trust-tui replicas

interface Replica {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function startTrustTuiReplica(databaseUrl: string, pki: PkiFiles, workers: number): Promise<Replica> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trust-tui-pg-bench-'));
  // node itself (not the tsx wrapper), so that the measured process is the server.
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // BENCH_CPU_PROF_DIR=dir: each trust-tui process writes a CPU profile there when it stops.
      ...(process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR] : []),
      '--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'server',
      '--listen', '127.0.0.1:0', '--data', dataDir, '--quiet', '--workers', String(workers),
      '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey,
    ],
    {
      cwd: ROOT,
      // The URL travels in the environment, not on the command line other users can read.
      env: { ...process.env, TRUST_TUI_SERVER_PASSPHRASE: PASSPHRASE, TRUST_TUI_DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const { url, output } = await listeningUrl(child, 60_000);
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      const notes = output().split('\n').filter((l) => /stopped \(|error/i.test(l));
      if (notes.length) process.stderr.write(`trust-tui server reported:\n${notes.join('\n')}\n`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startTrustTui(name: string, databaseUrl: string, pki: PkiFiles, replicas: number, workers: number): Promise<ServerUnderTest> {
  const started: Replica[] = [];
  try {
    // One after the other: the first applies the schema migrations.
    for (let i = 0; i < replicas; i++) started.push(await startTrustTuiReplica(databaseUrl, pki, workers));
  } catch (err) {
    for (const r of started) await r.stop();
    throw err;
  }
  return {
    name,
    urls: started.map((r) => r.url),
    ca: readFileSync(pki.caCert),
    pids: started.map((r) => r.pid),
    async stop() {
      for (const r of started) await r.stop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// notary-server replicas around one notary-signer

interface NotaryBackends {
  pg: PostgresCluster;
  pki: PkiFiles;
  signerDbUrl: string;
  /** Set once the first notary-server started the shared signer. */
  signerPort?: number;
  signerPid?: number;
}

/** What a setup printed, for when one of its processes died during a round. */
const setupLogs = new Map<ServerUnderTest, () => string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startNotary(name: string, databaseUrl: string, backends: NotaryBackends, replicas: number): Promise<ServerUnderTest> {
  const started: NotaryServer[] = [];
  const sslOff = (url: string) => `${url}?sslmode=disable`;
  try {
    for (let i = 0; i < replicas; i++) {
      const server = await startNotaryServer({
        signer: 'remote',
        pki: backends.pki,
        storage: { backend: 'postgres', db_url: sslOff(databaseUrl) },
        signerStorage: { backend: 'postgres', db_url: sslOff(backends.signerDbUrl), default_alias: SIGNER_ALIAS },
        signerEnv: { [`NOTARY_SIGNER_${SIGNER_ALIAS.toUpperCase()}`]: PASSPHRASE },
        sharedSignerPort: backends.signerPort,
      });
      started.push(server);
      if (backends.signerPort === undefined) {
        backends.signerPort = server.signerPort;
        backends.signerPid = pidOf(path.join(server.dir, 'signer.json'));
      }
    }
  } catch (err) {
    for (const s of started.reverse()) await s.stop();
    throw err;
  }
  const setup: ServerUnderTest = {
    name,
    urls: started.map((s) => s.url),
    ca: readFileSync(backends.pki.caCert),
    // The signer signs every publish's snapshot and timestamp: its CPU is part of notary's cost.
    pids: [...started.map((s) => pidOf(path.join(s.dir, 'server.json'))), backends.signerPid!],
    async stop() {
      // Replicas that only use the shared signer first; the one that owns it stops it.
      for (const s of [...started].reverse()) await s.stop();
    },
  };
  setupLogs.set(setup, () => started.map((s) => `${s.url}:\n${s.logs()}\n${s.signerLogs()}`).join('\n'));
  return setup;
}

// ---------------------------------------------------------------------------------------------
// Report

/** Connections each database accepted over the whole run (set-up included), from pg_stat_database. */
async function sessionsOpened(pg: PostgresCluster): Promise<string> {
  const { stdout } = await pg.psql(
    "COPY (SELECT datname || ' ' || sessions FROM pg_stat_database WHERE datname NOT IN ('postgres', 'template0', 'template1') AND datname IS NOT NULL ORDER BY datname) TO STDOUT",
  );
  const counts = stdout.trim().split('\n').map((line) => line.replace(' ', ': '));
  return `Database connections opened during the whole run (pg_stat_database.sessions): ${counts.join(', ')}.`;
}

const BEGIN = '<!-- server-pg-bench:begin -->';
const END = '<!-- server-pg-bench:end -->';

function medianRate(rounds: Stats[]): number {
  const rates = rounds.map((r) => r.requests / r.seconds).sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] ?? 0;
}

function p99(rounds: Stats[]): number {
  const sorted = rounds.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? 0;
}

interface Comparison {
  scenario: string;
  ours: Row;
  theirs: Row;
  /** Throughput ratio the issue asks for (reads 1.5, publishes 1.0). */
  goal: number;
}

function verdicts(comparisons: Comparison[]): string {
  return comparisons
    .map(({ scenario, ours, theirs, goal }) => {
      const ratio = medianRate(ours.rounds) / medianRate(theirs.rounds);
      const [ourP99, theirP99] = [p99(ours.rounds), p99(theirs.rounds)];
      const met = ratio >= goal && (goal < 1.5 ? ourP99 <= theirP99 : true);
      const latency = goal < 1.5 ? `; p99 ${ourP99.toFixed(1)} ms vs ${theirP99.toFixed(1)} ms (goal: no worse)` : '';
      const errors = [ours, theirs]
        .map((r) => {
          const failures = new Map<string, number>();
          for (const [what, n] of r.rounds.flatMap((s) => [...(s.failures ?? [])])) failures.set(what, (failures.get(what) ?? 0) + n);
          return failures.size ? `${r.server} failed ${[...failures].map(([what, n]) => `${n}× ${what}`).join(', ')}` : '';
        })
        .filter(Boolean)
        .join('; ');
      return `- ${scenario}: ${ratio.toFixed(2)}× notary-server's req/s (goal ≥ ${goal.toFixed(1)}×)${latency}: ${met ? 'met' : 'NOT met'}${errors ? ` (${errors})` : ''}`;
    })
    .join('\n');
}

function writeReadme(table: string, summary: string, opts: Options): void {
  const file = path.join(ROOT, 'bench', 'README.md');
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`${file} has no ${BEGIN} … ${END} section`);
  const load = loadavg()[0]!.toFixed(1);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, load average ${load} at the end`;
  const body =
    `${BEGIN}\nMeasured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}; ${opts.rounds} rounds per scenario and setup; ` +
    `reads: ${opts.seconds} s per round, ${opts.concurrency} concurrent connections; ` +
    `publish: ${opts.publishers} publishers × ${opts.publishes} updates per round.\n\n${table}\n\n${summary}\n`;
  writeFileSync(file, text.slice(0, start) + body + text.slice(end));
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const scratch = mkdtempSync(path.join(tmpdir(), 'trust-tui-pg-bench-pki-'));
  const setups: ServerUnderTest[] = [];
  try {
    const pki = await makePki(scratch);
    // Connections: 3 trust-tui processes × pool 10 (+ the ×1 setup's workers), notary's Go pools.
    const pg = await startPostgres({ maxConnections: 300 });
    const schema = (file: string) => readFileSync(path.join(NOTARY_SCHEMA, file), 'utf8');
    const db = async (name: string, sql?: string) => {
      const url = await pg.createDatabase(name);
      if (sql) await pg.psql(sql, name);
      return url;
    };
    const notarySchema = schema('0001_initial.up.sql') + schema('0002_changefeed.up.sql');
    const backends: NotaryBackends = { pg, pki, signerDbUrl: await db('notarysigner', schema('signer-0001_initial.up.sql')) };

    process.stderr.write('starting the servers…\n');
    const ours1 = await startTrustTui('trust-tui ×1 (2 workers)', await db('trusttui1'), pki, 1, 2);
    setups.push(ours1);
    const ours3 = await startTrustTui('trust-tui ×3 (1 worker each)', await db('trusttui3'), pki, 3, 1);
    setups.push(ours3);
    const oursOneWorker = opts.oneWorker ? await startTrustTui('trust-tui ×1 (1 worker)', await db('trusttui1w'), pki, 1, 1) : undefined;
    if (oursOneWorker) setups.push(oursOneWorker);
    const theirs1 = await startNotary('notary-server 0.7 ×1', await db('notary1', notarySchema), backends, 1);
    setups.push(theirs1);
    const theirs3 = await startNotary('notary-server 0.7 ×3', await db('notary3', notarySchema), backends, 3);
    setups.push(theirs3);

    const small = 'bench.example.com/small';
    for (const setup of setups) await newRepository(setup, small, 1);

    const ones = [ours1, ...(oursOneWorker ? [oursOneWorker] : []), theirs1];
    const threes = [ours3, theirs3];
    type Run = (s: ServerUnderTest, round: number, onStart: () => void) => Promise<Stats>;
    const timestamp: Run = (s, _round, onStart) => timedLoad(s, `/v2/${small}/_trust/tuf/timestamp.json`, opts, onStart);
    const publish = (replicas: number): Run => (s, round, onStart) =>
      publishLoad(s, opts, `r${replicas}-${round}`, { warmEveryReplica: true, onStart });
    const scenarios: { name: string; setups: ServerUnderTest[]; run: Run }[] = [
      { name: 'GET timestamp.json, 1 replica', setups: ones, run: timestamp },
      { name: 'GET timestamp.json, 3 replicas', setups: threes, run: timestamp },
      { name: 'publish, 1 replica', setups: ones, run: publish(1) },
      { name: 'publish, 3 replicas', setups: threes, run: publish(3) },
    ];
    const rows: Row[] = [];
    const incidents: string[] = [];
    const chosen = scenarios.filter((s) => !opts.only || s.name.includes(opts.only));
    for (const scenario of chosen) {
      const perSetup = new Map(scenario.setups.map((s) => [s, [] as Stats[]]));
      for (let round = 0; round < opts.rounds; round++) {
        const order = round % 2 === 0 ? scenario.setups : [...scenario.setups].reverse();
        for (const setup of order) {
          process.stderr.write(`${scenario.name}, round ${round + 1}: ${setup.name}\n`);
          // A process that died has no /proc entry any more (NaN): counted as 0.
          const cpu = () => setup.pids.reduce((sum, pid) => sum + (cpuMs(pid) || 0), 0);
          // CPU counters are read when the measured part starts: repository set-up (key creation,
          // PBKDF2) and warm-up requests are left out.
          let cpuBefore = 0;
          let databaseBefore = 0;
          const stats = await scenario.run(setup, round, () => {
            cpuBefore = cpu();
            databaseBefore = databaseCpuMs(pg.peer.pid);
          });
          const dead = setup.pids.filter((pid) => !isAlive(pid));
          if (dead.length) {
            const logs = setupLogs.get(setup)?.() ?? '(trust-tui: its output is above)';
            process.stderr.write(`${setup.name}: process ${dead.join(', ')} died during the round; its last output:\n${logs.split('\n').slice(-40).join('\n')}\n`);
            incidents.push(`${setup.name}: a process died during ${scenario.name}, round ${round + 1} (its CPU time is lost)`);
          }
          stats.serverCpuMs = cpu() - cpuBefore;
          // PostgreSQL's postmaster and its backends (children), serving only this setup meanwhile.
          stats.databaseCpuMs = databaseCpuMs(pg.peer.pid) - databaseBefore;
          perSetup.get(setup)!.push(stats);
        }
      }
      for (const setup of scenario.setups) rows.push({ scenario: scenario.name, server: setup.name, rounds: perSetup.get(setup)! });
    }
    const row = (scenario: string, setup: ServerUnderTest) => rows.find((r) => r.scenario === scenario && r.server === setup.name)!;
    const comparisons: Comparison[] = chosen.map((s) => ({
      scenario: s.name,
      ours: row(s.name, s.setups[0]!),
      theirs: row(s.name, s.setups[s.setups.length - 1]!),
      goal: s.name.startsWith('GET') ? 1.5 : 1.0,
    }));
    const table = formatRows(rows);
    const summary = [verdicts(comparisons), ...incidents.map((i) => `- ${i}`)].join('\n') + `\n\n${await sessionsOpened(pg)}`;
    process.stdout.write(`${table}\n\n${summary}\n`);
    if (opts.writeReadme && !opts.only) writeReadme(table, summary, opts);
  } finally {
    for (const setup of setups.reverse()) await setup.stop();
    await stopAllPeers();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
