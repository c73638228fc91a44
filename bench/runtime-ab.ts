/**
 * Two builds of trust-tui, PAIRED, on the run-time work of `inspect REPO` and `verify REPO:TAG` with
 * a warm trust cache: each round runs both commands with build A and with build B (the order of A and
 * B flipped every round), and the result is the median over rounds of (B ÷ A), for wall time and for
 * the CPU time the process used. Used to decide whether
 * a change to what these commands do after their code has loaded is worth keeping (bench/README.md,
 * "Run-time work of inspect/verify").
 *
 * It measures against a server kept up by the start-up benchmark:
 *
 *   BENCH_KEEP=1 node --import tsx bench/startup-bench.ts > /tmp/keep.json &   # prints one JSON line, keeps the server
 *   node --import tsx bench/runtime-ab.ts --keep /tmp/keep.json --a OLD/dist/cli.js --b dist/cli.js [--rounds 21]
 *   node --import tsx bench/runtime-ab.ts --keep … --a … --b … --instructions --rounds 5   # counted by valgrind
 *
 * A build copied elsewhere needs a package.json with `"type": "module"` beside its dist/ (and the
 * node_modules of the checkout, for packages the bundle leaves outside).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    keep: { type: 'string' },
    a: { type: 'string' },
    b: { type: 'string' },
    rounds: { type: 'string', default: '21' },
    instructions: { type: 'boolean', default: false },
  },
});
if (!flags.keep || !flags.a || !flags.b) {
  console.error('usage: runtime-ab.ts --keep KEEP_JSON --a CLI_A --b CLI_B [--rounds N]');
  process.exit(2);
}
const ROUNDS = Number(flags.rounds);

interface Kept {
  env: { DOCKER_CONFIG: string; DOCKER_CONTENT_TRUST_SERVER: string };
  commands: [string, [string, string[]]][];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

// Wall time alone is too noisy on a shared machine for changes of a few per cent: the command runs
// under a small Python parent that reports, besides its wall time, the CPU time (user + system, all
// threads) that wait4 returns for it, which depends much less on what else the machine does.
const WAIT4 = [
  'import os, sys, time',
  't = time.perf_counter()',
  'pid = os.fork()',
  'if pid == 0:',
  "    os.dup2(os.open('/dev/null', os.O_WRONLY), 1)",
  '    os.execvp(sys.argv[1], sys.argv[1:])',
  '_, status, ru = os.wait4(pid, 0)',
  "print('%.3f %.3f %d' % ((time.perf_counter() - t) * 1000, (ru.ru_utime + ru.ru_stime) * 1000, os.waitstatus_to_exitcode(status)))",
].join('\n');

interface Sample {
  wallMs: number;
  cpuMs: number;
}

/**
 * `--instructions`: the instructions each run executes, counted by valgrind's callgrind (about 70×
 * slower, so use a few rounds), independent of the machine's load. V8 runs single-threaded with fixed
 * hash and random seeds, so that garbage collection and compilation happen at the same points every
 * run: the same build then counts the same within about 0.01 % (with V8's threads and random seeds,
 * within about 1 %). All of V8's work is counted either way; on the main thread it shows in the count.
 */
const DETERMINISTIC_V8 = ['--single-threaded', '--hash-seed=1', '--random-seed=1'];

function instructions(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', cmd, ...DETERMINISTIC_V8, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const collected = /Collected : (\d+)/.exec(err);
      if (code !== 0 || !collected) reject(new Error(`valgrind ${cmd} ${args.join(' ')} failed (exit ${code}):\n${err.slice(-2000)}`));
      else resolve(Number(collected[1]));
    });
  });
}

function time(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', WAIT4, cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      const [wallMs, cpuMs, code] = out.trim().split(' ').map(Number);
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}):\n${err.slice(0, 2000)}`));
      else resolve({ wallMs: wallMs!, cpuMs: cpuMs! });
    });
  });
}

type PairedRun = { name: string; variants: (readonly [string, readonly string[]])[] };

/** ROUNDS rounds of every run's two builds, A then B and B then A in turn: per run, [A's, B's] measures. */
async function pairedRounds<T>(runs: PairedRun[], measure: (cmd: string, args: string[]) => Promise<T>): Promise<T[][][]> {
  const out = runs.map(() => [[], []] as T[][]);
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`\rround ${round + 1}/${ROUNDS}`);
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const [i, run] of runs.entries()) {
      for (const b of order) {
        const [cmd, args] = run.variants[b]!;
        out[i]![b]!.push(await measure(cmd, [...args]));
      }
    }
  }
  process.stderr.write('\n');
  return out;
}

async function main(): Promise<void> {
  const kept = JSON.parse(readFileSync(flags.keep!, 'utf8')) as Kept;
  // As the start-up benchmark runs them: without NODE_EXTRA_CA_CERTS (it raises every process's floor).
  const { NODE_EXTRA_CA_CERTS: _extra, ...inherited } = process.env;
  const env = { ...inherited, ...kept.env };
  const wanted = kept.commands.filter(([name]) => name.startsWith('trust-tui inspect') || name.startsWith('trust-tui verify'));
  const builds = [path.resolve(flags.a!), path.resolve(flags.b!)];
  // The same arguments, with the first argument (the CLI file) replaced by each build's.
  const runs = wanted.map(([name, [cmd, args]]) => ({ name, variants: builds.map((cli) => [cmd, [cli, ...args.slice(1)]] as const) }));
  for (const run of runs) for (const [cmd, args] of run.variants) await time(cmd, [...args], env); // warm-up, must succeed
  if (flags.instructions) return countInstructions(runs, env);
  const times = await pairedRounds(runs, (cmd, args) => time(cmd, args, env));
  console.log(`A = ${flags.a}, B = ${flags.b}; Node ${process.version}, ${ROUNDS} paired rounds, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`);
  console.log('| command | wall ms A | wall ms B | wall B ÷ A | CPU ms A | CPU ms B | CPU B ÷ A |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [i, run] of runs.entries()) {
    const [a, b] = times[i]!;
    const column = (pick: (s: Sample) => number) => {
      const ratios = a!.map((s, r) => pick(b![r]!) / pick(s));
      return `${median(a!.map(pick)).toFixed(1)} | ${median(b!.map(pick)).toFixed(1)} | ${median(ratios).toFixed(3)}`;
    };
    console.log(`| ${run.name} | ${column((s) => s.wallMs)} | ${column((s) => s.cpuMs)} |`);
  }
}

async function countInstructions(runs: PairedRun[], env: NodeJS.ProcessEnv): Promise<void> {
  const counts = await pairedRounds(runs, (cmd, args) => instructions(cmd, args, env));
  console.log(`A = ${flags.a}, B = ${flags.b}; Node ${process.version}, ${ROUNDS} rounds under valgrind (callgrind)`);
  console.log('| command | A instructions (median, millions) | B | B ÷ A (medians) |');
  console.log('|---|---:|---:|---:|');
  for (const [i, run] of runs.entries()) {
    const [a, b] = counts[i]!.map((xs) => median(xs));
    console.log(`| ${run.name} | ${(a! / 1e6).toFixed(1)} | ${(b! / 1e6).toFixed(1)} | ${(b! / a!).toFixed(4)} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
