// Blob uploads as the distribution spec describes them ("Pushing blobs"): POST opens an upload
// session; a small blob is then sent with one PUT ?digest=, a large one in PATCH chunks carrying
// Content-Range, closed by an empty PUT ?digest=. After a failed chunk the session's progress is
// asked for (GET on the upload URL, whose `Range: 0-<last>` says what the registry kept) and the
// upload goes on from there. Transient failures (connection reset, no progress, 5xx, 429 with its
// Retry-After) are retried with exponential backoff, a bounded number of times.
// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs
import type { Readable } from 'node:stream';
import { Readable as ReadableStream } from 'node:stream';
import { RegistryRequestError } from './errors.js';
import { HttpTransportError, type HttpRequestInit, type HttpResponse } from './http.js';
import { LocalImageError } from './local/image.js';

export const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;

export interface RetryPolicy {
  /** Tries per request, the first included (a chunk's count starts over once a chunk succeeds). */
  attempts: number;
  /** Wait before the first retry; doubled for each further one. */
  initialDelayMs: number;
  /** No wait is longer, Retry-After included. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 500, maxDelayMs: 30_000 };

/** How blob-upload reaches the registry: the client's authorized requests for one repository. */
export interface UploadTransport {
  registryHost: string;
  /** The repository path (`team/app`). */
  repository: string;
  /** An authorized request; `scope` overrides the repository's `pull,push`. */
  send(method: string, pathOrUrl: string, init?: Omit<HttpRequestInit, 'method'> & { scope?: string }): Promise<HttpResponse>;
  /** A Location header as an absolute URL. */
  resolveUrl(location: string): Promise<string>;
  /** The one-line error for an unexpected answer. */
  failure(response: HttpResponse, body: string): RegistryRequestError;
}

export interface BlobSource {
  digest: string;
  size: number;
  /** The bytes from `offset` to the end (from 0 they are checked against the digest). */
  open(offset?: number): Readable;
}

export interface BlobUploadOptions {
  chunkBytes?: number;
  retry?: RetryPolicy;
  /** Bytes of the blob handed to the connection so far. */
  onProgress?(sent: number): void;
  /** Called before each retry. */
  onRetry?(error: Error): void;
  /** An upload session already open (the 202 of a mount that did not happen). */
  location?: string;
  signal?: AbortSignal;
}

const retryAfter = new WeakMap<Error, number>();

/** True when the failure may go away by itself: retry it. */
export function isTransient(e: unknown): boolean {
  if (!(e instanceof RegistryRequestError)) return false;
  if (e.status !== undefined) return [408, 429, 500, 502, 503, 504].includes(e.status);
  if (!(e.cause instanceof HttpTransportError)) return false;
  // A spent command deadline stays spent; a stalled transfer or a slow connect may go better next time.
  return e.cause.failure === 'unreachable' || (e.cause.failure === 'timeout' && e.cause.code !== 'answer');
}

/** Runs `attempt` until it succeeds, fails for good, or the policy's tries are used up. */
export async function withRetries<T>(policy: RetryPolicy, attempt: () => Promise<T>, options: { signal?: AbortSignal; onRetry?(e: Error): void } = {}): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (e) {
      if (!isTransient(e) || tried >= policy.attempts || options.signal?.aborted) throw e;
      options.onRetry?.(e as Error);
      await sleep(backoffMs(policy, tried, e as Error), options.signal);
    }
  }
}

