/**
 * Two builds of trust-tui, PAIRED, on the run-time work of `inspect REPO` and `verify REPO:TAG` with
 * a warm trust cache: each round runs both commands with build A and with build B (the order of A and
 * B flipped every round), and the result is the median over rounds of (B ÷ A). Used to decide whether
 * a change to what these commands do after their code has loaded is worth keeping (bench/README.md,
 * "Run-time work of inspect/verify").
 *
 * It measures against a server kept up by the start-up benchmark:
 *
 *   BENCH_KEEP=1 node --import tsx bench/startup-bench.ts > /tmp/keep.json &   # prints one JSON line, keeps the server
 *   node --import tsx bench/runtime-ab.ts --keep /tmp/keep.json --a OLD/dist/cli.js --b dist/cli.js [--rounds 21]
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

function time(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}):\n${err.slice(0, 2000)}`));
      else resolve(Number(process.hrtime.bigint() - start) / 1e6);
    });
  });
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
  const times = runs.map(() => [[], []] as number[][]);
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`\rround ${round + 1}/${ROUNDS}`);
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const [i, run] of runs.entries()) {
      for (const b of order) {
        const [cmd, args] = run.variants[b]!;
        times[i]![b]!.push(await time(cmd, [...args], env));
      }
    }
  }
  process.stderr.write('\n');
  console.log(`A = ${flags.a}, B = ${flags.b}; Node ${process.version}, ${ROUNDS} paired rounds, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`);
  console.log('| command | A median ms | B median ms | B ÷ A (median of paired ratios) |');
  console.log('|---|---:|---:|---:|');
  for (const [i, run] of runs.entries()) {
    const [a, b] = times[i]!;
    const ratios = a!.map((ms, r) => b![r]! / ms);
    console.log(`| ${run.name} | ${median(a!).toFixed(1)} | ${median(b!).toFixed(1)} | ${median(ratios).toFixed(3)} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
