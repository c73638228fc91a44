/**
 * `trust-tui inspect REPO` against `docker trust inspect REPO` and `notary list REPO`, as whole
 * processes against the same notary-server 0.7 on loopback: a small repository, and one with 10,000
 * signed tags spread over 3 delegations (each also released). Each command runs with a warm trust
 * cache (its second and later runs), as a user's repeated command would. The commands alternate
 * (paired rounds), so ratios compare runs made under the same load; peak RSS comes from GNU time.
 *
 *   npm run build && node --import tsx bench/inspect.ts [runs]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { ALL_PATHS } from '../src/tuf/delegation.js';
import { RepositoryEditor } from '../src/tuf/editor.js';
import { FileMeta } from '../src/tuf/metadata/index.js';
import { GoTime } from '../src/tuf/time.js';
import { editableState, publish } from '../src/trust/publish.js';
import { openRepository } from '../src/trust/repository.js';
import { dockerCli, makeScratchDir, notaryCli, startNotaryServer, stopAllPeers } from '../test/helpers/peers.js';
import { CLI } from '../test/helpers/trust-tui.js';
import { benchEnv, benchTrustContext } from './lib/trust-context.js';

const RUNS = Number(process.argv[2] ?? 15);
const TAGS = 10_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Runs one command to completion and measures its wall time. Asynchronous on purpose: the peers'
 * output pipes are drained by this process's event loop, and a blocked loop would stall the server.
 */
function time(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; ok: boolean; out: string }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', () => undefined);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, ok: code === 0, out });
    });
  });
}

/**
 * Peak resident memory of a whole run in MB: GNU time's %M is the kernel's ru_maxrss, the VmHWM of
 * /proc/PID/status at exit (which cannot be read from outside once the process is gone). Measured in
 * runs of its own, so the timed runs carry no wrapper.
 */
async function peakRssMb(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const marker = 'peak-rss-kb=';
  const run = await time('/usr/bin/time', ['-f', `${marker}%M`, cmd, ...args], env);
  const kb = Number(new RegExp(`${marker}(\\d+)`).exec(run.out)?.[1]);
  if (!run.ok || !Number.isFinite(kb)) throw new Error(`cannot measure the peak RSS of ${cmd} (needs GNU time: apt-get install time):\n${run.out.slice(0, 500)}`);
  return kb / 1024;
}

interface Measured {
  times: number[];
  peakMb: number;
}

/**
 * Every command once per round, the order reversed every other round, so that a change in the
 * machine's load hits all commands alike; ratios are then taken within each round.
 */
async function paired(commands: [string, string, string[]][], runs: number, env: NodeJS.ProcessEnv): Promise<Map<string, Measured>> {
  const results = new Map<string, Measured>(commands.map(([name]) => [name, { times: [], peakMb: 0 }]));
  for (let round = 0; round < runs; round++) {
    const order = round % 2 === 0 ? commands : [...commands].reverse();
    for (const [name, cmd, args] of order) results.get(name)!.times.push((await time(cmd, args, env)).ms);
  }
  for (const [name, cmd, args] of commands) {
    for (let i = 0; i < 3; i++) results.get(name)!.peakMb = Math.max(results.get(name)!.peakMb, await peakRssMb(cmd, args, env));
  }
  return results;
}

/** Median over rounds of a/b within the same round. */
function pairedRatio(a: number[], b: number[]): number {
  return median(a.map((x, i) => x / b[i]!));
}

