// Reading request bodies within limits, and telling a client that went away from a bad request.
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../notary/api-errors.js';

/** The request failed because its client went away (reset, or closed before the body ended). */
export function clientGone(req: IncomingMessage, e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'ECONNABORTED' || e instanceof ClientGoneError || (req.destroyed && !req.complete);
}

export class ClientGoneError extends Error {
  override name = 'ClientGoneError';
}

/** Rejects when the client closes the connection before the whole request body arrived. */
export function whenClientGone(req: IncomingMessage): Promise<never> {
  return new Promise((_resolve, reject) => {
    const onClose = () => {
      if (!req.complete) reject(new ClientGoneError('the client disconnected before the request was complete'));
    };
    req.once('close', onClose);
    req.once('end', () => req.off('close', onClose));
  });
}

/**
 * Rejects with UPLOAD_TOO_LARGE (and stops reading) once the body passes `limit` bytes; never
 * resolves otherwise, so that it can race the reader of the body.
 */
export function bodyOverLimit(req: IncomingMessage, limit: number): Promise<never> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(uploadTooLarge(limit));
  return new Promise((_resolve, reject) => {
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return;
      req.off('data', onData);
      req.unpipe();
      req.pause();
      reject(uploadTooLarge(limit));
    };
    req.on('data', onData);
  });
}

/** Reads the whole body, refusing more than `limit` bytes (UPLOAD_TOO_LARGE by default, connection closed). */
export function readBody(req: IncomingMessage, limit: number, tooLarge: () => ApiError = () => uploadTooLarge(limit)): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

export function uploadTooLarge(limit: number): ApiError {
  return new ApiError('UPLOAD_TOO_LARGE', {
    Name: 'ErrValidation',
    Error: { Msg: `the upload is larger than this server's limit of ${limit} bytes` },
  });
}
