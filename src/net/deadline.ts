// How long a command may wait for servers: ONE deadline per command (default 30 s, `--timeout`),
// shared by every request it makes to trust servers, registries and token services, and a short
// bound for opening a connection (TCP connect + TLS handshake, 5 s as notary's dialer). Time spent
// waiting for the user (a passphrase, a confirmation) does not count.

import { HintedError } from '../tuf/errors.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A monotonic clock in milliseconds. Not `performance.now()`: its first use in a process loads Node's
 * whole performance-timing machinery (perf_hooks and about ten internal modules, ~1 ms), which a
 * command that only needs a clock for its deadline does not need.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export class Deadline {
  readonly budgetMs: number;
  readonly #now: () => number;
  #spentBefore = 0;
  /** When the running stretch began; undefined while paused for the user. */
  #runningSince: number | undefined;
  #pauses = 0;

  constructor(budgetMs: number = DEFAULT_TIMEOUT_MS, now: () => number = monotonicMs) {
    this.budgetMs = budgetMs;
    this.#now = now;
    this.#runningSince = now();
  }

  /** Milliseconds left (0 once spent). */
  remainingMs(): number {
    const running = this.#runningSince === undefined ? 0 : this.#now() - this.#runningSince;
    return Math.max(0, this.budgetMs - this.#spentBefore - running);
  }

  /** Runs `wait` (a prompt) with the clock stopped. */
  async excluding<T>(wait: () => Promise<T>): Promise<T> {
    if (this.#pauses++ === 0 && this.#runningSince !== undefined) {
      this.#spentBefore += this.#now() - this.#runningSince;
      this.#runningSince = undefined;
    }
    try {
      return await wait();
    } finally {
      if (--this.#pauses === 0) this.#runningSince = this.#now();
    }
  }
}

/** `30s`, `1.5s`, `500ms`, `2m` or plain seconds (`10`). */
export function parseTimeout(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
  return value > 0 && Number.isFinite(value) ? Math.round(value) : undefined;
}

export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10}s` : `${Math.round(ms)}ms`;
}

export type TimeoutPhase = 'connect' | 'handshake' | 'answer' | 'stall';

/**
 * A request that did not finish in time. `what` names the request (`GET https://host/v2/...`);
 * `phase` says what hung: opening the TCP connection, the TLS handshake, the answer (deadline), or
 * a long transfer in which no byte moved (stall).
 */
export class RequestTimeoutError extends HintedError {
  override name = 'RequestTimeoutError';
  constructor(
    readonly what: string,
    readonly phase: TimeoutPhase,
    readonly ms: number,
  ) {
    const hint =
      phase === 'answer'
        ? { cli: 'is the server up? use --timeout to wait longer', ui: 'is the server up? try again with r' }
        : phase === 'connect'
          ? 'is the server up and the address right?'
          : phase === 'stall'
            ? 'is the server up and the network working? try again'
            : 'is it a TLS server, and up?';
    const hung =
      phase === 'answer'
        ? `${what} did not answer within ${formatDuration(ms)}`
        : phase === 'connect'
          ? `${what}: no connection within ${formatDuration(ms)}`
          : phase === 'stall'
            ? `${what}: no data moved for ${formatDuration(ms)}`
            : `${what}: the TLS handshake did not complete within ${formatDuration(ms)}`;
    super(hung, { hint });
  }
}
