// Maps any error to the one line the user sees and the exit code scripts see.
import { isCancellation, RequestPendingError, StaleRequestError } from '../trust/errors.js';
import { hintOf } from '../tuf/errors.js';
import { EXIT } from './exit-codes.js';

/** The cause, and the next step when the error carries one: `cause — hint`, on one line. */
export function errorLine(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.message.split('\n')[0] || e.name;
  const hint = hintOf(e, 'cli');
  return hint ? `${cause} — ${hint}` : cause;
}

export function describeError(e: unknown): { message: string; exitCode: number } {
  const exitCode = isCancellation(e) ? EXIT.cancelled : e instanceof RequestPendingError ? EXIT.pending : e instanceof StaleRequestError ? EXIT.stale : EXIT.error;
  return { message: errorLine(e), exitCode };
}

/** Thrown after a command has printed its own errors (e.g. some of several repositories failed). */
export class AlreadyReported extends Error {
  override name = 'AlreadyReported';
  constructor(readonly exitCode: number = EXIT.error) {
    super('already reported');
  }
}
