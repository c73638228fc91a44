/**
 * `trust-tui inspect REPO` against `docker trust inspect REPO` and `notary list REPO`, as whole
 * processes against the same notary-server 0.7 on loopback: a small repository, and one with 10,000
 * signed tags spread over 3 delegations (each also released). Each command runs with a warm trust
 * cache (its second and later runs), as a user's repeated command would.
 *
 *   npm run build && node --import tsx bench/inspect.ts [runs]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Settings } from '../src/config/settings.js';
import { EnvPassphraseSource, KeyStore } from '../src/keys/index.js';
import { ALL_PATHS } from '../src/tuf/delegation.js';
import { RepositoryEditor } from '../src/tuf/editor.js';
import { FileMeta } from '../src/tuf/metadata/index.js';
import { GoTime } from '../src/tuf/time.js';
import type { TrustContext } from '../src/trust/context.js';
import { editableState, publish } from '../src/trust/publish.js';
import { openRepository } from '../src/trust/repository.js';
import { dockerCli, makeScratchDir, notaryCli, startNotaryServer, stopAllPeers, TEST_PASSPHRASES } from '../test/helpers/peers.js';
import { CLI } from '../test/helpers/trust-tui.js';

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

async function repeat(runs: number, cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await time(cmd, args, env)).ms);
  return times;
}

async function main(): Promise<void> {
  const server = await startNotaryServer({ signer: 'local' });
  const dockerConfig = await makeScratchDir('bench-docker');
  const docker = dockerCli(dockerConfig, server.url, server.caFile);
  const env = {
    ...process.env,
    DOCKER_CONFIG: dockerConfig,
    DOCKER_CONTENT_TRUST_SERVER: server.url,
    DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: TEST_PASSPHRASES.root,
    DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: TEST_PASSPHRASES.repository,
  };
  const trustDir = path.join(dockerConfig, 'trust');
  const ctx: TrustContext = {
    trustDir,
    keys: new KeyStore(trustDir),
    settings: new Settings(await makeScratchDir('bench-settings')),
    passphrases: new EnvPassphraseSource(env),
    confirm: async () => false,
    warn: () => undefined,
    debug: () => undefined,
    env,
  };

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
  const floor = median(await repeat(RUNS, process.execPath, ['-e', '0'], env));
  results.push(`node -e 0 (floor of any Node command): ${floor.toFixed(0)} ms`);
  results.push('', '| repository | command | median ms | min ms |', '|---|---|---|---|');
  for (const [kind, gun] of Object.entries(repos)) {
    for (const [name, make] of Object.entries(commands)) {
      const [cmd, args] = make(gun);
      process.stderr.write(`${kind}: ${name}...\n`);
      const first = await time(cmd, args, { ...env, ...docker.env, ...notary.env });
      if (!first.ok) throw new Error(`${name} ${gun} failed:\n${first.out.slice(0, 2000)}`);
      const times = await repeat(RUNS, cmd, args, { ...env, ...docker.env, ...notary.env });
      results.push(`| ${kind === 'small' ? 'small (3 tags)' : `${TAGS} tags, 3 delegations`} | ${name} | ${median(times).toFixed(0)} | ${Math.min(...times).toFixed(0)} |`);
    }
  }
  console.log(results.join('\n'));
  await stopAllPeers();
}

main().catch(async (e) => {
  console.error(e);
  await stopAllPeers();
  process.exit(1);
});