function backoffMs(policy: RetryPolicy, tried: number, e: Error): number {
  const asked = retryAfter.get(e);
  const exponential = policy.initialDelayMs * 2 ** (tried - 1);
  return Math.min(asked ?? exponential, policy.maxDelayMs);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error for an unexpected answer; a 429 or 503 remembers its Retry-After (seconds or a date). */
async function answerError(t: UploadTransport, response: HttpResponse): Promise<RegistryRequestError> {
  const error = t.failure(response, await response.text());
  const header = response.headers.get('retry-after');
  if (header) {
    const seconds = Number(header);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
    if (Number.isFinite(ms) && ms >= 0) retryAfter.set(error, ms);
  }
  return error;
}

/** POST: a new upload session; its absolute URL. */
export async function startUpload(t: UploadTransport, signal?: AbortSignal): Promise<string> {
  const response = await t.send('POST', `/v2/${t.repository}/blobs/uploads/`, { headers: { 'Content-Length': '0' }, ...(signal ? { signal } : {}) });
  if (response.status !== 202) throw await answerError(t, response);
  return sessionLocation(t, response);
}

/**
 * POST ?mount=&from=: links `digest` from `fromRepository` (same registry) without sending it.
 * 201: mounted. 202: the registry could not (or would not) mount, and opened an upload session instead.
 */
export async function mountBlob(t: UploadTransport, digest: string, fromRepository: string, signal?: AbortSignal): Promise<{ mounted: true } | { mounted: false; location: string }> {
  const query = new URLSearchParams({ mount: digest, from: fromRepository });
  // docker asks for both in one token: push on the target, pull on the source.
  const scope = `repository:${t.repository}:pull,push repository:${fromRepository}:pull`;
  const response = await t.send('POST', `/v2/${t.repository}/blobs/uploads/?${query}`, {
    headers: { 'Content-Length': '0' },
    scope,
    ...(signal ? { signal } : {}),
  });
  if (response.status === 201) return { mounted: true };
  if (response.status === 202) return { mounted: false, location: await sessionLocation(t, response) };
  throw await answerError(t, response);
}

/** DELETE on the session: the registry drops what it received. Best effort (the session may be gone). */
export async function cancelUpload(t: UploadTransport, location: string): Promise<void> {
  try {
    const response = await t.send('DELETE', location);
    await response.text();
  } catch {
    // The registry garbage-collects abandoned sessions anyway.
  }
}

/** HEAD: does the repository have the blob? */
export async function blobExists(t: UploadTransport, digest: string, signal?: AbortSignal): Promise<boolean> {
  const response = await t.send('HEAD', `/v2/${t.repository}/blobs/${digest}`, { scope: `repository:${t.repository}:pull`, ...(signal ? { signal } : {}) });
  if (response.ok) return true;
  if (response.status === 404) return false;
  throw await answerError(t, response);
}

/** Uploads `source` (retrying as the policy says) and returns once the registry stored it under its digest. */
export async function uploadBlob(t: UploadTransport, source: BlobSource, options: BlobUploadOptions = {}): Promise<void> {
  const retry = options.retry ?? DEFAULT_RETRY;
  const chunkBytes = Math.max(1, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const signal = options.signal;
  const retrying = { ...(signal ? { signal } : {}), ...(options.onRetry ? { onRetry: options.onRetry } : {}) };
  // The session may be replaced on the way (a registry that lost it); the one open at the end is cancelled on failure.
  const session = { location: options.location ?? (await withRetries(retry, () => startUpload(t, signal), retrying)) };
  try {
    if (source.size <= chunkBytes) {
      await uploadWhole(t, source, session, retry, options);
    } else {
      await uploadChunks(t, source, session, chunkBytes, retry, options);
      await withRetries(retry, () => finishUpload(t, source, session.location, signal), retrying);
    }
  } catch (e) {
    await cancelUpload(t, session.location);
    throw e;
  }
}

interface Session {
  location: string;
}

/** One PUT with the whole blob; after a transient failure, a fresh session and the whole blob again. */
async function uploadWhole(t: UploadTransport, source: BlobSource, session: Session, retry: RetryPolicy, options: BlobUploadOptions): Promise<void> {
  let fresh = true;
  await withRetries(
    retry,
    async () => {
      if (!fresh) {
        await cancelUpload(t, session.location);
        session.location = await startUpload(t, options.signal);
      }
      fresh = false;
      const reader = new ChunkReader(source, 0);
      try {
        const response = await t.send('PUT', withDigest(session.location, source.digest), {
          headers: { 'Content-Type': 'application/octet-stream' },
          body: ReadableStream.from(reader.take(source.size, (n) => options.onProgress?.(n))),
          contentLength: source.size,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        if (response.status !== 201) throw await answerError(t, response);
      } finally {
        reader.close();
      }
    },
    { ...(options.signal ? { signal: options.signal } : {}), ...(options.onRetry ? { onRetry: options.onRetry } : {}) },
  );
}

/** PATCH chunk after chunk; `session.location` is then the URL to close. */
async function uploadChunks(t: UploadTransport, source: BlobSource, session: Session, chunkBytes: number, retry: RetryPolicy, options: BlobUploadOptions): Promise<void> {
  let offset = 0;
  let reader = new ChunkReader(source, 0);
  let failures = 0;
  try {
    while (offset < source.size) {
      const length = Math.min(chunkBytes, source.size - offset);
      try {
        const start = offset;
        const response = await t.send('PATCH', session.location, {
          headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${start}-${start + length - 1}` },
          body: ReadableStream.from(reader.take(length, (n) => options.onProgress?.(start + n))),
          contentLength: length,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        if (response.status !== 202) throw await answerError(t, response);
        session.location = await sessionLocation(t, response, session.location);
        offset = rangeEnd(response) ?? start + length;
        failures = 0;
        if (offset !== start + length) reader = reopen(reader, source, offset);
      } catch (e) {
        failures++;
        if (!isTransient(e) || failures >= retry.attempts || options.signal?.aborted) throw e;
        options.onRetry?.(e as Error);
        await sleep(backoffMs(retry, failures, e as Error), options.signal);
        // What did the registry keep? Go on from there (or from 0 in a new session if it lost it).
        const status = await uploadStatus(t, session.location, options.signal);
        if (status) {
          session.location = status.location;
          offset = status.offset;
        } else {
          session.location = await startUpload(t, options.signal);
          offset = 0;
        }
        reader = reopen(reader, source, offset);
        options.onProgress?.(offset);
      }
    }
  } finally {
    reader.close();
  }
}

async function finishUpload(t: UploadTransport, source: BlobSource, location: string, signal?: AbortSignal): Promise<void> {
  const response = await t.send('PUT', withDigest(location, source.digest), {
    headers: { 'Content-Length': '0' },
    ...(signal ? { signal } : {}),
  });
  if (response.status === 201) return;
  // A retried PUT whose first try was stored meanwhile: the session is gone, the blob is there.
  if (response.status === 404 && (await blobExists(t, source.digest, signal))) return;
  throw await answerError(t, response);
}

/** GET on the session: its URL and how many bytes the registry holds; undefined when the session is gone. */
async function uploadStatus(t: UploadTransport, location: string, signal?: AbortSignal): Promise<{ location: string; offset: number } | undefined> {
  const response = await t.send('GET', location, signal ? { signal } : {});
  await response.text();
  if (response.status === 404) return undefined;
  if (response.status !== 204 && response.status !== 200) throw await answerError(t, response);
  return { location: await sessionLocation(t, response, location), offset: rangeEnd(response) ?? 0 };
}

/**
 * `Range: 0-<last>` -> the next offset. distribution answers `0-0` for an empty session (it cannot
 * say "nothing" otherwise), so `0-0` is read as 0 bytes: a 1-byte chunk is then sent again, which
 * the registry refuses (416) rather than store twice.
 */
function rangeEnd(response: HttpResponse): number | undefined {
  const match = /^(?:bytes=)?0-(\d+)$/.exec(response.headers.get('range')?.trim() ?? '');
  if (!match) return undefined;
  const last = Number(match[1]);
  return last === 0 ? 0 : last + 1;
}

async function sessionLocation(t: UploadTransport, response: HttpResponse, previous?: string): Promise<string> {
  const location = response.headers.get('location');
  if (location) return t.resolveUrl(location);
  if (previous) return previous;
  throw new RegistryRequestError(`${t.registryHost} opened an upload session for ${t.repository} without a Location`);
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}

function reopen(reader: ChunkReader, source: BlobSource, offset: number): ChunkReader {
  reader.close();
  return new ChunkReader(source, offset);
}

/**
 * Hands out a blob stream in consecutive pieces of given lengths, so that one stream (whose end
 * checks the digest) is read once across all chunks, never buffered beyond its own read-ahead.
 */
class ChunkReader {
  readonly #stream: Readable;
  readonly #chunks: AsyncIterator<Buffer>;
  readonly #source: BlobSource;
  #left: Buffer | undefined;
  #position: number;

  constructor(source: BlobSource, offset: number) {
    this.#source = source;
    this.#position = offset;
    this.#stream = source.open(offset);
    this.#chunks = this.#stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** The next `length` bytes; `progress` gets how many of them were handed out so far. */
  async *take(length: number, progress: (given: number) => void): AsyncGenerator<Buffer> {
    let given = 0;
    while (given < length) {
      let piece = this.#left;
      this.#left = undefined;
      if (!piece) {
        const next = await this.#chunks.next();
        if (next.done) throw this.#error(`ends after ${this.#position} bytes, not the ${this.#source.size} its manifest says`);
        piece = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      }
      if (piece.length > length - given) {
        this.#left = piece.subarray(length - given);
        piece = piece.subarray(0, length - given);
      }
      given += piece.length;
      this.#position += piece.length;
      yield piece;
      progress(given);
    }
    // The last byte is out: reading on lets the stream check its end (digest and size).
    if (this.#position === this.#source.size) {
      const rest = this.#left ?? (await this.#chunks.next()).value;
      if (rest && rest.length > 0) throw this.#error(`is longer than the ${this.#source.size} bytes its manifest says`);
    }
  }

  #error(what: string): LocalImageError {
    return new LocalImageError(`blob ${this.#source.digest} ${what}`);
  }

  close(): void {
    this.#stream.destroy();
  }
}
