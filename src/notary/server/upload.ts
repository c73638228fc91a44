// From the parts of a multipart publish to the role files to validate, with notary-server's checks
// and error codes for each part (server/handlers/default.go: atomicUpdateHandler).
import { ApiError } from './api-errors.js';
import type { MultipartPart } from './multipart.js';
import { isValidRole } from './names.js';

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
  const files: UploadedFile[] = [];
  for (const part of parts) {
    if (part.name !== 'files') continue;
    const role = (part.filename ?? '').replace(/\.json$/, '');
    if (role === '') throw new ApiError('NO_FILENAME');
    if (!isValidRole(role)) throw new ApiError('INVALID_ROLE', role);
    files.push({ role, version: readSignedVersion(part.data), data: Buffer.from(part.data) });
  }
  return files;
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
