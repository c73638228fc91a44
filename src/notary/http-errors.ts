// Typed errors of the Notary HTTP client. Each message is what happened and `hint` what to do —
// never docker's catch-all "no signatures or cannot access".
import type { RequestTimeoutError } from '../net/deadline.js';
import { HintedError, type HintInput } from '../tuf/errors.js';

/** Base class: every failure talking to a trust server. `url` is the server's base URL. */
export class NotaryHttpError extends HintedError {
  override name = 'NotaryHttpError';
  constructor(
    readonly url: string,
    message: string,
    hint?: HintInput,
  ) {
    super(message, hint === undefined ? {} : { hint });
  }
}

const CHOOSE_SERVER = {
  cli: 'check that it runs, or choose another with --server or trust-tui config server',
  ui: 'check that it runs, or set the server for this repository on the Config screen (5), then refresh (r)',
};

/**
 * No answer at all: connection refused, DNS failure, reset, or a timeout. Callers may go offline.
 * `hint` replaces the advice to choose another server where the server came from elsewhere.
 */
export class ServerUnreachableError extends NotaryHttpError {
  override name = 'ServerUnreachableError';
  constructor(
    url: string,
    readonly reason: string,
    hint: HintInput = CHOOSE_SERVER,
  ) {
    super(url, `cannot reach the trust server at ${url}: ${reason}`, hint);
  }
}

/**
 * A request hung: no connection, no TLS handshake, or no complete answer before the command's
 * deadline. The message names the request, e.g. `GET https://…/timestamp.json did not answer within 30s`.
 */
export class ServerTimeoutError extends ServerUnreachableError {
  override name = 'ServerTimeoutError';
  override readonly hint;
  constructor(url: string, timeout: RequestTimeoutError) {
    super(url, timeout.message);
    this.message = timeout.message;
    this.hint = timeout.hint;
  }
}

/** The server answered, but not with valid HTTP (a broken proxy or not an HTTP server). */
export class BadResponseError extends NotaryHttpError {
  override name = 'BadResponseError';
  constructor(url: string, reason: string) {
    super(url, `the trust server at ${url} sent an invalid HTTP answer (${reason})`, 'check the server URL and any proxy in between');
  }
}

/** The TLS handshake failed: unknown CA, wrong host name, expired certificate, client cert refused. */
export class TlsTrustError extends NotaryHttpError {
  override name = 'TlsTrustError';
  constructor(
    url: string,
    readonly reason: string,
    /**
     * What to do: for a chain failure, which CA was trusted (`it does not chain to --tlscacert ca.crt; …`);
     * for a date or a host name, which certificate says what (net/tls-failure.ts).
     */
    advice: HintInput,
  ) {
    super(url, `TLS certificate of ${url} is not trusted: ${reason}`, advice);
  }
}

/** 401 after following the server's challenge (or without credentials to follow it with). */
export class UnauthorizedError extends NotaryHttpError {
  override name = 'UnauthorizedError';
  constructor(url: string, loginHint: string) {
    super(url, `not authorised by ${url}`, `log in with ${loginHint} and try again`);
  }
}

/** 404 on a piece of metadata. */
export class MetadataNotFoundError extends NotaryHttpError {
  override name = 'MetadataNotFoundError';
  constructor(
    url: string,
    readonly gun: string,
    readonly role: string,
    message = `the trust server at ${url} has no ${role} metadata for ${gun}`,
    hint?: HintInput,
  ) {
    super(url, message, hint);
  }
}

/** 404 on root.json: notary's sign that the repository was never published (or was deleted). */
export class RepositoryNotInitialisedError extends MetadataNotFoundError {
  override name = 'RepositoryNotInitialisedError';
  constructor(url: string, gun: string) {
    super(url, gun, 'root', `repository ${gun} is not initialised on ${url}`, {
      cli: 'sign a tag or run trust-tui init to create it',
      ui: 'sign a tag to create it',
    });
  }
}

/** 400 on an update: notary-server's validation refused it; `reason` is its own explanation. */
export class UpdateRejectedError extends NotaryHttpError {
  override name = 'UpdateRejectedError';
  constructor(
    url: string,
    readonly code: string,
    readonly reason: string,
  ) {
    super(url, `the server rejected the update: ${reason}`);
  }
}

/** The pending area (trust-tui server) refused a request: its own reason (limits, conflict, a signature). */
export class PendingAreaRefusedError extends NotaryHttpError {
  override name = 'PendingAreaRefusedError';
  constructor(
    url: string,
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(url, message);
  }
}

/** Any other status. */
export class UnexpectedStatusError extends NotaryHttpError {
  override name = 'UnexpectedStatusError';
  constructor(
    url: string,
    readonly status: number,
    what: string,
    /** The server's own words from a notary error body (`UPDATING: …`), when it sent one. */
    reason?: string,
  ) {
    super(url, `the trust server at ${url} answered ${status} to ${what}${reason ? ` (${reason})` : ''}`, 'try again later or check the server');
  }
}

/** A download longer than the limit the metadata allows: the server is broken or hostile. */
export class DownloadTooLargeError extends NotaryHttpError {
  override name = 'DownloadTooLargeError';
  constructor(
    url: string,
    readonly what: string,
    readonly limit: number,
  ) {
    super(url, `${what} from ${url} is larger than the ${limit} bytes allowed; refusing it (the server may be compromised)`);
  }
}
