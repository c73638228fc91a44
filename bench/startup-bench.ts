/**
 * Start-up cost of plain commands: `trust-tui --version`, `--help`, `inspect` and `verify` of a small
 * repository (warm trust cache) against `node -e 0` (the floor of any Node program), `docker trust
 * inspect` and `notary list`, all against the same notary-server 0.7 on loopback. The commands run
 * PAIRED: each round runs every command once, in turn, so a busy machine slows all of them alike;
 * the ratio column is the median over rounds of (command / `node -e 0` of the same round).
 *
 *   npm run build && node --import tsx bench/startup-bench.ts [--rounds N] [--cli PATH] [--keep-extra-ca-certs]
 *
 * `--cli` measures another build of trust-tui (e.g. an older checkout's dist/cli.js) the same way.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RepositoryEditor } from '../src/tuf/editor.js';
import { FileMeta } from '../src/tuf/metadata/index.js';
import { GoTime } from '../src/tuf/time.js';
import { initRepository } from '../src/trust/init.js';
import { editableState, publish } from '../src/trust/publish.js';
import { openRepository } from '../src/trust/repository.js';
import { dockerCli, makeScratchDir, notaryCli, startNotaryServer, stopAllPeers } from '../test/helpers/peers.js';
import { CLI } from '../test/helpers/trust-tui.js';
import { benchEnv, benchTrustContext } from './lib/trust-context.js';

const { values: flags } = parseArgs({
  options: { rounds: { type: 'string', default: '21' }, cli: { type: 'string', default: CLI }, 'keep-extra-ca-certs': { type: 'boolean', default: false } },
});
const ROUNDS = Number(flags.rounds);
const TRUST_TUI = path.resolve(flags.cli);
const GUN = 'registry.example.com/bench/startup';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** One command's wall time. Asynchronous so that this process keeps draining the server's pipes. */
function time(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; code: number | null; err: string }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stdout.on('data', () => undefined);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, code, err });
    });
  });
}

/** A notary-server with one repository of 3 signed tags, made by trust-tui's own publish. */
async function setUp() {
  const server = await startNotaryServer({ signer: 'local' });
  const dockerConfig = await makeScratchDir('bench-startup-docker');
  const docker = dockerCli(dockerConfig, server.url, server.caFile);
  // NODE_EXTRA_CA_CERTS makes Node 20 parse that file when every process starts, `node -e 0`
  // included (a whole system bundle: about 45 ms here); a floor raised that way hides what trust-tui
  // itself costs. The commands run without it unless --keep-extra-ca-certs.
  const { NODE_EXTRA_CA_CERTS: _extraCaCerts, ...inherited } = process.env;
  const env = benchEnv(flags['keep-extra-ca-certs'] ? process.env : inherited, dockerConfig, server.url);
  const ctx = await benchTrustContext(env, dockerConfig);
  await initRepository(ctx, GUN, { signer: 'owner' });
  const repo = await openRepository(ctx, GUN);
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  for (let i = 0; i < 3; i++) {
    const meta = FileMeta.fromDigests({ length: 1000 + i, sha256: createHash('sha256').update(`${GUN}:${i}`).digest('hex') });
    editor.targets('targets/releases').addTarget(`v${i}`, meta);
    editor.targets('targets/owner').addTarget(`v${i}`, meta);
  }
  await publish(ctx, repo, editor);
  const notary = notaryCli(path.join(dockerConfig, 'notary-trust'), server.url, server.caFile);
  // Where trust-tui keeps the command bundles' code cache (filled by each command's first, uncounted run).
  const cacheHome = await makeScratchDir('bench-startup-cache');
  const all: NodeJS.ProcessEnv = { ...env, ...docker.env, ...notary.env, XDG_CACHE_HOME: cacheHome };
  return { env: all, dockerConfig, notaryConfig: notary.configFile, server };
}

async function main(): Promise<void> {
  const { env, dockerConfig, notaryConfig, server } = await setUp();
  // The floor of any Node program that asks a trust server over TLS: one GET of the timestamp, with
  // the server's CA, printing nothing. Node builds its TLS root store for the first TLS context.
  const httpsGet = `require('https').get(${JSON.stringify(`${server.url}/v2/${GUN}/_trust/tuf/timestamp.json`)}, { ca: require('fs').readFileSync(${JSON.stringify(server.caFile)}) }, (r) => r.resume())`;
  const tt = (...args: string[]): [string, string[]] => [
    process.execPath,
    [TRUST_TUI, '--trust-dir', path.join(dockerConfig, 'tt-trust'), '--config-dir', path.join(dockerConfig, 'tt-config'), ...args],
  ];
  const commands: [string, [string, string[]]][] = [
    ['node -e 0', [process.execPath, ['-e', '0']]],
    ['node: one HTTPS GET of timestamp.json', [process.execPath, ['-e', httpsGet]]],
    ['trust-tui --version', tt('--version')],
    ['trust-tui --help', tt('--help')],
    ['trust-tui inspect (3 tags, warm cache)', tt('inspect', GUN)],
    ['trust-tui verify IMAGE:TAG (warm cache)', tt('verify', `${GUN}:v1`)],
    ['docker trust inspect', ['docker', ['trust', 'inspect', GUN]]],
    ['notary list', ['notary', ['-c', notaryConfig, 'list', GUN]]],
  ];
  if (process.env.BENCH_KEEP) {
    // For profiling by hand: print the set-up and keep the server until interrupted.
    console.log(JSON.stringify({ env: { DOCKER_CONFIG: env.DOCKER_CONFIG, DOCKER_CONTENT_TRUST_SERVER: env.DOCKER_CONTENT_TRUST_SERVER }, commands }));
    await new Promise<never>(() => undefined);
  }
  // The first run of each warms the caches (trust data, the OS's file cache) and must succeed.
  for (const [name, [cmd, args]] of commands) {
    const r = await time(cmd, args, env);
    if (r.code !== 0) throw new Error(`${name} failed (exit ${r.code}):\n${r.err.slice(0, 2000)}`);
  }
  const times = commands.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`\rround ${round + 1}/${ROUNDS}`);
    // Rotate the order every round so that no command always runs right after the same one.
    for (let k = 0; k < commands.length; k++) {
      const i = (k + round) % commands.length;
      const [, [cmd, args]] = commands[i]!;
      times[i]!.push((await time(cmd, args, env)).ms);
    }
  }
  process.stderr.write('\n');
  const floor = times[0]!;
  const httpsFloor = times[1]!;
  const lines = [
    `${TRUST_TUI === CLI ? 'dist/cli.js' : TRUST_TUI}: Node ${process.version}, ${ROUNDS} paired rounds, NODE_EXTRA_CA_CERTS ${flags['keep-extra-ca-certs'] && process.env.NODE_EXTRA_CA_CERTS ? 'kept' : 'unset'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min) at the end`,
    '',
    '| command | median ms | ratio to `node -e 0` (median of paired ratios) | ratio to one HTTPS GET in Node |',
    '|---|---:|---:|---:|',
  ];
  commands.forEach(([name], i) => {
    const ratios = times[i]!.map((ms, round) => ms / floor[round]!);
    const toHttps = times[i]!.map((ms, round) => ms / httpsFloor[round]!);
    lines.push(`| ${name} | ${median(times[i]!).toFixed(0)} | ${median(ratios).toFixed(2)} | ${median(toHttps).toFixed(2)} |`);
  });
  console.log(lines.join('\n'));
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(stopAllPeers);
