// `--concurrency N` of the bulk commands (sweep, verify): how many repositories at once.
import { InvalidArgumentError } from 'commander';
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from '../trust/concurrency.js';

export const CONCURRENCY_HELP = `repositories worked on at once (1-${MAX_CONCURRENCY}, default ${DEFAULT_CONCURRENCY}); results keep their order, and --timeout bounds each repository`;

/** commander's parser: a whole number from 1 to MAX_CONCURRENCY, or a usage error saying so. */
export function concurrencyOption(value: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= MAX_CONCURRENCY)) throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_CONCURRENCY}`);
  return n;
}
