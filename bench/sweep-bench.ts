// Fleet scale: `trust-tui sweep key KEY-ID` over many repositories on one `trust-tui server`, and
// `trust-tui verify` of one image per repository in one invocation, run as a user runs them (the
// built CLI, its own process), with the server's CPU time per request (from /proc, server process
// and its workers) and the requests it answered (its /metrics). Then, in rounds that alternate the
// order, the same sweep over fewer repositories against notary-server 0.7 and trust-tui server.
//
//   npm run build && node --import tsx bench/sweep-bench.ts [--repos 1000] [--concurrency N]
//       [--compare 100] [--rounds 3] [--verify-runs 3] [--write-readme]
//
// The repositories are made in-process through src/trust (bench/lib/fleet-setup.ts); that set-up is
// not measured. Every loop is bounded; the script stops every server it started.
import { listeningUrl } from './lib/server-url.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNotaryServer, stopAllPeers } from '../test/helpers/peers.js';
import { fleetContext, fleetKeys, makeFleet, PASSPHRASE_ENV } from '../test/helpers/fleet.js';
import { cpuMs, pidByCommandLine } from './lib/server-load.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

interface Options {
  repos: number;
  concurrency?: number;
  compare: number;
  rounds: number;
  verifyRuns: number;
  writeReadme: boolean;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string): number | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  const concurrency = value('concurrency');
  return {
    repos: value('repos') ?? 1000,
    ...(concurrency !== undefined ? { concurrency } : {}),
    compare: value('compare') ?? 100,
    rounds: value('rounds') ?? 3,
    verifyRuns: value('verify-runs') ?? 3,
    writeReadme: argv.includes('--write-readme'),
  };
}

interface Server {
  name: string;
  url: string;
  caFile: string;
  pid: number;
  stop(): Promise<void>;
}

