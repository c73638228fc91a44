// Several server processes on one port (node:cluster), so that `trust-tui server` uses more than one
// core as notary-server (Go) does. Every worker runs the same command with the same options and
// opens the same SQLite database: WAL lets them read in parallel, and BEGIN IMMEDIATE makes their
// updates take turns (validation runs before the lock, see TrustService.update). With --database each
// worker opens its own PostgreSQL pool; the primary applies the migrations once before forking.
import cluster, { type Worker } from 'node:cluster';
import { serveKeyTokens } from './cluster-key-tokens.js';
import { GroupMetrics } from './cluster-metrics.js';
import { serveWorkerCount } from './cluster-workers.js';
import { ServerLog } from './log.js';
import { DEFAULT_SHUTDOWN_GRACE_MS, keyLimitsOf, prepareServer, startServer, type ServerOptions } from './server.js';
import { keyCreationLimiter } from './service.js';

type WorkerMessage = { type: 'listening'; url: string } | { type: 'failed'; message: string };
type PrimaryMessage = { type: 'shutdown' };

/** A worker that exits within this time of its start is not restarted (it would only fail again). */
const MIN_HEALTHY_UPTIME_MS = 2_000;

export interface ServerGroup {
  url: string;
  caFile: string | undefined;
  createdCa: boolean;
  /** Asks every worker to finish its requests and stop, and waits for them. */
  stop(): Promise<void>;
}

export function isServerWorker(): boolean {
  return cluster.isWorker;
}

/**
 * In the primary process: prepares once (CA, database, passphrase check), then starts `workers`
 * processes that re-run the current command line, restarting any that crash.
 */
export async function startServerGroup(options: ServerOptions, workers: number, log: (line: string) => void): Promise<ServerGroup> {
  const { caFile, createdCa } = await prepareServer(options);
  const serverLog = new ServerLog(log, options.logError ?? ((line) => process.stderr.write(line + '\n')), options.logFormat);
  // A worker gets the same time to finish its requests; after that (and a margin) it is killed.
  const killAfterMs = (options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS) + 5_000;
  // The kernel spreads connections over the workers; the default (round-robin in the primary)
  // would pass every connection through this process.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let stopping = false;
  const live = new Set<Worker>();
  // One set of key-creation buckets for the group: the limit holds for the server, not per worker.
  const keyTokens = keyCreationLimiter(keyLimitsOf(options));
  const metrics = new GroupMetrics({
    live: () => live,
    configured: workers,
    unanswered: (pid, timeoutMs) =>
      serverLog.warn(`worker ${pid} did not send its metrics within ${timeoutMs / 1000} s; /metrics shows the other workers' only`, { worker_pid: pid }),
  });

  const url = await new Promise<string>((resolve, reject) => {
    // Ready when every worker of the first set listens (restarted ones report again; harmless).
    let listening = 0;
    const fork = () => {
      const started = Date.now();
      const worker = cluster.fork();
      live.add(worker);
      metrics.serve(worker);
      serveKeyTokens(worker, keyTokens);
      serveWorkerCount(worker, () => ({ configured: workers, live: live.size }));
      // Why the worker could not start, as it said before exiting (its exit code says only that).
      let failure: string | undefined;
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'listening' && ++listening >= workers) resolve(message.url);
        if (message.type === 'failed') failure = message.message;
      });
      worker.on('exit', (code, signal) => {
        live.delete(worker);
        if (stopping) return;
        const how = (signal ? `signal ${signal}` : `exit code ${code}`) + (failure ? `: ${failure}` : '');
        if (Date.now() - started < MIN_HEALTHY_UPTIME_MS || failure) {
          serverLog.error(`worker ${worker.process.pid} stopped right after starting (${how}); not restarting it; ${live.size} of ${workers} workers left`, {
            worker_pid: worker.process.pid,
            workers_live: live.size,
          });
          // Before the group listens this fails the start; afterwards it serves with fewer workers.
          reject(new Error(failure ?? `a server worker stopped right after starting (${how})`));
          return;
        }
        serverLog.warn(`worker ${worker.process.pid} stopped (${how}); starting another`, { worker_pid: worker.process.pid });
        fork();
      });
    };
    for (let i = 0; i < workers; i++) fork();
  }).catch(async (e: unknown) => {
    stopping = true;
    await stopWorkers(live, killAfterMs);
    throw e;
  });

  return {
    url,
    caFile,
    createdCa,
    async stop() {
      stopping = true;
      serverLog.info(`stopping ${live.size} worker(s): each finishes its requests first`);
      await stopWorkers(live, killAfterMs);
    },
  };
}

async function stopWorkers(live: ReadonlySet<Worker>, killAfterMs: number): Promise<void> {
  await Promise.all(
    [...live].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once('exit', () => resolve());
          // Finish in-flight requests (the worker bounds that itself), then kill as a last resort.
          const kill = setTimeout(() => worker.process.kill('SIGKILL'), killAfterMs);
          kill.unref();
          worker.send({ type: 'shutdown' } satisfies PrimaryMessage, (err) => {
            if (err) worker.process.kill('SIGTERM');
          });
        }),
    ),
  );
}

/**
 * In a worker process: serves until the primary (or a signal) says to stop. `failed` when the server
 * could not start: the worker told the primary why, and should exit non-zero.
 */
export async function runServerWorker(options: ServerOptions): Promise<'stopped' | 'failed'> {
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    // The primary opened every stored key before it started the workers (prepareServer), and says
    // once for all of them that the server listens.
    server = await startServer({ ...options, passphraseChecked: true, announce: false });
  } catch (e) {
    // Sent before disconnecting: the primary logs it when this process exits.
    const failed: WorkerMessage = { type: 'failed', message: e instanceof Error ? e.message : String(e) };
    await new Promise<void>((resolve) => (process.send ? process.send(failed, undefined, undefined, () => resolve()) : resolve()));
    // Through the worker, not process.disconnect(): node:cluster exits a worker whose channel closes
    // unasked with code 0, which would hide the failure from the primary.
    cluster.worker?.disconnect();
    return 'failed';
  }
  process.send?.({ type: 'listening', url: server.url } satisfies WorkerMessage);
  await new Promise<void>((resolve) => {
    const stop = () => void server.close().then(resolve);
    process.on('message', (message: PrimaryMessage) => {
      if (message.type === 'shutdown') stop();
    });
    // Ctrl-C reaches the whole process group: the worker stops as gracefully as on the primary's word.
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.disconnect?.();
  return 'stopped';
}
