// bcrypt checks for htpasswd users, off the event loop: bcryptjs is pure JavaScript and a check
// costs tens of milliseconds of CPU, so a few clients sending wrong passwords would otherwise stall
// every other request. A small pool of worker threads runs the checks; each client may have only a
// few checks in flight at once (identical checks share one), and the rest are refused at once.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Concurrent checks one client (one remote address) may have running; more are refused. */
export const MAX_CHECKS_IN_FLIGHT_PER_CLIENT = 2;

// The worker's code, run as CommonJS (`eval`): bcryptjs is loaded from the path the server resolved.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', ({ id, op, password, hash, cost }) => {
  try {
    const result = op === 'hash' ? bcrypt.hashSync(password, cost) : bcrypt.compareSync(password, hash);
    parentPort.postMessage({ id, result });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e) });
  }
});
`;

type Job = { op: 'compare'; password: string; hash: string } | { op: 'hash'; password: string; cost: number };

interface Pending {
  resolve(value: boolean | string): void;
  reject(error: Error): void;
}

export class PasswordCheckBusyError extends Error {
  override name = 'PasswordCheckBusyError';
}

export class PasswordChecker {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #inFlight = new Map<string, Promise<boolean>>();
  readonly #perClient = new Map<string, number>();
  readonly #dummyCost: number;
  #dummyHash: Promise<string> | undefined;
  #nextId = 0;
  #next = 0;

  /** `dummyCost`: the bcrypt cost of the hash unknown users are checked against (the users' highest). */
  constructor(dummyCost: number, poolSize = Math.max(1, Math.min(4, availableParallelism() - 1))) {
    this.#dummyCost = dummyCost;
    const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
    for (let i = 0; i < poolSize; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath } });
      worker.unref(); // an idle pool never keeps the process alive
      worker.on('message', ({ id, result, error }: { id: number; result?: boolean | string; error?: string }) => {
        const pending = this.#pending.get(id);
        this.#pending.delete(id);
        if (error !== undefined) pending?.reject(new Error(`password check failed: ${error}`));
        else pending?.resolve(result as boolean | string);
      });
      worker.on('error', (e) => {
        for (const pending of this.#pending.values()) pending.reject(e);
        this.#pending.clear();
      });
      this.#workers.push(worker);
    }
  }

  /**
   * Whether `password` matches `hash`; `hash` undefined (an unknown user) is checked against a dummy
   * hash of the same cost, so that the answer takes as long as for a known user. Throws
   * PasswordCheckBusyError when `client` already has its share of checks running.
   */
  async matches(client: string, password: string, hash: string | undefined, cacheKey: string): Promise<boolean> {
    const shared = this.#inFlight.get(cacheKey);
    if (shared) return shared;
    const running = this.#perClient.get(client) ?? 0;
    if (running >= MAX_CHECKS_IN_FLIGHT_PER_CLIENT) throw new PasswordCheckBusyError('too many password checks in flight');
    this.#perClient.set(client, running + 1);
    const check = (async () => {
      try {
        if (hash === undefined) {
          await this.#run({ op: 'compare', password, hash: await this.#dummy() });
          return false;
        }
        return (await this.#run({ op: 'compare', password, hash })) === true;
      } finally {
        const left = (this.#perClient.get(client) ?? 1) - 1;
        if (left > 0) this.#perClient.set(client, left);
        else this.#perClient.delete(client);
        this.#inFlight.delete(cacheKey);
      }
    })();
    this.#inFlight.set(cacheKey, check);
    return check;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
    this.#workers.length = 0;
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= this.#run({ op: 'hash', password: randomBytes(16).toString('hex'), cost: this.#dummyCost }).then(String);
    return this.#dummyHash;
  }

  #run(job: Job): Promise<boolean | string> {
    const worker = this.#workers[this.#next++ % this.#workers.length];
    if (!worker) return Promise.reject(new Error('the password checker is closed'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...job });
    });
  }
}

/** The cost factor of a bcrypt hash (`$2y$10$…` -> 10). */
export function bcryptCost(hash: string): number {
  return Number(/^\$2[aby]\$(\d\d)\$/.exec(hash)?.[1] ?? 10);
}
