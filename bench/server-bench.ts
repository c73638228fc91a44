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
import { listeningUrl } from './lib/server-url.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNotaryServer, stopAllPeers } from '../test/helpers/peers.js';
import {
  cpuMs,
  formatRows,
  newRepository,
  pidByCommandLine,
  publishLoad,
  timedLoad,
  type Row,
  type ServerUnderTest,
  type Stats,
} from './lib/server-load.js';

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
  const { url, output } = await listeningUrl(child);
  return {
    name: 'trust-tui server (SQLite)',
    urls: [url],
    pids: [child.pid!],
    ca: readFileSync(path.join(dataDir, 'tls', 'ca.crt')),
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      // Anything unusual the server reported (its request log is off).
      const notes = output().split('\n').filter((l) => /stopped \(|error/i.test(l));
      if (notes.length) process.stderr.write(`trust-tui server reported:\n${notes.join('\n')}\n`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startTheirs(): Promise<ServerUnderTest> {
  const server = await startNotaryServer({ signer: 'local' });
  return {
    name: 'notary-server 0.7 (memory)',
    urls: [server.url],
    ca: readFileSync(server.caFile),
    pids: [pidByCommandLine(path.join(server.dir, 'server.json'))],
    stop: () => server.stop(),
  };
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
    type Run = (server: ServerUnderTest, round: number, onStart: () => void) => Promise<Stats>;
    const scenarios: { name: string; run: Run }[] = [
      { name: 'GET timestamp.json', run: (server, _round, onStart) => timedLoad(server, `/v2/${small}/_trust/tuf/timestamp.json`, opts, onStart) },
      { name: 'GET targets.json (10,000 tags)', run: (server, _round, onStart) => timedLoad(server, `/v2/${big}/_trust/tuf/targets.json`, opts, onStart) },
      { name: 'publish (targets; server makes snapshot + timestamp)', run: (server, round, onStart) => publishLoad(server, opts, round, { onStart }) },
    ];
    const rows: Row[] = [];
    for (const scenario of scenarios) {
      const perServer = new Map(servers.map((s) => [s, [] as Stats[]]));
      for (let round = 0; round < opts.rounds; round++) {
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const server of order) {
          process.stderr.write(`${scenario.name}, round ${round + 1}: ${server.name}\n`);
          // Read when the measured part starts: repository set-up (server key creation) is left out.
          let cpuBefore = 0;
          const stats = await scenario.run(server, round, () => (cpuBefore = cpuMs(server.pids[0]!)));
          stats.serverCpuMs = cpuMs(server.pids[0]!) - cpuBefore;
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
