/**
 * Pushing an OCI image layout with one 200 MB (random, incompressible) layer to a local
 * docker-registry 2.8 three ways: the real command (`node dist/cli.js sign HOST/REPO:TAG --from
 * oci:DIR`, signing on a `trust-tui server` on loopback), trust-tui's pushImage alone
 * (bench/lib/push-entry.mjs, a process of its own) and `skopeo copy oci:DIR docker://HOST/REPO:TAG`.
 * All run under `/usr/bin/time -v` (peak RSS: "Maximum resident set size"); each run gets a fresh
 * registry, so none can skip or mount a blob, and the order rotates from round to round. Last, the
 * command runs once on a pseudo-terminal (`script`) and must draw its progress several times.
 *
 *   npm run build && node --import tsx bench/push-bench.ts [--rounds 3] [--mb 200] [--write-readme]
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeScratchDir, startRegistry, stopAllPeers } from '../test/helpers/peers.js';
import { writeLayout } from './lib/oci-layout.js';
import { buildEntry } from './lib/push-entry-build.js';
import { runOnTerminal, signCommand, startTrustServer, type TrustServer } from './lib/sign-cli.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const ROUNDS = option('rounds', 3);
const LAYER_MB = option('mb', 200);
const WRITE_README = args.includes('--write-readme');
// Progress is redrawn at most 10 times a second and a 200 MB push takes over a second here; a
// small layer may be sent between two redraws.
const MIN_PROGRESS_STATES = LAYER_MB >= 100 ? 5 : 1;
const README = path.join(import.meta.dirname, 'README.md');
let ENTRY = '';

interface Run {
  ms: number;
  peakRssMb: number;
}

/** Runs `cmd` under `/usr/bin/time -v`: wall time and peak RSS. */
function measure(cmd: string, cmdArgs: string[], env: NodeJS.ProcessEnv = process.env, expectOut?: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-v', cmd, ...cmdArgs], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
      if (code !== 0 || !rss || (expectOut && !expectOut.test(out))) return reject(new Error(`${cmd} failed (${code}): ${out}${err.slice(-2000)}`));
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

async function runSign(server: TrustServer, layout: string, runDir: string): Promise<Run> {
  const registry = await startRegistry();
  try {
    const target = `${registry.host}/bench/app:1`;
    const { args, env } = signCommand(server, runDir, target, `oci:${layout}:latest`);
    return await measure(process.execPath, args, env, new RegExp(`Successfully signed ${target}`));
  } finally {
    await registry.stop();
  }
}

/** The command once on a pseudo-terminal: it must redraw "Pushing  x MB / 200.0 MB" several times. */
async function progressOnTerminal(server: TrustServer, layout: string, runDir: string): Promise<{ lines: string[]; distinct: number }> {
  const registry = await startRegistry();
  try {
    const { args, env } = signCommand(server, runDir, `${registry.host}/bench/app:1`, `oci:${layout}:latest`);
    const { output, progressLines } = await runOnTerminal(args, env);
    // The layer's line: the one with the largest total (the config blob has its own line).
    const total = (line: string) => /\/ (.*)$/.exec(line)![1]!;
    const totalBytes = (line: string) => parseSize(total(line));
    const largest = progressLines.reduce((a, b) => (totalBytes(b) > totalBytes(a) ? b : a), progressLines[0] ?? '');
    const layerLines = progressLines.filter((l) => total(l) === (largest ? total(largest) : ''));
    const distinct = new Set(layerLines.map((l) => /Pushing {2}(.*)$/.exec(l)![1]));
    if (distinct.size < MIN_PROGRESS_STATES) {
      throw new Error(`progress on a terminal: ${distinct.size} distinct "Pushing" states of the layer drawn, expected at least ${MIN_PROGRESS_STATES}; output:\n${output.slice(-2000)}`);
    }
    return { lines: layerLines, distinct: distinct.size };
  } finally {
    await registry.stop();
  }
}

/** "59.8 MB" -> 59_800_000 (decimal units, as the progress prints them). */
function parseSize(text: string): number {
  const m = /^([\d.]+) (B|kB|MB|GB|TB)$/.exec(text);
  if (!m) return 0;
  return Number(m[1]) * 1000 ** ['B', 'kB', 'MB', 'GB', 'TB'].indexOf(m[2]!);
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

type Tool = 'sign' | 'pushImage' | 'skopeo';
const TOOLS: readonly Tool[] = ['sign', 'pushImage', 'skopeo'];
const LABELS: Record<Tool, string> = {
  sign: '`trust-tui sign HOST/bench/app:1 --from oci:DIR` (dist/cli.js; push + sign on trust-tui server)',
  pushImage: 'trust-tui pushImage alone (bundled, 16 MiB chunks, own process)',
  skopeo: '`skopeo copy oci:… docker://…`',
};

async function main(): Promise<void> {
  const scratch = await makeScratchDir('push-bench');
  ENTRY = await buildEntry(scratch);
  const layout = path.join(scratch, 'layout');
  await writeLayout(layout, LAYER_MB * 1_000_000);
  const server = await startTrustServer(scratch);
  try {
    const runs: Record<Tool, Run[]> = { sign: [], pushImage: [], skopeo: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = TOOLS.map((_, i) => TOOLS[(i + round) % TOOLS.length]!);
      for (const tool of order) {
        // A cache (and trust) directory per run: a record of an earlier registry on the same port must not suggest mounts.
        const runDir = path.join(scratch, `${tool}-${round}`);
        const run =
          tool === 'sign'
            ? await runSign(server, layout, runDir)
            : tool === 'pushImage'
              ? await runTrustTui(layout, path.join(runDir, 'cache'))
              : await runSkopeo(layout);
        runs[tool].push(run);
        console.error(`round ${round + 1}: ${tool} ${run.ms.toFixed(0)} ms, peak RSS ${run.peakRssMb.toFixed(1)} MB`);
      }
    }
    const progress = await progressOnTerminal(server, layout, path.join(scratch, 'terminal'));
    const medianMs = (tool: Tool) => median(runs[tool].map((x) => x.ms));
    const medianRss = (tool: Tool) => median(runs[tool].map((x) => x.peakRssMb));
    const row = (tool: Tool) => {
      const ratio = tool === 'skopeo' ? '1.00× / 1.00×' : `${(medianMs(tool) / medianMs('skopeo')).toFixed(2)}× / ${(medianRss(tool) / medianRss('skopeo')).toFixed(2)}×`;
      return `| ${LABELS[tool]} | ${medianMs(tool).toFixed(0)} | ${max(runs[tool].map((x) => x.peakRssMb)).toFixed(1)} | ${medianRss(tool).toFixed(1)} | ${ratio} |`;
    };
    const drawn = progress.lines;
    const shown = [0, Math.floor(drawn.length / 3), Math.floor((2 * drawn.length) / 3), drawn.length - 1].map((i) => drawn[i]!);
    const load = os.loadavg()[0]!.toFixed(1);
    const result = [
      `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} × ${os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ')}, Node ${process.version}, skopeo ${await skopeoVersion()}, load average ${load} at the end; ${ROUNDS} rounds, one ${LAYER_MB} MB layer.`,
      '',
      '| pusher | wall ms (median) | peak RSS MB (max) | peak RSS MB (median) | wall / RSS to skopeo |',
      '|---|---:|---:|---:|---:|',
      ...TOOLS.map(row),
      '',
      `On a terminal (\`script -qec\`, once after the rounds) the command drew the layer's "Pushing" line ${drawn.length} times (${progress.distinct} distinct sizes), among them:`,
      '',
      '```',
      ...[...new Set(shown)],
      '```',
    ].join('\n');
    console.log(result);
    if (WRITE_README) {
      const text = await readFile(README, 'utf8');
      const replaced = text.replace(/<!-- push-bench:begin -->[\s\S]*<!-- push-bench:end -->/, `<!-- push-bench:begin -->\n${result}\n<!-- push-bench:end -->`);
      if (replaced === text) throw new Error('bench/README.md has no push-bench markers');
      await writeFile(README, replaced);
    }
  } finally {
    await server.stop();
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
