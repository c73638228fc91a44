/**
 * Pushing an OCI image layout with one 200 MB (random, incompressible) layer to a local
 * docker-registry 2.8: trust-tui's built pushImage (bench/lib/push-entry.mjs, a process of its own)
 * against `skopeo copy oci:DIR docker://HOST/REPO:TAG`. Both run under `/usr/bin/time -v` (peak RSS:
 * "Maximum resident set size"); each round starts a fresh registry per tool, so neither can skip or
 * mount a blob, and the tools alternate which goes first.
 *
 *   npm run build && node --import tsx bench/push-bench.ts [--rounds 3] [--mb 200] [--write-readme]
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeScratchDir, startRegistry, stopAllPeers } from '../test/helpers/peers.js';
import { writeLayout } from './lib/oci-layout.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const ROUNDS = option('rounds', 3);
const LAYER_MB = option('mb', 200);
const WRITE_README = args.includes('--write-readme');
const README = path.join(import.meta.dirname, 'README.md');
const ENTRY_SOURCE = path.join(import.meta.dirname, 'lib', 'push-entry.mjs');
let ENTRY = '';

/**
 * push-entry.mjs imports trust-tui's sources; dist/ is a bundle of the CLI with no module per
 * source, so the benchmark bundles its own entry (plain JavaScript, no TypeScript loader at run time).
 */
async function buildEntry(dir: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = path.join(dir, 'push-entry.mjs');
  await build({
    entryPoints: [ENTRY_SOURCE],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}

interface Run {
  ms: number;
  peakRssMb: number;
}

/** Runs `cmd` under `/usr/bin/time -v`: wall time and peak RSS. */
function measure(cmd: string, cmdArgs: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-v', cmd, ...cmdArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
      if (code !== 0 || !rss) return reject(new Error(`${cmd} failed (${code}): ${out}${err.slice(-2000)}`));
      resolve({ ms, peakRssMb: Number(rss[1]) / 1024 });
    });
  });
}

async function runTrustTui(layout: string, cacheDir: string): Promise<Run> {
  const registry = await startRegistry();
  try {
    return await measure(process.execPath, [ENTRY, layout, `${registry.host}/bench/app:1`, cacheDir]);
  } finally {
    await registry.stop();
  }
}

async function runSkopeo(layout: string): Promise<Run> {
  const registry = await startRegistry();
  try {
    // A scratch HOME/XDG_DATA_HOME would not stop containers/image's blob-info cache as root; a fresh registry does.
    return await measure('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${registry.host}/bench/app:1`]);
  } finally {
    await registry.stop();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const max = (xs: number[]): number => Math.max(...xs);

async function main(): Promise<void> {
  const scratch = await makeScratchDir('push-bench');
  ENTRY = await buildEntry(scratch);
  const layout = path.join(scratch, 'layout');
  await writeLayout(layout, LAYER_MB * 1_000_000);
  const runs: Record<'trust-tui' | 'skopeo', Run[]> = { 'trust-tui': [], skopeo: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['trust-tui', 'skopeo'] as const) : (['skopeo', 'trust-tui'] as const);
    for (const tool of order) {
      // A cache directory per run: a record of an earlier registry on the same port must not suggest mounts.
      const run = tool === 'trust-tui' ? await runTrustTui(layout, path.join(scratch, `cache-${round}`)) : await runSkopeo(layout);
      runs[tool].push(run);
      console.error(`round ${round + 1}: ${tool} ${run.ms.toFixed(0)} ms, peak RSS ${run.peakRssMb.toFixed(1)} MB`);
    }
  }
  const row = (tool: 'trust-tui' | 'skopeo', label: string) => {
    const r = runs[tool];
    return `| ${label} | ${median(r.map((x) => x.ms)).toFixed(0)} | ${max(r.map((x) => x.peakRssMb)).toFixed(1)} | ${median(r.map((x) => x.peakRssMb)).toFixed(1)} |`;
  };
  const tt = runs['trust-tui'];
  const sk = runs.skopeo;
  const timeRatio = median(tt.map((x) => x.ms)) / median(sk.map((x) => x.ms));
  const rssRatio = median(tt.map((x) => x.peakRssMb)) / median(sk.map((x) => x.peakRssMb));
  const load = os.loadavg()[0]!.toFixed(1);
  const result = [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} × ${os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ')}, Node ${process.version}, skopeo ${await skopeoVersion()}, load average ${load} at the end; ${ROUNDS} rounds, one ${LAYER_MB} MB layer.`,
    '',
    '| pusher | wall ms (median) | peak RSS MB (max) | peak RSS MB (median) |',
    '|---|---:|---:|---:|',
    row('trust-tui', 'trust-tui pushImage (bundled, 16 MiB chunks, own process)'),
    row('skopeo', '`skopeo copy oci:… docker://…`'),
    '',
    `trust-tui / skopeo: wall time ${timeRatio.toFixed(2)}×, peak RSS ${rssRatio.toFixed(2)}×.`,
  ].join('\n');
  console.log(result);
  if (WRITE_README) {
    const text = await readFile(README, 'utf8');
    const replaced = text.replace(/<!-- push-bench:begin -->[\s\S]*<!-- push-bench:end -->/, `<!-- push-bench:begin -->\n${result}\n<!-- push-bench:end -->`);
    if (replaced === text) throw new Error('bench/README.md has no push-bench markers');
    await writeFile(README, replaced);
  }
}

async function skopeoVersion(): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('skopeo', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => resolve(/(\d+\.\d+\.\d+)/.exec(out)?.[1] ?? '?'));
  });
}

main()
  .catch((e: Error) => {
    console.error(e.message);
    process.exitCode = 1;
  })
  .finally(() => stopAllPeers());
