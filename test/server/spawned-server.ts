// The built `trust-tui server` in a child process (signals, workers, exit codes and logs as an
// operator sees them), on a loopback port it picks itself, with a scratch data directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEST_SERVER_PASSPHRASE } from './server-harness.js';

export interface SpawnedServer {
  child: ChildProcess;
  url: string;
  dataDir: string;
  /** Standard output and error so far, interleaved. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  /** SIGKILL (if still running) and remove the data directory. */
  cleanUp(): Promise<void>;
}

export interface SpawnOptions {
  /** Runs the command under `bash -c <prefix> exec …` (e.g. `ulimit -f`). */
  shellPrefix?: string;
  dataDir?: string;
  /** Until `listening on URL` (text) or a JSON `url` field appears. */
  startTimeoutMs?: number;
}

/** `trust-tui server --insecure-http --listen 127.0.0.1:0 --data <scratch> …args`, waited for until it listens. */
export async function spawnServer(args: string[], options: SpawnOptions = {}): Promise<SpawnedServer> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'trust-tui-spawned-server-'));
  const argv = [path.resolve('dist/cli.js'), 'server', '--insecure-http', '--listen', '127.0.0.1:0', '--data', dataDir, ...args];
  const env = { ...process.env, TRUST_TUI_SERVER_PASSPHRASE: TEST_SERVER_PASSPHRASE };
  const child = options.shellPrefix
    ? spawn('bash', ['-c', `${options.shellPrefix}; exec "$0" "$@"`, process.execPath, ...argv], { env })
    : spawn(process.execPath, argv, { env });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let ended = false;
  void exited.then(() => (ended = true));

  const listening = /listening on (http:\/\/[^\s"]+)/;
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  while (!listening.test(output) && !ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const url = listening.exec(output)?.[1] ?? '';
  const cleanUp = async () => {
    if (!ended) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (!url) {
    await cleanUp();
    throw new Error(`trust-tui server did not start listening: ${output}`);
  }
  return { child, url, dataDir, output: () => output, exited, cleanUp };
}

/** The processes the server started itself (its workers with --workers N), as Linux's /proc lists them. */
export function childPids(server: SpawnedServer): number[] {
  const pid = server.child.pid!;
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}
