// How many repositories a bulk command (sweep, verify of many images) works on at once: the rule
// for `--concurrency`, for the command line and the trust operations alike.
import { InputError } from './errors.js';

/**
 * Repositories in progress at once by default: enough to overlap one repository's round trips and
 * disk writes with another's verification, few enough for a server shared with other clients.
 */
export const DEFAULT_CONCURRENCY = 6;
/** More gains nothing on one client and only loads the server. */
export const MAX_CONCURRENCY = 64;

/** Refuses a concurrency that is not a whole number from 1 to MAX_CONCURRENCY. */
export function checkConcurrency(value: number, flag = '--concurrency'): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_CONCURRENCY) {
    throw new InputError(`${flag} must be a whole number from 1 to ${MAX_CONCURRENCY}, not ${Number.isNaN(value) ? 'that' : value}`, {
      hint: `e.g. ${flag} ${DEFAULT_CONCURRENCY} (the default)`,
    });
  }
  return value;
}
