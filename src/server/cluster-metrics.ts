// One /metrics answer for the whole server group: every worker counts its own requests, so the worker
// that receives a scrape asks the primary, which asks every worker for its registry over the cluster
// IPC channel and sums them (prom-client's AggregatorRegistry.aggregate). A scrape then shows the same
// totals whichever worker the kernel hands it to. A worker that does not answer in time (stopped,
// or its event loop blocked) is left out and counted, so one hung worker never fails every scrape.
import type { Worker } from 'node:cluster';
import { AggregatorRegistry, Gauge, type MetricObjectWithValues, type MetricValue, type PrometheusContentType, type Registry } from 'prom-client';
import { answerPrimary, answerWorker, askPrimary, askWorker } from './cluster-ask.js';

/** A worker asks the primary for the group's metrics. */
const GROUP_QUESTION = 'trust-tui:metrics';
/** The primary asks each worker for its own. */
const WORKER_QUESTION = 'trust-tui:worker-metrics';
/** How long the primary waits for each worker's registry before it answers without it. */
export const WORKER_ANSWER_TIMEOUT_MS = 3_000;
/** The asking worker waits for the primary a little longer than the primary waits for the workers. */
const GROUP_ANSWER_TIMEOUT_MS = WORKER_ANSWER_TIMEOUT_MS + 2_000;

type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];

export interface WorkerGroup {
  /** The processes running now (a restarted worker replaces the one that stopped). */
  live(): Iterable<Worker>;
  /** How many workers the server was started with. */
  configured: number;
  /** A worker did not send its metrics in time. */
  unanswered(pid: number | undefined, timeoutMs: number): void;
}

/** In the primary: gathers the group's metrics for any worker that asks. */
export class GroupMetrics {
  readonly #askers = new WeakMap<Worker, () => Promise<WorkerMetrics>>();

  constructor(private readonly group: WorkerGroup) {}

  /** Answers this worker's requests for the group's metrics, and lets them ask it for its own. */
  serve(worker: Worker): void {
    const ask = askWorker<void, WorkerMetrics>(worker, WORKER_QUESTION, {
      timeoutMs: WORKER_ANSWER_TIMEOUT_MS,
      failed: (reason) => new Error(`worker ${worker.process.pid} could not send its metrics: ${reason ?? 'no answer'}`),
      late: () => new Error(`worker ${worker.process.pid} did not send its metrics in time`),
    });
    this.#askers.set(worker, () => ask());
    answerWorker(worker, GROUP_QUESTION, () => this.gather());
  }

  /** Every live worker's metrics, summed, and how many workers run and answered. */
  async gather(): Promise<string> {
    const workers = [...this.group.live()];
    const replies = await Promise.allSettled(workers.map((w) => this.#askers.get(w)?.() ?? Promise.reject(new Error('not served'))));
    const answered: WorkerMetrics[] = [];
    replies.forEach((reply, i) => {
      if (reply.status === 'fulfilled') answered.push(reply.value);
      else this.group.unanswered(workers[i]!.process.pid, WORKER_ANSWER_TIMEOUT_MS);
    });
    const registry = AggregatorRegistry.aggregate<PrometheusContentType>(answered);
    const gauge = (name: string, help: string, value: number) => new Gauge({ name, help, registers: [registry] }).set(value);
    gauge('trust_tui_workers_configured', 'Server worker processes the server was started with (--workers)', this.group.configured);
    gauge('trust_tui_workers_live', 'Server worker processes running; fewer than configured when one stopped and was not restarted', workers.length);
    gauge('trust_tui_workers_unanswered', 'Live workers whose metrics are missing from this scrape: they did not answer in time', workers.length - answered.length);
    return registry.metrics();
  }
}

/**
 * In a worker: lets the primary read `registry`, and returns how to get the group's metrics text.
 * Outside a cluster worker it returns undefined (the registry alone is the answer).
 */
export function groupMetricsSource(registry: Registry): (() => Promise<string>) | undefined {
  const ask = askPrimary<void, string>(GROUP_QUESTION, {
    timeoutMs: GROUP_ANSWER_TIMEOUT_MS,
    failed: (reason) => new Error(`the server group's metrics could not be gathered: ${reason ?? 'no answer'}`),
    late: () => new Error('the server group did not gather its metrics in time'),
  });
  if (!ask) return undefined;
  answerPrimary<void, WorkerMetrics>(WORKER_QUESTION, () => registry.getMetricsAsJSON());
  return () => ask();
}
