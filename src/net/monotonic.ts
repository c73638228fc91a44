// A monotonic clock in milliseconds. Not `performance.now()`: the first use of the `performance`
// global loads Node's whole perf_hooks module (eight internal modules, about a millisecond of every
// command's start-up); process.hrtime is part of Node's start.

/** Milliseconds on a clock that never goes back (its origin is arbitrary). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
