// One /metrics answer for the whole server group: every worker counts its own requests, so the worker
// that receives a scrape asks the primary, which gathers all workers' registries over the cluster IPC
// channel and sums them (prom-client's AggregatorRegistry). A scrape then shows the same totals
// whichever worker the kernel hands it to.
import type { Worker } from 'node:cluster';
import { AggregatorRegistry, type PrometheusContentType, type Registry } from 'prom-client';
import { answerWorker, askPrimary } from './cluster-ask.js';

const QUESTION = 'trust-tui:metrics';
/** prom-client's primary gives up on a silent worker after 5 s; the asking worker waits a little longer. */
const ANSWER_TIMEOUT_MS = 6_000;

let aggregator: AggregatorRegistry<PrometheusContentType> | undefined;

/** In the primary: answer this worker's requests for the group's metrics. */
export function serveGroupMetrics(worker: Worker): void {
  aggregator ??= new AggregatorRegistry<PrometheusContentType>();
  const group = aggregator;
  answerWorker(worker, QUESTION, () => group.clusterMetrics());
}

/**
 * In a worker: lets the primary read `registry`, and returns how to get the group's metrics text.
 * Outside a cluster worker it returns undefined (the registry alone is the answer).
 */
export function groupMetricsSource(registry: Registry): (() => Promise<string>) | undefined {
  const ask = askPrimary<void, string>(QUESTION, {
    timeoutMs: ANSWER_TIMEOUT_MS,
    failed: (reason) => new Error(`the server group's metrics could not be gathered: ${reason ?? 'no answer'}`),
    late: () => new Error('the server group did not gather its metrics in time'),
  });
  if (!ask) return undefined;
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // answers the primary's requests for this worker's registry
  return () => ask();
}
