// A bound on the publish bodies parsed and validated at once: each holds up to the upload limit in
// memory (its bytes, then the parsed JSON), so the process's peak is about `maxConcurrent` times the
// per-request bound instead of growing with every client. Small bodies never wait.

/** Bodies declared at or under this many bytes skip the gate (10,000 tags are about 1.5 MB). */
export const LARGE_UPLOAD_BYTES = 4 * 1024 * 1024;
export const MAX_CONCURRENT_UPLOADS_DEFAULT = 2;

export interface UploadGateOptions {
  /** Large bodies parsed at once. */
  maxConcurrent: number;
  /** Large bodies waiting for a turn; one more is refused at once. */
  maxQueued: number;
}

/** Returned by `enter`: call once the body has been processed (or failed). */
export type Release = () => void;

export class UploadGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: UploadGateOptions) {}

  /** Whether a body of `declaredBytes` (NaN when unknown, e.g. chunked) must go through the gate. */
  static isLarge(declaredBytes: number): boolean {
    return !Number.isFinite(declaredBytes) || declaredBytes > LARGE_UPLOAD_BYTES;
  }

  /**
   * Waits for a turn; undefined when the queue is full (the caller answers "busy"). `cancelled`
   * resolving (the client went away) gives the place in the queue up.
   */
  async enter(cancelled: Promise<unknown>): Promise<Release | undefined> {
    if (this.running < this.options.maxConcurrent) {
      this.running++;
      return this.releaser();
    }
    if (this.waiting.length >= this.options.maxQueued) return undefined;
    let turn!: () => void;
    const ready = new Promise<void>((resolve) => (turn = resolve));
    this.waiting.push(turn);
    const gaveUp = await Promise.race([ready.then(() => false), cancelled.then(() => true, () => true)]);
    if (gaveUp) {
      const index = this.waiting.indexOf(turn);
      if (index >= 0) this.waiting.splice(index, 1);
      else this.releaser()(); // the turn came at the same moment: hand it on
      return undefined;
    }
    return this.releaser();
  }

  /** Frees a slot already counted in `running` (counted when given, so no one overtakes a waiter). */
  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.next();
    };
  }

  private next(): void {
    if (this.running >= this.options.maxConcurrent) return;
    const turn = this.waiting.shift();
    if (!turn) return;
    this.running++;
    turn();
  }
}
