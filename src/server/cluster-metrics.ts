// One /metrics answer for the whole server group: every worker counts its own requests, so the worker
// that receives a scrape asks the primary, which gathers all workers' registries over the cluster IPC
// channel and sums them (prom-client's AggregatorRegistry). A scrape then shows the same totals
// whichever worker the kernel hands it to.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type PrometheusContentType, type Registry } from 'prom-client';

const REQUEST = 'trust-tui:metrics-request';
const ANSWER = 'trust-tui:metrics-answer';
/** prom-client's primary gives up on a silent worker after 5 s; the asking worker waits a little longer. */
const ANSWER_TIMEOUT_MS = 6_000;

type MetricsRequest = { type: typeof REQUEST; id: number };
type MetricsAnswer = { type: typeof ANSWER; id: number; text?: string; error?: string };

let aggregator: AggregatorRegistry<PrometheusContentType> | undefined;

/** In the primary: answer this worker's requests for the group's metrics. */
export function serveGroupMetrics(worker: Worker): void {
  aggregator ??= new AggregatorRegistry<PrometheusContentType>();
  const group = aggregator;
  worker.on('message', (message: Partial<MetricsRequest>) => {
    if (message?.type !== REQUEST || typeof message.id !== 'number') return;
    const id = message.id;
    group.clusterMetrics().then(
      (text: string) => worker.send({ type: ANSWER, id, text } satisfies MetricsAnswer),
      (e: unknown) => worker.send({ type: ANSWER, id, error: e instanceof Error ? e.message : String(e) } satisfies MetricsAnswer),
    );
  });
}

/**
 * In a worker: lets the primary read `registry`, and returns how to get the group's metrics text.
 * Outside a cluster worker it returns undefined (the registry alone is the answer).
 */
export function groupMetricsSource(registry: Registry): (() => Promise<string>) | undefined {
  if (!cluster.isWorker || !process.send) return undefined;
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // answers the primary's requests for this worker's registry
  let nextId = 0;
  const waiting = new Map<number, { resolve(text: string): void; reject(e: Error): void }>();
  process.on('message', (message: Partial<MetricsAnswer>) => {
    if (message?.type !== ANSWER || typeof message.id !== 'number') return;
    const entry = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.text !== undefined) entry?.resolve(message.text);
    else entry?.reject(new Error(`the server group's metrics could not be gathered: ${message.error ?? 'no answer'}`));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the server group did not gather its metrics in time'));
      }, ANSWER_TIMEOUT_MS);
      const settle = { resolve: (t: string) => (clearTimeout(timer), resolve(t)), reject: (e: Error) => (clearTimeout(timer), reject(e)) };
      waiting.set(id, settle);
      process.send!({ type: REQUEST, id } satisfies MetricsRequest);
    });
}
