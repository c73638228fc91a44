// The real user command for the push benchmark: the built CLI (dist/cli.js) running
// `trust-tui sign HOST/REPO:TAG --from oci:DIR`, signing on a `trust-tui server` (also from dist/)
// on loopback with a scratch data directory and the local CA it makes.
import { listeningUrl } from './server-url.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TEST_PASSPHRASES } from '../../test/helpers/peers.js';

export const CLI = path.resolve(import.meta.dirname, '..', '..', 'dist', 'cli.js');

export interface TrustServer {
  url: string;
  /** A DOCKER_CONFIG directory whose tls/<host:port>/ca.crt is the server's CA, as docker finds it. */
  dockerConfig: string;
  stop(): Promise<void>;
}

export async function startTrustServer(scratch: string): Promise<TrustServer> {
  const dataDir = path.join(scratch, 'server-data');
  const child: ChildProcess = spawn(process.execPath, [CLI, 'server', '--listen', '127.0.0.1:0', '--data', dataDir, '--quiet'], {
    env: { ...process.env, TRUST_TUI_SERVER_PASSPHRASE: 'bench-passphrase' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { url } = await listeningUrl(child);
  const dockerConfig = path.join(scratch, 'docker-config');
  const caDir = path.join(dockerConfig, 'tls', new URL(url).host);
  await mkdir(caDir, { recursive: true });
  await writeFile(path.join(caDir, 'ca.crt'), await readFile(path.join(dataDir, 'tls', 'ca.crt')));
  return {
    url,
    dockerConfig,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Arguments and environment of `trust-tui sign TARGET --from SOURCE` with a trust and a config
 * directory of their own (a first signer: the repository is initialised) and the passphrases in
 * the environment, as docker reads them.
 */
export function signCommand(server: TrustServer, runDir: string, target: string, source: string): { args: string[]; env: NodeJS.ProcessEnv } {
  return {
    args: [CLI, '--trust-dir', path.join(runDir, 'trust'), '--config-dir', path.join(runDir, 'config'), 'sign', target, '--from', source],
    env: {
      ...process.env,
      DOCKER_CONFIG: server.dockerConfig,
      DOCKER_CONTENT_TRUST_SERVER: server.url,
      DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: TEST_PASSPHRASES.root,
      DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: TEST_PASSPHRASES.repository,
    },
  };
}

export interface TerminalRun {
  output: string;
  /** Each "Pushing  x MB / y MB" state drawn, in order (the terminal redraws the line in place). */
  progressLines: string[];
}

/** Runs the command on a pseudo-terminal (`script -qc`), so that the CLI draws its progress. */
export function runOnTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<TerminalRun> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const commandLine = [process.execPath, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', commandLine, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`sign on a terminal failed (${code}):\n${output.slice(-2000)}`));
      // Redraws are "ESC[nA" (up), then "\r ESC[2K line \n" per blob.
      const plain = output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
      const progressLines = plain
        .split(/[\r\n]+/)
        .map((l) => l.trim())
        .filter((l) => /Pushing {2}\d+(\.\d+)? [kMG]?B \/ \d+(\.\d+)? [kMG]?B/.test(l));
      resolve({ output, progressLines });
    });
  });
}
