// Checkpoints of the SQLite write-ahead log in a worker thread. SQLite's automatic checkpoint runs
// in the connection that commits, on the request thread: after a 10 MB publish it copies every page
// of the log into the database file and syncs it (tens of milliseconds, longer on a busy disk), and
// the process answers nothing meanwhile. Here the writer's automatic checkpoint is raised to a
// backstop and a second connection in a worker thread checkpoints after commits instead. A PASSIVE
// checkpoint takes no lock that a writer or reader waits for (sqlite.org/wal.html, "Checkpointing").
import { Worker } from 'node:worker_threads';

/**
 * Log pages after which the writer still checkpoints itself (its `wal_autocheckpoint`): only when
 * the worker is stuck or gone, or one transaction writes more than this (64 MiB of 4 KiB pages).
 */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 16 * 1024;
/** Pages written since the last checkpoint after which the worker is asked for one (SQLite's own default). */
export const CHECKPOINT_AFTER_PAGES = 1000;
/** Log pages a transaction writes besides its blobs' pages: table and index pages, the commit. */
const PAGES_PER_TRANSACTION = 4;
const PAGE_BYTES = 4096;
/** How long close() waits for the worker to end before stopping it. */
const CLOSE_TIMEOUT_MS = 5_000;

export class WalCheckpointer {
  #worker: Worker | undefined;
  #running = false;
  #again = false;
  #closed = false;
  #pagesSinceRequest = 0;

  constructor(private readonly file: string) {}

  /**
   * A transaction that wrote about `bytes` of row data was committed. better-sqlite3 has no hook
   * for the log's size, so pages are estimated: each blob's pages plus a few per transaction.
   */
  committed(bytes: number): void {
    this.#pagesSinceRequest += Math.ceil(bytes / PAGE_BYTES) + PAGES_PER_TRANSACTION;
    if (this.#pagesSinceRequest < CHECKPOINT_AFTER_PAGES) return;
    this.#pagesSinceRequest = 0;
    this.request();
  }

  /** Asks for a checkpoint soon; requests while one runs are folded into one more. */
  request(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    const worker = (this.#worker ??= this.#spawn());
    worker.postMessage('checkpoint');
  }

  /** Waits for the worker's connection to close (a checkpoint in progress finishes first). */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref(); // a process with nothing else to do waits for the close instead of ending first
    worker.postMessage('close');
    // Closing the store never hangs on this helper: a worker that has not ended in time is stopped
    // (a checkpoint cut short leaves the log as it was; the next open or commit checkpoints it).
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLOSE_TIMEOUT_MS)));
    if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
    clearTimeout(timer);
  }

  #spawn(): Worker {
    const data = { workerData: { file: this.file } };
    // Built code runs the compiled .js beside this module; tests run the TypeScript sources, whose
    // worker registers tsx (a dev dependency) first (as validation-pool.ts does).
    const worker = import.meta.url.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./wal-checkpoint-worker.ts', import.meta.url).href)}); });`,
          { eval: true, ...data },
        )
      : new Worker(new URL('./wal-checkpoint-worker.js', import.meta.url), data);
    worker.unref(); // never keeps the process alive
    worker.on('message', () => {
      this.#running = false;
      if (this.#again) {
        this.#again = false;
        this.request();
      }
    });
    // A worker that failed is replaced on the next request; meanwhile the writer's backstop applies.
    worker.on('error', () => undefined);
    worker.once('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#running = false;
    });
    return worker;
  }
}