async function startOurs(): Promise<Server> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trust-tui-fleet-server-'));
  const child: ChildProcess = spawn(process.execPath, [CLI, 'server', '--listen', '127.0.0.1:0', '--data', dataDir, '--quiet', '--new-keys-per-minute', '1000000'], {
    env: { ...process.env, TRUST_TUI_SERVER_PASSPHRASE: 'bench-server-passphrase' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { url } = await listeningUrl(child);
  return {
    name: 'trust-tui server (SQLite)',
    url,
    caFile: path.join(dataDir, 'tls', 'ca.crt'),
    pid: child.pid!,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startTheirs(): Promise<Server> {
  const server = await startNotaryServer({ signer: 'local' });
  return {
    name: 'notary-server 0.7 (memory)',
    url: server.url,
    caFile: server.caFile,
    pid: pidByCommandLine(path.join(server.dir, 'server.json')),
    stop: () => server.stop(),
  };
}

/** Requests the server answered so far (its /metrics, without the scrapes themselves). */
async function answeredRequests(server: Server): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    https
      .get(`${server.url}/metrics`, { ca: readFileSync(server.caFile), agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('trust_tui_http_requests_total{') || line.includes('route="metrics"')) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

interface Run {
  code: number;
  ms: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as its own process; wall time from spawn to exit. */
function runCli(dirs: { trustDir: string; configDir: string }, args: string[]): Promise<Run> {
  const started = performance.now();
  // BENCH_CPU_PROF_DIR: a CPU profile of each CLI run, to see where the time goes.
  const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR] : [];
  const child = spawn(process.execPath, [...profile, CLI, '--trust-dir', dirs.trustDir, '--config-dir', dirs.configDir, '--timeout', '60s', ...args], {
    env: { ...process.env, ...PASSPHRASE_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code: code ?? -1, ms: performance.now() - started, stdout, stderr })));
}

interface Fleet {
  trustDir: string;
  configDir: string;
  guns: string[];
  keyId: string;
  cleanup(): void;
}

async function makeFleetOn(server: Server, prefix: string, count: number): Promise<Fleet> {
  const work = mkdtempSync(path.join(tmpdir(), 'trust-tui-fleet-'));
  const trustDir = path.join(work, 'trust');
  const configDir = path.join(work, 'config');
  const ctx = fleetContext(trustDir, configDir);
  await ctx.settings.update((s) => void (s.servers[`${prefix}/*`] = { url: server.url, ca: server.caFile }));
  const keys = await fleetKeys(ctx);
  const started = performance.now();
  const guns = await makeFleet(ctx, prefix, count, keys);
  process.stderr.write(`  set up ${count} repositories on ${server.name} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return { trustDir, configDir, guns, keyId: keys.compromised.canonicalId, cleanup: () => rmSync(work, { recursive: true, force: true }) };
}

interface Measured {
  ms: number;
  cpuMs: number;
  requests?: number;
}

async function measure(server: Server, withMetrics: boolean, run: () => Promise<Run>, expectCode = 0): Promise<Measured & { run: Run }> {
  const before = withMetrics ? await answeredRequests(server) : 0;
  const cpuBefore = cpuMs(server.pid);
  const result = await run();
  const cpu = cpuMs(server.pid) - cpuBefore;
  if (result.code !== expectCode) throw new Error(`exit ${result.code}, expected ${expectCode}:\n${result.stderr.slice(-2000)}`);
  const requests = withMetrics ? (await answeredRequests(server)) - before : undefined;
  return { ms: result.ms, cpuMs: cpu, ...(requests !== undefined ? { requests } : {}), run: result };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function sweepArgs(fleet: Fleet, opts: Options): string[] {
  return ['--json', 'sweep', 'key', fleet.keyId, '--yes', ...(opts.concurrency !== undefined ? ['--concurrency', String(opts.concurrency)] : [])];
}

function checkSwept(fleet: Fleet, run: Run): void {
  const outcomes = (JSON.parse(run.stdout) as { outcomes: { gun: string; status: string }[] }).outcomes;
  const done = outcomes.filter((o) => o.status === 'done').length;
  if (done !== fleet.guns.length) throw new Error(`the sweep finished ${done} of ${fleet.guns.length} repositories`);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  const servers: Server[] = [];
  try {
    const ours = await startOurs();
    servers.push(ours);

    // 1. verify, then sweep, of the whole fleet on trust-tui server.
    process.stderr.write(`fleet of ${opts.repos} on ${ours.name}\n`);
    const fleet = await makeFleetOn(ours, 'fleet.example.com/team', opts.repos);
    const concurrencyText = opts.concurrency !== undefined ? `--concurrency ${opts.concurrency}` : 'default concurrency';
    const verifies: Measured[] = [];
    for (let i = 0; i < opts.verifyRuns; i++) {
      const m = await measure(ours, true, () => runCli(fleet, ['--json', 'verify', ...fleet.guns.map((g) => `${g}:v1`), ...(opts.concurrency !== undefined ? ['--concurrency', String(opts.concurrency)] : [])]));
      const signed = (JSON.parse(m.run.stdout) as { images: { status: string }[] }).images.filter((v) => v.status === 'signed').length;
      if (signed !== fleet.guns.length) throw new Error(`verify: ${signed} of ${fleet.guns.length} signed`);
      verifies.push(m);
      process.stderr.write(`  verify run ${i + 1}: ${(m.ms / 1000).toFixed(2)} s, ${m.requests} requests\n`);
    }
    const sweep = await measure(ours, true, () => runCli(fleet, sweepArgs(fleet, opts)));
    checkSwept(fleet, sweep.run);
    fleet.cleanup();

    const load = loadavg().map((l) => l.toFixed(1)).join(' ');
    say(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, load average ${load} (1, 5, 15 min) after the fleet runs; ${concurrencyText}.`);
    say('');
    say('| command (built CLI, own process) | repositories | wall s | requests | server CPU ms per request | server CPU ms per repository |');
    say('|---|---:|---:|---:|---:|---:|');
    const v = verifies.map((m) => m.ms);
    const vm = verifies[verifies.findIndex((m) => m.ms === median(v))] ?? verifies[0]!;
    say(`| \`verify\` one tag per repository (warm cache; median of ${verifies.length}) | ${opts.repos} | ${(median(v) / 1000).toFixed(1)} | ${vm.requests} | ${(vm.cpuMs / vm.requests!).toFixed(3)} | ${(vm.cpuMs / opts.repos).toFixed(2)} |`);
    say(`| \`sweep key\` (dry run read + removal + read-back per repository) | ${opts.repos} | ${(sweep.ms / 1000).toFixed(1)} | ${sweep.requests} | ${(sweep.cpuMs / sweep.requests!).toFixed(3)} | ${(sweep.cpuMs / opts.repos).toFixed(2)} |`);

    // 2. The same sweep over fewer repositories, trust-tui server against notary-server 0.7, paired.
    if (opts.compare > 0 && opts.rounds > 0) {
      const theirs = await startTheirs();
      servers.push(theirs);
      const pair = [ours, theirs];
      const results = new Map<Server, Measured[]>(pair.map((s) => [s, []]));
      const ratios: number[] = [];
      for (let round = 0; round < opts.rounds; round++) {
        process.stderr.write(`comparison round ${round + 1}\n`);
        const fleets = new Map<Server, Fleet>();
        for (const s of pair) fleets.set(s, await makeFleetOn(s, `cmp${round}-${s === ours ? 'tt' : 'ns'}.example.com/team`, opts.compare));
        const order = round % 2 === 0 ? pair : [...pair].reverse();
        const times = new Map<Server, number>();
        for (const s of order) {
          const f = fleets.get(s)!;
          const m = await measure(s, s === ours, () => runCli(f, sweepArgs(f, opts)));
          checkSwept(f, m.run);
          results.get(s)!.push(m);
          times.set(s, m.ms);
          f.cleanup();
        }
        ratios.push(times.get(ours)! / times.get(theirs)!);
      }
      say('');
      say(`Paired: \`sweep key\` over ${opts.compare} repositories, ${opts.rounds} rounds alternating the order (fresh repositories each round):`);
      say('');
      say('| server | wall s (median) | server CPU ms per repository (median) |');
      say('|---|---:|---:|');
      for (const s of pair) {
        const ms = results.get(s)!;
        say(`| ${s.name} | ${(median(ms.map((m) => m.ms)) / 1000).toFixed(2)} | ${median(ms.map((m) => m.cpuMs / opts.compare)).toFixed(2)} |`);
      }
      say('');
      say(`trust-tui server / notary-server wall time: ${median(ratios).toFixed(2)}× (median of the rounds' ratios: ${ratios.map((r) => r.toFixed(2)).join(', ')}); load average ${loadavg()[0]!.toFixed(1)} at the end.`);
    }
    if (opts.writeReadme) writeReadme(lines.join('\n'));
  } finally {
    for (const s of servers) await s.stop().catch(() => {});
    await stopAllPeers();
  }
}

const BEGIN = '<!-- sweep-bench:begin -->';
const END = '<!-- sweep-bench:end -->';

function writeReadme(body: string): void {
  const file = path.join(ROOT, 'bench', 'README.md');
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`${file} has no ${BEGIN} … ${END} section`);
  writeFileSync(file, `${text.slice(0, start)}${BEGIN}\n${body}\n${text.slice(end)}`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
