// Receiving a publish (notary's multipart `POST /v2/<gun>/_trust/tuf/`): a turn at the upload gate for
// a large body, streaming multipart parsing within the size and part limits, then the role files.
// The caller validates and stores them while the turn is still held, so large bodies in work at once
// per process stay within --max-concurrent-uploads.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../notary/api-errors.js';
import { multipartBoundary, MultipartError, MultipartLimitError, parseMultipart } from './multipart.js';
import { bodyOverLimit, clientGone, uploadTooLarge, whenClientGone } from './request-body.js';
import { readUploadedFilesYielding, type UploadedFile } from './upload.js';
import { MAX_CONCURRENT_UPLOADS_DEFAULT, UploadGate, type Release } from './upload-gate.js';
import { ValidationPool } from './validation-pool.js';

/**
 * Most parts in one publish body: one per role, and a repository with a thousand delegations is
 * already far beyond real use. Bounds the work a hostile body of tiny parts can cause.
 */
export const MAX_UPLOAD_PARTS = 1000;
/** The only form field notary reads from a publish (the Debian notary-server 0.7 reads `files`). */
const UPLOAD_FIELDS: ReadonlySet<string> = new Set(['files']);

export interface PublishReceiverOptions {
  /** Largest accepted publish body, in bytes. */
  maxUploadBytes: number;
  /** Large publish bodies parsed and validated at once (others wait, a few at most, then 503). */
  maxConcurrentUploads?: number | undefined;
  /** Reads the role files of large bodies in a worker thread (JSON.parse of a 10 MB part blocks). */
  offThread?: ValidationPool | undefined;
}

export class PublishReceiver {
  readonly #maxUpload: number;
  readonly #maxConcurrent: number;
  readonly #maxQueued: number;
  readonly #gate: UploadGate;
  readonly #offThread: ValidationPool | undefined;

  constructor(options: PublishReceiverOptions) {
    this.#maxUpload = options.maxUploadBytes;
    this.#maxConcurrent = options.maxConcurrentUploads ?? MAX_CONCURRENT_UPLOADS_DEFAULT;
    // A short queue: enough to ride out a burst of publishes, too short to hold many bodies' sockets.
    this.#maxQueued = 2 * this.#maxConcurrent;
    this.#gate = new UploadGate({ maxConcurrent: this.#maxConcurrent, maxQueued: this.#maxQueued });
    this.#offThread = options.offThread;
  }

  /** Receives the body's role files and runs `use` on them, within the upload gate's turn. */
  async receive(req: IncomingMessage, res: ServerResponse, use: (files: UploadedFile[]) => Promise<void>): Promise<void> {
    const boundary = multipartBoundary(req.headers['content-type']);
    if (!boundary) throw new ApiError('MALFORMED_UPLOAD');
    const release = await this.#enterGate(req, res);
    try {
      await use(await this.#readFiles(req, boundary));
    } finally {
      release?.();
    }
  }

  /**
   * A turn for a large body (undefined for a small one). While it waits the body is not read, so
   * a waiting request holds only the socket's buffers.
   */
  async #enterGate(req: IncomingMessage, res: ServerResponse): Promise<Release | undefined> {
    const declared = Number(req.headers['content-length']);
    if (!UploadGate.isLarge(declared)) return undefined;
    if (declared > this.#maxUpload) throw uploadTooLarge(this.#maxUpload); // refused before taking a turn
    const gone = whenClientGone(req);
    gone.catch(() => undefined);
    const release = await this.#gate.enter(gone);
    if (release) return release;
    await Promise.race([gone, new Promise((r) => setImmediate(r))]); // a gone client is logged as such
    res.setHeader('Retry-After', '5');
    throw uploadsBusy(this.#maxConcurrent, this.#maxQueued);
  }

  async #readFiles(req: IncomingMessage, boundary: string): Promise<UploadedFile[]> {
    try {
      const parts = await Promise.race([
        parseMultipart(req, boundary, { maxParts: MAX_UPLOAD_PARTS, keepFields: UPLOAD_FIELDS }),
        bodyOverLimit(req, this.#maxUpload),
        whenClientGone(req),
      ]);
      const size = parts.reduce((sum, p) => sum + p.data.length, 0);
      if (this.#offThread && ValidationPool.wants(size)) return await this.#offThread.readUploadedFiles(parts);
      return await readUploadedFilesYielding(parts);
    } catch (e) {
      if (e instanceof MultipartLimitError) throw tooManyParts();
      if (e instanceof MultipartError && !clientGone(req, e)) throw new ApiError('MALFORMED_UPLOAD');
      throw e;
    }
  }
}

function tooManyParts(): ApiError {
  return new ApiError('UPLOAD_TOO_LARGE', {
    Name: 'ErrValidation',
    Error: { Msg: `the upload has more than ${MAX_UPLOAD_PARTS} files; a publish sends at most one per role` },
  });
}

function uploadsBusy(maxConcurrent: number, maxQueued: number): ApiError {
  return new ApiError('UPLOADS_BUSY', {
    Name: 'ErrValidation',
    Error: { Msg: `the server is at its limit of ${maxConcurrent} large upload(s) at once with ${maxQueued} waiting; try again shortly` },
  });
}
