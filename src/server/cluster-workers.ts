// How many workers the server group runs, for a worker's health answer: with --workers N a worker
// that stopped right after a restart is not started again, and the group serves short of it for good.
import type { Worker } from 'node:cluster';
import { answerWorker, askPrimary } from './cluster-ask.js';

const QUESTION = 'trust-tui:workers';
/** A health probe waits this long for the primary, then answers without the count. */
const ANSWER_TIMEOUT_MS = 1_000;

export interface WorkerCount {
  /** --workers */
  configured: number;
  /** Worker processes running now. */
  live: number;
}

/** In the primary: answers this worker's questions for the group's worker count. */
export function serveWorkerCount(worker: Worker, count: () => WorkerCount): void {
  answerWorker(worker, QUESTION, count);
}

/**
 * In a worker: how to read the group's worker count (undefined when the primary does not answer in
 * time). Outside a cluster worker it returns undefined: a single process has no group.
 */
export function workerCountSource(): (() => Promise<WorkerCount | undefined>) | undefined {
  const ask = askPrimary<void, WorkerCount>(QUESTION, {
    timeoutMs: ANSWER_TIMEOUT_MS,
    failed: (reason) => new Error(`the server group's worker count could not be read: ${reason ?? 'no answer'}`),
    late: () => new Error('the server group did not say its worker count in time'),
  });
  return ask && (() => ask().catch(() => undefined));
}
