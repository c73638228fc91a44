// From the parts of a multipart publish to the role files to validate, with notary-server's checks
// and error codes for each part (server/handlers/default.go: atomicUpdateHandler).
import { ApiError } from '../notary/api-errors.js';
import type { MultipartPart } from './multipart.js';
import { isValidRole } from '../notary/names.js';

const YIELD_AFTER_BYTES = 256 * 1024;

/** One uploaded role file. */
export interface UploadedFile {
  role: string;
  /** `signed.version` as the upload claims it (0 when absent, as Go's zero value). */
  version: number;
  /** The exact part bytes; stored unchanged when the update is accepted. */
  data: Buffer;
}

/**
 * Turns multipart parts into uploaded files. Only parts of the form field `files` count (as the
 * Debian notary-server 0.7 does); the filename is the role name, `.json` optional, slashes kept.
 */
export function readUploadedFiles(parts: readonly MultipartPart[]): UploadedFile[] {
  return parts.flatMap((part) => readUploadedFile(part) ?? []);
}

/**
 * `readUploadedFiles`, giving other requests a turn of the event loop before each large part:
 * JSON.parse of one part blocks for its whole length, but not for the whole body.
 */
export async function readUploadedFilesYielding(parts: readonly MultipartPart[]): Promise<UploadedFile[]> {
  const files: UploadedFile[] = [];
  for (const part of parts) {
    if (part.data.length > YIELD_AFTER_BYTES) await new Promise((resolve) => setImmediate(resolve));
    const file = readUploadedFile(part);
    if (file) files.push(file);
  }
  return files;
}

/** One part as an uploaded file; undefined for a part of another form field. */
function readUploadedFile(part: MultipartPart): UploadedFile | undefined {
  if (part.name !== 'files') return undefined;
  const role = (part.filename ?? '').replace(/\.json$/, '');
  if (role === '') throw new ApiError('NO_FILENAME');
  if (!isValidRole(role)) throw new ApiError('INVALID_ROLE', role);
  // The part's bytes are its own buffer (the parser concatenated them): kept, not copied again.
  return { role, version: readSignedVersion(part.data), data: part.data };
}

/**
 * `signed.version` of an envelope, or MALFORMED_JSON. Stricter than notary (which decodes only the
 * first JSON value of the part): the whole part must be one JSON document in valid UTF-8.
 */
function readSignedVersion(data: Uint8Array): number {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    throw new ApiError('MALFORMED_JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ApiError('MALFORMED_JSON');
  const signed = (doc as Record<string, unknown>).signed;
  if (signed === undefined || signed === null) return 0;
  if (typeof signed !== 'object' || Array.isArray(signed)) throw new ApiError('MALFORMED_JSON');
  const version = (signed as Record<string, unknown>).version;
  if (version === undefined || version === null) return 0;
  // Go decodes into an int: `1.5`, `"1"` or a value beyond int64 does not unmarshal.
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) throw new ApiError('MALFORMED_JSON');
  return version;
}
