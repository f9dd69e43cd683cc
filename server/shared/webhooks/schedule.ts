/**
 * When a failed delivery is tried again: exponential backoff with full
 * jitter (a random delay between 0 and min(cap, base * 2^attempt)), so a
 * receiver coming back up is not hit by every queued event at once; after
 * `horizonMs` of failures the event goes to the dead letters.
 */
export interface RetrySchedule {
  /** Ceiling of the first retry's delay, ms. */
  baseMs: number;
  /** Largest delay between two tries, ms. */
  capMs: number;
  /** An event still failing this long after its first try (or its replay) is dead-lettered, ms. */
  horizonMs: number;
}

/** 10 s doubling up to an hour between tries, for 24 hours. */
export const DEFAULT_SCHEDULE: Readonly<RetrySchedule> = {
  baseMs: 10_000,
  capMs: 60 * 60_000,
  horizonMs: 24 * 60 * 60_000,
};

/**
 * After the `attempts`-th failed try (1 for the first), at `now`, of an event
 * whose retries began at `since`: the time of the next try, or 'dead'.
 * `retryAfterMs` (a 429 or 503's Retry-After) replaces a shorter delay,
 * capped at `capMs` so one answer cannot park an event past its horizon.
 */
export function nextTry(
  schedule: RetrySchedule,
  attempts: number,
  now: number,
  since: number,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number | 'dead' {
  if (now - since >= schedule.horizonMs) return 'dead';
  const ceiling = Math.min(schedule.capMs, schedule.baseMs * 2 ** Math.min(attempts - 1, 40));
  let delay = Math.floor(random() * ceiling);
  if (retryAfterMs !== undefined) delay = Math.max(delay, Math.min(retryAfterMs, schedule.capMs));
  return now + delay;
}
