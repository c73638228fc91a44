// notary-server's error responses (docker/distribution errcode, group notary.api.v1): status, code,
// message and detail exactly as notary 0.7 sends them (notary server/errors/errors.go, captured from notary-server 0.7).

/** The `detail` of an INVALID_UPDATE error; the notary CLI turns `Name` back into its own error type. */
export interface ValidationDetail {
  Name: 'ErrValidation' | 'ErrBadHierarchy' | 'ErrBadRoot' | 'ErrBadTargets' | 'ErrBadSnapshot';
  Error: { Msg: string; Missing?: string };
}

interface CodeSpec {
  status: number;
  message: string;
}

export const API_CODES = {
  METADATA_NOT_FOUND: { status: 404, message: 'You have requested metadata that does not exist.' },
  MALFORMED_UPLOAD: { status: 400, message: 'The body of your request is malformed.' },
  INVALID_ROLE: { status: 400, message: 'The role you are attempting to operate on is invalid.' },
  NO_FILENAME: { status: 400, message: 'No file/role name provided.' },
  MALFORMED_JSON: { status: 400, message: 'JSON sent by the client could not be parsed by the server' },
  INVALID_UPDATE: { status: 400, message: 'Update sent by the client is invalid.' },
  VERSION: { status: 400, message: 'A newer version of metadata is already available.' },
  INVALID_GUN: { status: 400, message: 'The server does not support actions on images of this name.' },
  INVALID_PARAMETERS: { status: 400, message: 'The parameters provided are not valid.' },
  UPDATING: { status: 500, message: 'An error occurred when attempting to apply an update at the storage layer.' },
  UNKNOWN: { status: 500, message: 'unknown error' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  // Not in notary: an upload over the configured size limit. Sent as 400 with an ErrValidation
  // detail so that the notary and docker CLIs show the reason instead of "server unavailable".
  UPLOAD_TOO_LARGE: { status: 400, message: 'The upload is larger than this server accepts.' },
  // Not in notary: as many large publish bodies as the server parses at once, and a full queue.
  UPLOADS_BUSY: { status: 503, message: 'The server is busy with other large uploads; try again shortly.' },
  // Not in notary: the client already has its share of password checks running (hostile load).
  TOO_MANY_PASSWORD_CHECKS: { status: 429, message: 'Too many password checks from this client at once; try again shortly.' },
  // Not in notary: key creation over the per-client rate or the per-repository cap of pending keys.
  TOO_MANY_KEYS: { status: 429, message: 'The server is not creating more signing keys for this request now.' },
  // Not in notary: readiness while the server drains its requests before it stops.
  SHUTTING_DOWN: { status: 503, message: 'The server is shutting down.' },
  // trust-tui's pending area (routes under `/_trust/requests/`, which notary-server does not have).
  REQUEST_NOT_FOUND: { status: 404, message: 'There is no such signing request in the pending area.' },
  REQUEST_INVALID: { status: 400, message: 'The signing request or signature is invalid.' },
  REQUEST_CONFLICT: { status: 409, message: 'Another open signing request covers the same roles on the same base.' },
  REQUEST_TOO_LARGE: { status: 413, message: 'The signing request is larger than this server accepts.' },
  TOO_MANY_REQUESTS: { status: 429, message: 'The repository has as many open signing requests as this server allows.' },
} as const satisfies Record<string, CodeSpec>;

export type ApiCode = keyof typeof API_CODES;

/** Marker for "send no detail key at all" (notary does that for some errors, e.g. unknown routes). */
export const NO_DETAIL = Symbol('no detail');

/** Codes that notary sends with `"detail":{}` when there is nothing to say; the others omit the key. */
const EMPTY_DETAIL_CODES: ReadonlySet<ApiCode> = new Set(['METADATA_NOT_FOUND', 'VERSION', 'INVALID_PARAMETERS']);

/** An error the HTTP layer sends as notary's JSON body. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ApiCode,
    readonly detail: unknown = EMPTY_DETAIL_CODES.has(code) ? {} : NO_DETAIL,
  ) {
    super(`${code}: ${describe(detail) || API_CODES[code].message}`);
  }

  get status(): number {
    return API_CODES[this.code].status;
  }

  /** The response body: `{"errors":[{"code","message","detail"}]}` followed by a newline. */
  body(): string {
    const entry: Record<string, unknown> = { code: this.code, message: API_CODES[this.code].message };
    if (this.detail !== NO_DETAIL) entry.detail = this.detail;
    return JSON.stringify({ errors: [entry] }) + '\n';
  }
}

function describe(detail: unknown): string {
  if (detail === NO_DETAIL || detail === undefined) return '';
  if (typeof detail === 'string') return detail;
  const msg = (detail as Partial<ValidationDetail>)?.Error?.Msg;
  return typeof msg === 'string' ? msg : '';
}

/** INVALID_UPDATE with the detail notary's CLI shows to its users. */
export function invalidUpdate(name: ValidationDetail['Name'], msg: string, missing?: string): ApiError {
  const error: ValidationDetail['Error'] = missing === undefined ? { Msg: msg } : { Missing: missing, Msg: msg };
  return new ApiError('INVALID_UPDATE', { Name: name, Error: error });
}

/** 404; notary sends `"detail":{}` from its handlers and no detail for unknown routes. */
export const notFound = (withDetail = true) => new ApiError('METADATA_NOT_FOUND', withDetail ? {} : NO_DETAIL);
