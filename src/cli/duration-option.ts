// Durations on the command line (`--expires`, `--within`): 30d, 12h, 2w, 1y, 1d12h.
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../tuf/expiry.js';

/** commander's parser for a duration option: milliseconds, or a usage error naming the format. */
export function durationOption(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration such as 30d, 12h, 2w or 1y');
  return ms;
}

/** `--expires` of the commands that sign (init, sign, signer add). */
export const EXPIRES_HELP = "lifetime of the roles this signs instead of notary's defaults (e.g. 30d, 1h; docker has no such option)";
