// A `trust-tui server` child started by a benchmark prints "listening on https://HOST:PORT" once it
// serves; the benchmarks wait for that line rather than guess a port.
import type { ChildProcess } from 'node:child_process';

export interface ServerOutput {
  url: string;
  /** Everything the server wrote to stdout so far (kept after start-up, for what it reports at exit). */
  output(): string;
}

/** The URL the server announces on stdout; fails (killing it) if it exits or stays silent for `timeoutMs`. */
export function listeningUrl(child: ChildProcess, timeoutMs = 30_000): Promise<ServerOutput> {
  let out = '';
  let settled = false;
  return new Promise<ServerOutput>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`trust-tui server did not start within ${timeoutMs / 1000} s:\n${out}`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (settled) return;
      const m = /listening on (https:\/\/\S+)/.exec(out);
      if (m) {
        settled = true;
        clearTimeout(timer);
        resolve({ url: m[1]!, output: () => out });
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`trust-tui server exited:\n${out}`));
    });
  });
}
