// The timers every outgoing HTTP request gets, for the Notary client and the registry client alike:
// the command's deadline for the whole exchange, and a short bound on connect + TLS handshake.
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { CONNECT_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, RequestTimeoutError, type Deadline } from './deadline.js';

export interface RequestTiming {
  /** The command's deadline; without one (a long-lived client) each request gets the default budget. */
  deadline?: Deadline;
  /** Default CONNECT_TIMEOUT_MS (never more than the deadline's remaining time). */
  connectTimeoutMs?: number;
}

/**
 * Arms the timers on `request` (`what`: `GET https://…`); `fail` is called with a RequestTimeoutError
 * when one fires. Returns the function that disarms them once the answer is complete.
 */
export function armRequestTimers(
  request: ClientRequest,
  what: string,
  secure: boolean,
  timing: RequestTiming,
  fail: (e: RequestTimeoutError) => void,
): () => void {
  const budget = timing.deadline?.budgetMs ?? DEFAULT_TIMEOUT_MS;
  const remaining = timing.deadline?.remainingMs() ?? DEFAULT_TIMEOUT_MS;
  // An exhausted deadline still reports the request that could not be made, in the same words.
  const answerTimer = setTimeout(() => fail(new RequestTimeoutError(what, 'answer', budget)), remaining);
  let connectTimer: NodeJS.Timeout | undefined;
  const connectMs = Math.min(timing.connectTimeoutMs ?? CONNECT_TIMEOUT_MS, remaining);
  request.on('socket', (socket: Socket) => {
    // A kept-alive socket is already connected (and its handshake done).
    if (!socket.connecting) return;
    let phase: 'connect' | 'handshake' = 'connect';
    connectTimer = setTimeout(() => fail(new RequestTimeoutError(what, phase, connectMs)), connectMs);
    socket.once('connect', () => {
      if (!secure) clearTimeout(connectTimer);
      else phase = 'handshake';
    });
    socket.once('secureConnect', () => clearTimeout(connectTimer));
    socket.once('close', () => clearTimeout(connectTimer));
  });
  return () => {
    clearTimeout(answerTimer);
    clearTimeout(connectTimer);
  };
}
