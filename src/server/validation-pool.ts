// Validation of large publishes off the event loop (issue 11, hostile load): parsing, canonical
// forms and signature checks of a 10 MB targets file take about a second of CPU, during which a
// process answered nothing else, not even health. Bodies above a threshold are validated by a small
// pool of worker threads instead; the request thread reads the stored state and held keys first
// and commits afterwards, so storage stays on one thread.
//
// Memory: each worker's heap is capped (resourceLimits), so one hostile body costs at most that
// much; a body that needs more is refused as too large, and the worker is replaced.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ApiError, type ApiCode } from '../notary/api-errors.js';
import type { PrivateKeyMaterial } from '../tuf/private-key.js';
import type { GoTime } from '../tuf/time.js';
import type { MultipartPart } from './multipart.js';
import type { HeldKeys } from './signer.js';
import type { NewMetadata } from './stores/storage.js';
import type { UploadedFile } from './upload.js';
import type { StoredFiles, UpdateResult } from './validator.js';

/** Bodies at least this large are validated in a worker thread (the upload gate's "large", 4 MiB). */
export const OFF_THREAD_VALIDATION_BYTES = 4 * 1024 * 1024;
/**
 * Heap allowed per validation worker for a given upload limit: a publish needs about 12 times its
 * size while it is validated (parsed JSON, canonical forms), so 16 times leaves room; at least 512 MiB.
 */
export function validationHeapMb(maxUploadBytes: number): number {
  return Math.max(512, Math.ceil((16 * maxUploadBytes) / (1024 * 1024)));
}

/** Reading the role files of a publish's parts (readUploadedFiles: one JSON.parse per part). */
export interface ReadFilesRequest {
  kind: 'read';
  id: number;
  parts: { name: string | undefined; filename: string | undefined; data: Uint8Array }[];
}

export interface ValidationRequest {
  kind: 'validate';
  id: number;
  gun: string;
  stored: [string, { version: number; data: Uint8Array; sha256?: string }][];
  uploads: { role: string; version: number; data: Uint8Array }[];
  heldKeys: { timestamp: PrivateKeyMaterial[]; snapshot: PrivateKeyMaterial[] };
  now: { epochMs: number; extraNanos: number };
}

export type WorkerRequest = ReadFilesRequest | ValidationRequest;

export type ValidationReply =
  | { id: number; files: { role: string; version: number; data: Uint8Array }[] }
  | { id: number; apiError: { code: ApiCode; detail: unknown; hasDetail: boolean } }
  | { id: number; failure: string };

export interface ValidationInput {
  gun: string;
  stored: StoredFiles;
  /** Their bytes are moved to the worker while it runs, then given back (on success). */
  uploads: readonly UploadedFile[];
  heldKeys: HeldKeys;
  now: GoTime;
}

interface Slot {
  worker: Worker | undefined;
  busy: boolean;
}

interface Waiter {
  start(slot: Slot): void;
}

export class ValidationPool {
  readonly #slots: Slot[];
  readonly #waiting: Waiter[] = [];
  readonly #heapMb: number;
  #nextId = 0;
  #closed = false;

  /** `size`: validations at once (the upload gate already bounds large bodies per process). */
  constructor(options: { size?: number; heapMb?: number } = {}) {
    const size = options.size ?? Math.max(1, Math.min(2, availableParallelism() - 1));
    this.#slots = Array.from({ length: size }, () => ({ worker: undefined, busy: false }));
    this.#heapMb = options.heapMb ?? 512;
  }

  /** Whether a body of this many bytes is worth a worker thread. */
  static wants(bodyBytes: number): boolean {
    return bodyBytes >= OFF_THREAD_VALIDATION_BYTES;
  }

