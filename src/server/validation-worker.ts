// The worker-thread side of ValidationPool (validation-pool.ts): reads the role files of a publish's
// parts and validates one publish at a time, with the same pure readUploadedFiles and validateUpdate
// the request thread uses for small bodies, and answers with the files or the ApiError to send. Nothing here touches storage: the request thread reads the stored
// state and held keys before, and commits after.
import { parentPort } from 'node:worker_threads';
import { ApiError } from '../notary/api-errors.js';
import { PrivateKey, type PrivateKeyMaterial } from '../tuf/private-key.js';
import { GoTime } from '../tuf/time.js';
import { ParsedMetadataCache, validateUpdate } from './validator.js';
import { readUploadedFiles } from './upload.js';
import { ownedBuffers, type ReadFilesRequest, type ValidationReply, type ValidationRequest, type WorkerRequest } from './validation-pool.js';

const parsed = new ParsedMetadataCache();
const keys = (materials: readonly PrivateKeyMaterial[]) => materials.map((m) => new PrivateKey(m));

const asBuffer = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.length);

function read(job: ReadFilesRequest) {
  return readUploadedFiles(job.parts.map((p) => ({ name: p.name, filename: p.filename, data: asBuffer(p.data) })));
}

function validate(job: ValidationRequest) {
  return validateUpdate({
    gun: job.gun,
    stored: new Map(job.stored.map(([role, file]) => [role, { ...file, data: asBuffer(file.data) }])),
    uploads: job.uploads.map((u) => ({ ...u, data: asBuffer(u.data) })),
    heldKeys: { timestamp: keys(job.heldKeys.timestamp), snapshot: keys(job.heldKeys.snapshot) },
    now: GoTime.fromEpochMs(job.now.epochMs, job.now.extraNanos),
    parsed,
  }).files;
}

parentPort?.on('message', (job: WorkerRequest) => {
  let reply: ValidationReply;
  try {
    const files = job.kind === 'read' ? read(job) : validate(job);
    reply = { id: job.id, files: files.map((f) => ({ role: f.role, version: f.version, data: f.data })) };
  } catch (e) {
    reply =
      e instanceof ApiError
        ? { id: job.id, apiError: { code: e.code, detail: typeof e.detail === 'symbol' ? undefined : e.detail, hasDetail: typeof e.detail !== 'symbol' } }
        : { id: job.id, failure: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  // The uploaded bytes go back moved, as they came (they are stored unchanged).
  parentPort?.postMessage(reply, 'files' in reply ? ownedBuffers(reply.files.map((f) => f.data)) : []);
});
