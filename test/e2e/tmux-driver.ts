// Drives a built binary in a private tmux server, like a person at a terminal:
// paced keys, plain-text snapshots, resizes. CI is unset for the app, or Ink renders nothing
// until exit (Ink's is-in-ci check).
import { execFileSync } from 'node:child_process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StartOptions {
  command: string;
  env?: Record<string, string>;
  columns?: number;
  rows?: number;
}

export class TmuxDriver {
  readonly socket = `trust-tui-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly session = 'app';
  keyDelayMs = 120;

  private tmux(...args: string[]): string {
    const env = { ...process.env };
    delete env.TMUX; // never attach to the tmux the tests may run in
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', env });
  }

  /** Starts `command`; when it ends the pane prints EXIT=<code> and stays open for inspection. */
  async start({ command, env = {}, columns = 100, rows = 30 }: StartOptions): Promise<void> {
    const assignments = Object.entries({ TERM: 'xterm-256color', ...env }).map(([k, v]) => `${k}=${shellQuote(v)}`);
    const line = `env -u CI -u CONTINUOUS_INTEGRATION ${assignments.join(' ')} ${command}; echo EXIT=$?; sleep 3600`;
    this.tmux('new-session', '-d', '-s', this.session, '-x', String(columns), '-y', String(rows), line);
  }

  /** Named keys, one per send (Enter, Escape, Tab, Down, C-u) or single characters. */
  async key(...keys: string[]): Promise<void> {
    for (const k of keys) {
      this.tmux('send-keys', '-t', this.session, k);
      await sleep(this.keyDelayMs);
    }
  }

  /** Literal text, one character per send so the app never reads a pasted chunk. */
  async type(text: string): Promise<void> {
    for (const ch of text) {
      this.tmux('send-keys', '-t', this.session, '-l', ch);
      await sleep(40);
    }
    await sleep(this.keyDelayMs);
  }

  /** Literal text in one send, as a fast typist, a script or a paste delivers it. */
  async burst(text: string): Promise<void> {
    this.tmux('send-keys', '-t', this.session, '-l', text);
    await sleep(this.keyDelayMs);
  }

  /** The visible screen as text (`escapes` keeps colour/attribute sequences). */
  snap(options: { escapes?: boolean } = {}): string {
    return this.tmux('capture-pane', '-p', ...(options.escapes ? ['-e'] : []), '-t', this.session);
  }

  async waitFor(pattern: RegExp | string, timeoutMs = 10_000): Promise<string> {
    const started = Date.now();
    for (;;) {
      const screen = this.snap();
      if (typeof pattern === 'string' ? screen.includes(pattern) : pattern.test(screen)) return screen;
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${String(pattern)}; screen:\n${screen}`);
      await sleep(100);
    }
  }

  async resize(columns: number, rows: number): Promise<void> {
    this.tmux('resize-window', '-t', this.session, '-x', String(columns), '-y', String(rows));
    await sleep(400);
  }

  stop(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
