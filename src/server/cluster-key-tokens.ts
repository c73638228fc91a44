// --new-keys-per-minute for the server group as a whole: with --workers N each worker kept its own
// token buckets, so a client could have N times the limit of keys made. The primary keeps the one set
// of buckets, and a worker asks it before it makes a key.
import type { Worker } from 'node:cluster';
import { answerWorker, askPrimary } from './cluster-ask.js';
import type { RateLimiter } from './rate-limit.js';

const QUESTION = 'trust-tui:key-token';
/** The primary answers from memory; a longer wait means it is gone or stuck. */
const ANSWER_TIMEOUT_MS = 5_000;

/** Takes one key-creation token for `client`; false when its bucket is empty. */
export type TakeKeyToken = (client: string) => boolean | Promise<boolean>;

/** In the primary: takes this worker's tokens from `limiter`, shared by every worker. */
export function serveKeyTokens(worker: Worker, limiter: RateLimiter): void {
  answerWorker(worker, QUESTION, (client: unknown) => limiter.take(String(client)));
}

/** In a worker: takes tokens from the primary's buckets. Outside a cluster worker: undefined. */
export function groupKeyTokens(): TakeKeyToken | undefined {
  return askPrimary<string, boolean>(QUESTION, {
    timeoutMs: ANSWER_TIMEOUT_MS,
    failed: (reason) => new Error(`the server group's key limit could not be checked: ${reason ?? 'no answer'}`),
    late: () => new Error('the server group did not check its key limit in time'),
  });
}
