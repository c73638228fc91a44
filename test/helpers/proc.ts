/**
 * Child processes for interop tests: one-shot commands with a hard timeout, long-running peers
 * (servers) that are tracked so nothing outlives the test run, and scratch directories that are
 * removed with them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Every one-shot command is killed after this long, so a hanging peer fails the test instead of CI. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;

/** Environment overrides: `undefined` removes an inherited variable. */
export type EnvOverrides = Record<string, string | undefined>;

export interface RunOptions {
  env?: EnvOverrides;
  /** Written to stdin, which is then closed. Without it stdin is /dev/null (EOF at once). */
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A command line bound to its configuration, e.g. `notary -c config.json`. */
export type CommandRunner = (args: string[], opts?: RunOptions) => Promise<RunResult>;

// Debian installs some daemons (haproxy) in sbin, which a user's PATH may lack.
const SEARCH_PATH_FALLBACK = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Absolute path of an executable on PATH, or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of [...dirs, ...SEARCH_PATH_FALLBACK]) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Absolute path of a peer binary. Throws (the test must fail, never skip) when it is missing:
 * interop coverage that silently disappears is worse than a red build.
 */
export function requireBinary(name: string): string {
  const found = findBinary(name);
  if (!found) {
    throw new Error(
      `${name} not found: run the README's test command (it installs Debian's notary and docker-registry)`,
    );
  }
  return found;
}

/**
 * The inherited environment minus anything that would make a peer read the developer's own
 * configuration (DOCKER_CONFIG, NOTARY_* passphrases, REGISTRY_* overrides, proxies for loopback).
 */
export function hermeticEnv(overrides: EnvOverrides = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(DOCKER_|NOTARY_|REGISTRY_)/.test(name)) continue;
    env[name] = value;
  }
  // Loopback traffic must never go through a proxy.
  env.NO_PROXY = env.no_proxy = '127.0.0.1,localhost';
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Runs a command to completion. Rejects only when it cannot start or exceeds its timeout. */
export function runCommand(command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: hermeticEnv(opts.env),
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined); // the command may exit before reading its input
      child.stdin.end(opts.input);
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${path.basename(command)} ${args.join(' ')} timed out after ${timeoutMs} ms\n` +
            `stdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + signalNumber(signal), stdout, stderr });
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return (signal && numbers[signal]) ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Long-running peers

/** Keeps the tail of a server's output; enough to explain a failure, bounded in memory. */
const MAX_LOG_CHARS = 1_000_000;

export interface PeerProcess {
  readonly name: string;
  readonly pid: number;
  /** Combined stdout+stderr so far (the tail, if very long). */
  logs(): string;
  /** Resolves with the exit code once the process has exited (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after a grace period. Safe to call twice. */
  stop(): Promise<void>;
}

const livePeers = new Set<PeerProcess>();
const liveScratchDirs = new Set<string>();

/** Starts a server process that is tracked until stopped (see stopAllPeers). */
export function startPeerProcess(
  name: string,
  command: string,
  args: string[],
  opts: { cwd?: string; env?: EnvOverrides } = {},
): PeerProcess {
  const child: ChildProcess = spawn(command, args, {
    cwd: opts.cwd,
    env: hermeticEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const append = (chunk: string): void => {
    log += chunk;
    if (log.length > MAX_LOG_CHARS) log = log.slice(-MAX_LOG_CHARS);
  };
  child.stdout?.setEncoding('utf8').on('data', append);
  child.stderr?.setEncoding('utf8').on('data', append);

  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      append(`\n[fixture] failed to start ${name}: ${err.message}\n`);
      exitCode = null;
      resolve(null);
    });
    child.on('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
  });

  const peer: PeerProcess = {
    name,
    pid: child.pid ?? -1,
    logs: () => log,
    exited,
    hasExited: () => exitCode !== undefined,
    async stop() {
      livePeers.delete(peer);
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const grace = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 3_000).unref());
      if ((await Promise.race([exited, grace])) === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  livePeers.add(peer);
  return peer;
}

/** A fresh directory under os.tmpdir(), removed by removeScratchDir or stopAllPeers. */
export async function makeScratchDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `trust-tui-${prefix}-`));
  liveScratchDirs.add(dir);
  return dir;
}

/** Synchronous variant, for runners that are created outside async code. */
export function makeScratchDirSync(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `trust-tui-${prefix}-`));
  liveScratchDirs.add(dir);
  return dir;
}

export async function removeScratchDir(dir: string): Promise<void> {
  liveScratchDirs.delete(dir);
  await rm(dir, { recursive: true, force: true });
}

/** Stops every peer still running and removes every scratch directory. Use in afterAll. */
export async function stopAllPeers(): Promise<void> {
  await Promise.all([...livePeers].map((peer) => peer.stop()));
  await Promise.all([...liveScratchDirs].map((dir) => removeScratchDir(dir)));
}

/** Number of peers started and not yet stopped (for tests of the fixture itself). */
export function livePeerCount(): number {
  return livePeers.size;
}

// Last line of defence when a test file forgets afterAll or the worker exits early:
// 'exit' handlers must be synchronous, so SIGKILL and rmSync.
process.once('exit', () => {
  for (const peer of livePeers) {
    try {
      if (!peer.hasExited()) process.kill(peer.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of liveScratchDirs) rmSync(dir, { recursive: true, force: true });
});
