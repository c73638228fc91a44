// Where a publish got to, for commands that made a key for it (init, key rotate). A key the server
// may now list must never be deleted: without it the role can no longer be signed. Only a refusal
// the server sent (4xx) says the update was not saved; a lost answer (a timeout, a reset, a 5xx from
// a proxy) may follow a save, and a failure after the answer (reading the result back) certainly does.
import { PendingAreaRefusedError, UnauthorizedError, UnexpectedStatusError, UpdateRejectedError } from '../notary/http-errors.js';
import { shortKeyId } from '../tuf/short-key-id.js';
import type { TrustContext } from './context.js';

export class UploadTracker {
  /** The upload request was being sent. */
  began = false;
  /** The server answered that it saved the update. */
  saved = false;

  /** Whether the update failing with `e` may be on the server all the same. */
  mayBeSaved(e: unknown): boolean {
    return this.saved || (this.began && !refusedByServer(e));
  }
}

function refusedByServer(e: unknown): boolean {
  if (e instanceof UpdateRejectedError || e instanceof UnauthorizedError) return true;
  return (e instanceof UnexpectedStatusError || e instanceof PendingAreaRefusedError) && e.status >= 400 && e.status < 500;
}

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
