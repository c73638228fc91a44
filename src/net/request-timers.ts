// The timers every outgoing HTTP request gets, for the Notary client and the registry client alike:
// the command's deadline for the whole exchange (or, for long transfers, a bound on how long no byte
// may move), and a short bound on connect + TLS handshake.
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { CONNECT_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, RequestTimeoutError, type Deadline } from './deadline.js';
import { monotonicMs } from './monotonic.js';

export interface RequestTiming {
  /** The command's deadline; without one (a long-lived client) each request gets the default budget. */
  deadline?: Deadline;
  /** Default CONNECT_TIMEOUT_MS (never more than the deadline's remaining time). */
  connectTimeoutMs?: number;
  /**
   * For transfers that may rightly take longer than any deadline (a 2 GB layer): the request fails
   * only when no byte moved for this long; the deadline is then not used.
   */
  stallMs?: number;
}

/** Disarms the timers; `activity()` tells the stall timer that bytes moved. */
export type RequestTimers = (() => void) & { activity(): void };

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
): RequestTimers {
  const stallMs = timing.stallMs;
  const budget = stallMs ?? timing.deadline?.budgetMs ?? DEFAULT_TIMEOUT_MS;
  const remaining = stallMs ?? timing.deadline?.remainingMs() ?? DEFAULT_TIMEOUT_MS;
  const phase = stallMs === undefined ? 'answer' : 'stall';
  /** Where a new connection stands until it can carry the request: the step a timeout names. */
  let connecting: 'connect' | 'handshake' | undefined;
  // An exhausted deadline still reports the request that could not be made, in the same words; a
  // deadline shorter than the connect bound names the step that did not finish (no connection, no
  // handshake) rather than "did not answer".
  let answerTimer = setTimeout(() => fail(new RequestTimeoutError(what, connecting ?? phase, budget)), remaining);
  let lastRearm = monotonicMs();
  let connectTimer: NodeJS.Timeout | undefined;
  const connectMs = Math.min(timing.connectTimeoutMs ?? CONNECT_TIMEOUT_MS, remaining);
  const connected = () => {
    connecting = undefined;
    clearTimeout(connectTimer);
  };
  request.on('socket', (socket: Socket) => {
    // A kept-alive socket is already connected (and its handshake done).
    if (!socket.connecting) return;
    connecting = 'connect';
    connectTimer = setTimeout(() => fail(new RequestTimeoutError(what, connecting ?? 'connect', connectMs)), connectMs);
    socket.once('connect', () => {
      if (!secure) connected();
      else connecting = 'handshake';
    });
    socket.once('secureConnect', connected);
    socket.once('close', connected);
  });
  const disarm = () => {
    clearTimeout(answerTimer);
    clearTimeout(connectTimer);
  };
  const activity = () => {
    if (stallMs === undefined) return;
    // Re-arming on every 64 KiB chunk would churn timers; once a second is precise enough.
    const now = monotonicMs();
    if (now - lastRearm < 1000) return;
    lastRearm = now;
    clearTimeout(answerTimer);
    answerTimer = setTimeout(() => fail(new RequestTimeoutError(what, 'stall', stallMs)), stallMs);
  };
  return Object.assign(disarm, { activity });
}
