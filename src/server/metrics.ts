// The server's Prometheus metrics (`GET /metrics`, text exposition format). Labels come from small
// fixed sets only — a route name, never the path: a GUN in a label would leak repository names to
// anyone who can scrape, and give every repository its own time series.
import { collectDefaultMetrics, Counter, type Aggregator, Gauge, Histogram, Registry } from 'prom-client';
import { groupMetricsSource } from './cluster-metrics.js';

/** The route names requests are counted under (`unmatched` for paths no route serves). */
export type RouteName =
  | 'ping'
  | 'health'
  | 'ready'
  | 'metrics'
  | 'changefeed'
  | 'repository_changefeed'
  | 'publish'
  | 'delete_repository'
  | 'metadata_by_checksum'
  | 'metadata_by_version'
  | 'metadata'
  | 'server_key'
  | 'rotate_server_key'
  | 'requests'
  | 'request'
  | 'request_signatures'
  | 'unmatched';

/** Default metrics that are a limit of each process, not a count: the group reports the largest. */
const PER_PROCESS_LIMITS = ['trust_tui_process_max_fds'];

export class ServerMetrics {
  /** Each server has its own registry: two servers in one process (tests, demo) never share counters. */
  readonly registry = new Registry();
  readonly #requests = new Counter({
    name: 'trust_tui_http_requests_total',
    help: 'HTTP requests answered, by route name, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly #duration = new Histogram({
    name: 'trust_tui_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its answer, by route name',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly #publishes = new Counter({
    name: 'trust_tui_publishes_total',
    help: 'Publishes answered: accepted, or rejected with the notary error code as reason',
    labelNames: ['result', 'reason'] as const,
    registers: [this.registry],
  });
  readonly #connectionsRefused = new Counter({
    name: 'trust_tui_connections_refused_total',
    help: 'Connections closed at once because their client address held --max-connections-per-client already',
    registers: [this.registry],
  });
  readonly #storageErrors = new Counter({
    name: 'trust_tui_storage_errors_total',
    help: 'Storage writes that failed (disk full, database errors); answered with UPDATING',
    registers: [this.registry],
  });

  /** In a cluster worker: the whole group's metrics, gathered by the primary. */
  readonly #group = groupMetricsSource(this.registry);

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'trust_tui_' });
    // With --workers N the primary sums each metric over the workers (prom-client's default
    // aggregator), which is right for counts and wrong for a per-process limit: N workers would
    // report N times the file descriptor limit. Every worker has the same limit; report it once.
    for (const name of PER_PROCESS_LIMITS) {
      // The aggregator is a configuration field of every metric, read when the primary aggregates
      // (prom-client's typings leave it off the metric classes).
      const limit = this.registry.getSingleMetric(name);
      if (limit) Object.assign(limit, { aggregator: 'max' satisfies Aggregator });
    }
    // Series that exist before the first event, so that a scrape shows zeros rather than nothing.
    this.#storageErrors.inc(0);
    this.#connectionsRefused.inc(0);
    this.#publishes.inc({ result: 'accepted', reason: '' }, 0);
  }

  request(route: RouteName, method: string, status: number, seconds: number): void {
    this.#requests.inc({ route, method: knownMethod(method), status: String(status) });
    this.#duration.observe({ route }, seconds);
  }

  publishAccepted(): void {
    this.#publishes.inc({ result: 'accepted', reason: '' });
  }

  /** `reason`: the notary error code answered (e.g. `BAD_ROOT`, `UPDATING`). */
  publishRejected(reason: string): void {
    this.#publishes.inc({ result: 'rejected', reason });
  }

  storageError(): void {
    this.#storageErrors.inc();
  }

  connectionRefused(): void {
    this.#connectionsRefused.inc();
  }

  /**
   * The PostgreSQL pool of this process, read at each scrape (with --workers N the primary sums the
   * workers' pools): connections open, idle, requests waiting for one, and database errors.
   */
  watchDatabasePool(stats: () => { total: number; idle: number; waiting: number; errors: number }): void {
    const registers = [this.registry];
    const gauge = (name: string, help: string, pick: (s: ReturnType<typeof stats>) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(pick(stats()));
        },
      });
    gauge('trust_tui_db_pool_total', 'Database connections open in the pool', (s) => s.total);
    gauge('trust_tui_db_pool_idle', 'Database connections open and idle', (s) => s.idle);
    gauge('trust_tui_db_pool_waiting', 'Queries waiting for a database connection', (s) => s.waiting);
    let counted = 0;
    new Counter({
      name: 'trust_tui_db_errors_total',
      help: 'Database queries and connections that failed (not counting VERSION conflicts)',
      registers,
      collect() {
        const errors = stats().errors;
        if (errors > counted) this.inc(errors - counted);
        counted = errors;
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.#group ? this.#group() : this.registry.metrics();
  }
}

/** A method name a client chose is a label value only when it is one the server knows. */
function knownMethod(method: string): string {
  return ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'].includes(method) ? method : 'other';
}