async function main(): Promise<void> {
  const server = await startNotaryServer({ signer: 'local' });
  const dockerConfig = await makeScratchDir('bench-docker');
  const docker = dockerCli(dockerConfig, server.url, server.caFile);
  const env = benchEnv(process.env, dockerConfig, server.url);
  const ctx = await benchTrustContext(env, dockerConfig);

  const { initRepository } = await import('../src/trust/init.js');
  const repos = { small: 'registry.example.com/bench/small', large: 'registry.example.com/bench/large' };
  for (const [kind, gun] of Object.entries(repos)) {
    process.stderr.write(`creating ${gun}...\n`);
    await initRepository(ctx, gun, { signer: 'owner' });
    const repo = await openRepository(ctx, gun);
    const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
    const signers = kind === 'small' ? ['owner'] : ['owner', 'alice', 'bob'];
    const key = (await ctx.keys.list()).find((k) => k.role === 'owner')!;
    const ownerKey = await ctx.keys.unlock(key.id, ctx.passphrases);
    for (const s of signers.slice(1)) editor.targets('targets').updateDelegation(`targets/${s}`, { addKeys: [ownerKey.publicKey], threshold: 1, addPaths: ALL_PATHS });
    const count = kind === 'small' ? 3 : TAGS;
    for (let i = 0; i < count; i++) {
      const digest = createHash('sha256').update(`${gun}:${i}`).digest('hex');
      const meta = FileMeta.fromDigests({ length: 1000 + i, sha256: digest });
      const tag = `v${i}`;
      editor.targets('targets/releases').addTarget(tag, meta);
      editor.targets(`targets/${signers[i % signers.length]}`).addTarget(tag, meta);
    }
    await publish(ctx, repo, editor);
  }

  const notary = notaryCli(path.join(dockerConfig, 'notary-trust'), server.url, server.caFile);
  if (process.env.BENCH_KEEP) {
    console.log(JSON.stringify({ dockerConfig, url: server.url }));
    await new Promise(() => undefined);
  }
  const commands: Record<string, (gun: string) => [string, string[]]> = {
    'trust-tui inspect': (gun) => [process.execPath, [CLI, '--trust-dir', path.join(dockerConfig, 'tt-trust'), '--config-dir', path.join(dockerConfig, 'tt-config'), 'inspect', gun]],
    'docker trust inspect': (gun) => ['docker', ['trust', 'inspect', gun]],
    'notary list': (gun) => ['notary', ['-c', notary.configFile, 'list', gun]],
  };
  const results: string[] = [];
  const floor = ['node -e 0', process.execPath, ['-e', '0']] as [string, string, string[]];
  results.push('| repository | command | median ms | min ms | peak RSS MB | ratio to notary list (paired median) |', '|---|---|---:|---:|---:|---:|');
  for (const [kind, gun] of Object.entries(repos)) {
    const runEnv = { ...env, ...docker.env, ...notary.env };
    const measured: [string, string, string[]][] = [floor];
    for (const [name, make] of Object.entries(commands)) {
      const [cmd, args] = make(gun);
      process.stderr.write(`${kind}: ${name} (filling its cache)...\n`);
      const first = await time(cmd, args, runEnv);
      if (!first.ok) throw new Error(`${name} ${gun} failed:\n${first.out.slice(0, 2000)}`);
      measured.push([name, cmd, args]);
    }
    process.stderr.write(`${kind}: ${RUNS} paired rounds...\n`);
    const byName = await paired(measured, RUNS, runEnv);
    const reference = byName.get('notary list')!.times;
    for (const [name] of measured) {
      const { times, peakMb } = byName.get(name)!;
      const label = kind === 'small' ? 'small (3 tags)' : `${TAGS.toLocaleString('en-US')} tags, 3 delegations`;
      const ratio = name === 'notary list' ? '1' : `${pairedRatio(times, reference).toFixed(2)}x`;
      results.push(`| ${label} | ${name} | ${median(times).toFixed(0)} | ${Math.min(...times).toFixed(0)} | ${peakMb.toFixed(0)} | ${ratio} |`);
    }
  }
  const load = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  results.push('', `Node ${process.version}, ${os.cpus().length} cores, ${RUNS} paired rounds per repository; load average (1, 5, 15 min) at the end: ${load}`);
  console.log(results.join('\n'));
  await stopAllPeers();
}

main().catch(async (e) => {
  console.error(e);
  await stopAllPeers();
  process.exit(1);
});
