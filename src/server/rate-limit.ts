// Per-client token buckets: `capacity` actions at once, refilled at `perSecond`. Bounded in the
// number of clients it remembers, so a flood of addresses cannot grow it without end.

const MAX_CLIENTS = 10_000;

export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `client`; false when its bucket is empty. */
  take(client: string): boolean {
    const now = this.now();
    const bucket = this.#buckets.get(client);
    const tokens = bucket ? Math.min(this.capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond) : this.capacity;
    if (tokens < 1) {
      this.#buckets.set(client, { tokens, at: now });
      return false;
    }
    if (!bucket && this.#buckets.size >= MAX_CLIENTS) {
      // Forget the longest-remembered client (Map keeps insertion order).
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    this.#buckets.delete(client);
    this.#buckets.set(client, { tokens: tokens - 1, at: now });
    return true;
  }
}
