// The worker-thread side of ValidationPool (validation-pool.ts): validates one publish at a time with
// the same pure validateUpdate the request thread uses for small bodies, and answers with the files
// to store or the ApiError to send. Nothing here touches storage: the request thread reads the stored
// state and held keys before, and commits after.
import { parentPort } from 'node:worker_threads';
import { ApiError } from '../notary/api-errors.js';
import { PrivateKey, type PrivateKeyMaterial } from '../tuf/private-key.js';
import { GoTime } from '../tuf/time.js';
import { ParsedMetadataCache, validateUpdate } from './validator.js';
import { ownedBuffers, type ValidationReply, type ValidationRequest } from './validation-pool.js';

const parsed = new ParsedMetadataCache();
const keys = (materials: readonly PrivateKeyMaterial[]) => materials.map((m) => new PrivateKey(m));

parentPort?.on('message', (job: ValidationRequest) => {
  let reply: ValidationReply;
  try {
    const result = validateUpdate({
      gun: job.gun,
      stored: new Map(job.stored.map(([role, file]) => [role, { ...file, data: Buffer.from(file.data.buffer, file.data.byteOffset, file.data.length) }])),
      uploads: job.uploads.map((u) => ({ ...u, data: Buffer.from(u.data.buffer, u.data.byteOffset, u.data.length) })),
      heldKeys: { timestamp: keys(job.heldKeys.timestamp), snapshot: keys(job.heldKeys.snapshot) },
      now: GoTime.fromEpochMs(job.now.epochMs, job.now.extraNanos),
      parsed,
    });
    reply = { id: job.id, files: result.files.map((f) => ({ role: f.role, version: f.version, data: f.data })) };
  } catch (e) {
    reply =
      e instanceof ApiError
        ? { id: job.id, apiError: { code: e.code, detail: typeof e.detail === 'symbol' ? undefined : e.detail, hasDetail: typeof e.detail !== 'symbol' } }
        : { id: job.id, failure: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  // The uploaded bytes go back moved, as they came (they are stored unchanged).
  parentPort?.postMessage(reply, 'files' in reply ? ownedBuffers(reply.files.map((f) => f.data)) : []);
});