  /** validateUpdate in a worker thread: the files to store, or the same ApiError it throws. */
  async validate(input: ValidationInput): Promise<UpdateResult> {
    const request: ValidationRequest = {
      kind: 'validate',
      id: this.#nextId++,
      gun: input.gun,
      stored: [...input.stored].map(([role, f]) => [role, { version: f.version, data: f.data, ...(f.sha256 ? { sha256: f.sha256 } : {}) }]),
      uploads: input.uploads.map((u) => ({ role: u.role, version: u.version, data: u.data })),
      heldKeys: { timestamp: input.heldKeys.timestamp.map((k) => k.material), snapshot: input.heldKeys.snapshot.map((k) => k.material) },
      now: { epochMs: input.now.epochMs, extraNanos: input.now.nanos % 1_000_000 },
    };
    // Uploaded bytes are moved to the worker, not copied (they come back with the reply).
    const files = (await this.#submit(request, ownedBuffers(request.uploads.map((u) => u.data)))).map(toStored);
    // The caller's files point at the returned bytes again (a publish that lost a race is validated
    // a second time with the same files).
    for (const upload of input.uploads) upload.data = files.find((f) => f.role === upload.role)?.data ?? upload.data;
    return { files };
  }

  /**
   * readUploadedFiles in a worker thread: each part's JSON is parsed there (a 10 MB part blocks a
   * thread for a few hundred ms). The parts' bytes are moved there and back.
   */
  async readUploadedFiles(parts: readonly MultipartPart[]): Promise<UploadedFile[]> {
    const request: ReadFilesRequest = { kind: 'read', id: this.#nextId++, parts: parts.map((p) => ({ name: p.name, filename: p.filename, data: p.data })) };
    return (await this.#submit(request, ownedBuffers(request.parts.map((p) => p.data)))).map(toStored);
  }

  async #submit(request: WorkerRequest, transfer: ArrayBuffer[]): Promise<{ role: string; version: number; data: Uint8Array }[]> {
    const slot = await this.#take();
    try {
      return await this.#run(slot, request, transfer);
    } finally {
      slot.busy = false;
      this.#waiting.shift()?.start(slot);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#slots.map((s) => s.worker?.terminate()));
    for (const slot of this.#slots) slot.worker = undefined;
  }

  #take(): Promise<Slot> {
    if (this.#closed) return Promise.reject(new Error('the validation pool is closed'));
    const free = this.#slots.find((s) => !s.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    return new Promise((resolve) =>
      this.#waiting.push({
        start(slot) {
          slot.busy = true;
          resolve(slot);
        },
      }),
    );
  }

  #run(slot: Slot, request: WorkerRequest, transfer: ArrayBuffer[]): Promise<{ role: string; version: number; data: Uint8Array }[]> {
    const worker = (slot.worker ??= this.#spawn());
    const id = request.id;
    return new Promise((resolve, reject) => {
      const onMessage = (reply: ValidationReply) => {
        if (reply.id !== id) return;
        done();
        if ('files' in reply) resolve(reply.files);
        else if ('apiError' in reply) reject(reply.apiError.hasDetail ? new ApiError(reply.apiError.code, reply.apiError.detail) : new ApiError(reply.apiError.code));
        else reject(new Error(`validation failed in its worker thread: ${reply.failure}`));
      };
      const onError = (e: Error & { code?: string }) => {
        done();
        slot.worker = undefined; // a worker that failed (out of memory) is replaced on next use
        if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          reject(
            new ApiError('UPLOAD_TOO_LARGE', {
              Name: 'ErrValidation',
              Error: { Msg: `validating this upload needs more than the ${this.#heapMb} MiB this server allows per upload` },
            }),
          );
        } else reject(e);
      };
      const onExit = () => onError(Object.assign(new Error('the validation worker thread stopped'), { code: 'ERR_WORKER_EXITED' }));
      const done = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        worker.unref();
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.ref(); // a validation in progress keeps the process alive
      worker.postMessage(request, transfer);
    });
  }

  #spawn(): Worker {
    const resourceLimits = { maxOldGenerationSizeMb: this.#heapMb };
    // Built code runs the compiled .js beside this module. Tests run the TypeScript sources: the
    // worker then registers tsx (a dev dependency) before it imports its module.
    const worker = import.meta.url.endsWith('.ts')
      ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./validation-worker.ts', import.meta.url).href)}); });`, {
          eval: true,
          resourceLimits,
        })
      : new Worker(new URL('./validation-worker.js', import.meta.url), { resourceLimits });
    worker.unref(); // an idle pool never keeps the process alive
    return worker;
  }
}

/** A file from the worker as the store takes it. */
function toStored(file: { role: string; version: number; data: Uint8Array }): NewMetadata {
  return { role: file.role, version: file.version, data: Buffer.from(file.data.buffer, file.data.byteOffset, file.data.length) };
}

/**
 * The ArrayBuffers of `views` that belong to them alone and can be transferred (a large body part
 * has its own; a small one may sit in Node's shared pool, which must stay here).
 */
export function ownedBuffers(views: readonly Uint8Array[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const v of views) {
    if (v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer) buffers.add(v.buffer);
  }
  return [...buffers];
}
