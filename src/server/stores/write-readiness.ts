// What a store's writable() answers, the same for every store: a small probe write, run at most
// once per interval however often readiness is asked (probes come often and unauthenticated), and
// the memory of a real write that failed for lack of room or an IO error, seen at once (not cached
// with the probe) until a write succeeds or the memory fades.
import { isStorageWriteFailure } from './storage.js';

/** After a failed write, the store reports itself not writable for this long unless a write succeeds. */
const WRITE_FAILURE_MEMORY_MS = 30_000;
/** How often readiness may write its probe row. */
const WRITE_PROBE_INTERVAL_MS = 1_000;

export class WriteReadiness {
  #lastFailure: number | undefined;
  #probe: { at: number; result: Promise<boolean> } | undefined;

  /** A write committed: the store can write again. */
  succeeded(): void {
    this.#lastFailure = undefined;
  }

  /** A write failed: remembered when the cause is the storage itself (disk full, IO error). */
  failed(e: unknown): void {
    if (isStorageWriteFailure(e)) this.#lastFailure = Date.now();
  }

  /** Whether writes go through: `runProbe` (a probe write) at most once per interval, shared. */
  async check(runProbe: () => Promise<boolean>): Promise<boolean> {
    if (!this.#probe || Date.now() - this.#probe.at > WRITE_PROBE_INTERVAL_MS) {
      this.#probe = { at: Date.now(), result: runProbe() };
    }
    const probed = await this.#probe.result;
    const recentFailure = this.#lastFailure !== undefined && Date.now() - this.#lastFailure < WRITE_FAILURE_MEMORY_MS;
    return probed && !recentFailure;
  }
}
