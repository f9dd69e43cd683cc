/** Entries kept before idle ones are swept, so memory stays flat however many keys pass through. */
const SWEEP_AT = 10_000;

/**
 * Token buckets keyed by a string (a person, a socket). Each key may spend
 * `burst` tokens at once and gets `perSecond` back per second.
 *
 * A refused key stays refused until the wait it was told has passed, even if
 * a token trickles back sooner: otherwise a later frame could slip in ahead
 * of an earlier refused one, and a sender's messages would be stored out of
 * order when the client resends the refused ones (I5).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number; until: number }>();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {}

  /** Spends `cost` tokens of `key`: 0 when allowed, otherwise the ms until they are back. */
  take(key: string, cost = 1): number {
    const t = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= SWEEP_AT) this.sweep(t);
      bucket = { tokens: this.burst, at: t, until: 0 };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((t - bucket.at) * this.perSecond) / 1000);
      bucket.at = t;
    }
    if (bucket.until > t) return bucket.until - t;
    // A cost above the burst could never be paid: it waits for a full bucket and takes it all.
    const due = Math.min(cost, this.burst);
    if (bucket.tokens >= due) {
      bucket.tokens -= due;
      return 0;
    }
    const wait = this.perSecond > 0 ? Math.ceil(((due - bucket.tokens) * 1000) / this.perSecond) : 60_000;
    bucket.until = t + wait;
    return wait;
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  /** Drops buckets that have refilled: forgetting them changes nothing. */
  private sweep(t: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((t - bucket.at) * this.perSecond) / 1000 >= this.burst) this.buckets.delete(key);
    }
  }
}

/** At most one event per key and interval (typing indicators). */
export class Throttle {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** True when `key` may fire now (and records that it did). */
  pass(key: string): boolean {
    const t = this.now();
    const previous = this.last.get(key);
    if (previous !== undefined && t - previous < this.intervalMs) return false;
    if (this.last.size >= SWEEP_AT) {
      for (const [k, at] of this.last) if (t - at >= this.intervalMs) this.last.delete(k);
    }
    this.last.set(key, t);
    return true;
  }
}
