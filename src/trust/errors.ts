// Errors of trust operations. The message is the cause a user sees; `hint` the next step.
import { PromptCancelledError } from '../keys/errors.js';
import { HintedError, type Hint } from '../tuf/errors.js';

export class TrustError extends HintedError {
  override name = 'TrustError';
}

/** The user refused a confirmation (or a prompt was closed). Distinct from failure for scripts. */
export class CancelledError extends TrustError {
  override name = 'CancelledError';
}

/** Arguments that name something that does not exist or cannot be used. */
export class InputError extends TrustError {
  override name = 'InputError';
}

/** A refused confirmation or a cancelled passphrase prompt: nothing was changed, not a failure. */
export function isCancellation(e: unknown): boolean {
  return e instanceof CancelledError || e instanceof PromptCancelledError;
}

/** What a failure in one of many repositories is reported as: the first line of its cause, and its next step. */
export function problemAndHint(e: unknown): { problem: string; hint?: Hint } {
  const problem = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  return e instanceof HintedError && e.hint ? { problem, hint: e.hint } : { problem };
}

/** A signing request waits on more signatures: a result, not a failure (exit code 8). */
export class RequestPendingError extends TrustError {
  override name = 'RequestPendingError';
}

/** A signing request's base moved or its deadline passed: it must be rebased (exit code 9). */
export class StaleRequestError extends TrustError {
  override name = 'StaleRequestError';
}

/** A confirmed preview no longer matches the repository: nothing was changed. */
export function changedSincePreview(gun: string): TrustError {
  return new TrustError(`${gun} changed since this preview, so nothing was changed; look at the new preview and confirm again`);
}
