// Where a publish got to, for commands that made a key for it (init, key rotate). A key the server
// may now list must never be deleted: without it the role can no longer be signed. Only a refusal
// the server sent (4xx) says the update was not saved; a lost answer (a timeout, a reset, a 5xx from
// a proxy) may follow a save, and a failure after the answer (reading the result back) certainly does.
import { PendingAreaRefusedError, ServerUnreachableError, TlsTrustError, UnauthorizedError, UnexpectedStatusError, UpdateRejectedError } from '../notary/http-errors.js';
import { shortKeyId } from '../tuf/short-key-id.js';
import type { TrustContext } from './context.js';

export class UploadTracker {
  /** The upload request was being sent. */
  began = false;
  /** The server answered that it saved the update. */
  saved = false;

  /** Whether the update failing with `e` may be on the server all the same. */
  mayBeSaved(e: unknown): boolean {
    return this.saved || (this.began && !causes(e).some(certainlyNotSaved));
  }
}

/** `e` and the errors it wraps (a refusal explained in other words keeps the server's as its cause). */
function causes(e: unknown): unknown[] {
  const out: unknown[] = [];
  for (let at = e; at !== undefined && !out.includes(at) && out.length < 8; at = (at as { cause?: unknown })?.cause) out.push(at);
  return out;
}

/** The server refused (4xx), or the request never reached it (no connection, no TLS session). */
function certainlyNotSaved(e: unknown): boolean {
  if (e instanceof UpdateRejectedError || e instanceof UnauthorizedError || e instanceof TlsTrustError) return true;
  if (e instanceof ServerUnreachableError) return NOT_CONNECTED.test(e.reason);
  return (e instanceof UnexpectedStatusError || e instanceof PendingAreaRefusedError) && e.status >= 400 && e.status < 500;
}

/** Connection errors that happen before a byte of the request is sent. */
const NOT_CONNECTED = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/;

/**
 * Deletes `keyId`, made for an update that failed with `e`, unless the server may have saved that
 * update: then it is kept and a warning line says why.
 */
export async function dropKeyUnlessSaved(ctx: TrustContext, tracker: UploadTracker, e: unknown, keyId: string, what: string, gun: string): Promise<void> {
  if (tracker.mayBeSaved(e)) {
    ctx.warn(`the new ${what} key ${shortKeyId(keyId)} is kept: the server may have saved the update of ${gun} before the error; check with \`trust-tui info ${gun}\` before trying again`);
    return;
  }
  await ctx.keys.remove(keyId).catch(() => undefined);
}
