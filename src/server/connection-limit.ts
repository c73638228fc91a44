// How many connections one client address holds open, per server process. One host holding
// thousands of slow connections would otherwise use up the process's file descriptors, and every
// other client would be refused without a word in the log.
import type { Socket } from 'node:net';
import type { ServerLog } from './log.js';
import type { ServerMetrics } from './metrics.js';

/** Default of `--max-connections-per-client` (its help text says the same number). */
export const MAX_CONNECTIONS_PER_CLIENT_DEFAULT = 256;

/**
 * Counts the open connections of each client address and closes those past the limit at once (the
 * client sees a reset). The refusal is logged once a minute per address, with how many were refused.
 */
export class ConnectionsPerClient {
  readonly #open = new Map<string, number>();
  readonly #refused = new Map<string, { count: number; loggedAt: number }>();

  constructor(
    readonly limit: number,
    readonly log: ServerLog,
    readonly metrics: ServerMetrics,
  ) {}

  admit(socket: Socket): boolean {
    if (this.limit === 0) return true;
    const remote = socket.remoteAddress ?? '-';
    const open = this.#open.get(remote) ?? 0;
    if (open >= this.limit) {
      socket.destroy();
      this.#noteRefusal(remote);
      return false;
    }
    this.#open.set(remote, open + 1);
    socket.once('close', () => {
      const left = (this.#open.get(remote) ?? 1) - 1;
      if (left === 0) this.#open.delete(remote);
      else this.#open.set(remote, left);
    });
    return true;
  }

  #noteRefusal(remote: string): void {
    this.metrics.connectionRefused();
    const now = Date.now();
    const seen = this.#refused.get(remote) ?? { count: 0, loggedAt: 0 };
    seen.count++;
    this.#refused.set(remote, seen);
    if (now - seen.loggedAt < 60_000) return;
    this.log.warn(`connection refused: ${remote} already holds ${this.limit} open connections to this process (--max-connections-per-client)`, {
      remote,
      refused: seen.count,
    });
    this.#refused.set(remote, { count: 0, loggedAt: now });
  }
}
