import { FATAL_CLOSE_CODES, type CloseCode } from '../protocol/codes.js';

/** Reconnect delays: attempt n waits a random time in [0, min(capMs, baseMs * 2^n)). */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

/** True when the server refused the credentials or the Origin: reconnecting cannot help. */
export function isFatalClose(code: number): boolean {
  return FATAL_CLOSE_CODES.has(code);
}

/**
 * Decides how long to wait before each connection attempt. Full jitter (a
 * uniform draw over the whole window) rather than a fixed delay, so that
 * thousands of clients dropped by one server restart do not come back in
 * the same instant.
 *
 * The attempt counter is reset only once a socket has stayed open for
 * `stableMs`: a server that accepts and then closes at once (refused token,
 * overload) must not reset it, or the clients would hammer it.
 */
export class Backoff {
  #attempt = 0;
  #immediate = true;
  #expiredRetried = false;
  #stableTimer: ReturnType<typeof setTimeout> | undefined;

  readonly #options: BackoffOptions;
  readonly #stableMs: number;
  readonly #random: () => number;

  constructor(options: BackoffOptions, stableMs: number, random: () => number) {
    this.#options = options;
    this.#stableMs = stableMs;
    this.#random = random;
  }

  /** Milliseconds to wait before the next attempt; 0 for the first one and after `skipNext`. */
  nextDelay(): number {
    if (this.#immediate) {
      this.#immediate = false;
      return 0;
    }
    return Math.floor(this.#random() * Math.min(this.#options.capMs, this.#options.baseMs * 2 ** this.#attempt++));
  }

  /** The next attempt goes at once ("retry now", a new session). */
  skipNext(): void {
    this.#immediate = true;
  }

  /** A socket opened: reset the counters if it stays open. */
  opened(): void {
    clearTimeout(this.#stableTimer);
    this.#stableTimer = setTimeout(() => {
      this.#attempt = 0;
      this.#expiredRetried = false;
    }, this.#stableMs);
  }

  /**
   * A socket closed with `code`. An expired token is retried at once (with
   * the fresh token the provider fetches), but only once until a socket stays
   * open, so a provider that keeps returning stale tokens backs off too.
   */
  closed(code: number): void {
    clearTimeout(this.#stableTimer);
    if (code === (4002 satisfies typeof CloseCode.TokenExpired) && !this.#expiredRetried) {
      this.#expiredRetried = true;
      this.#immediate = true;
    }
  }

  /** Forgets everything: the next attempt is a first attempt. */
  reset(): void {
    clearTimeout(this.#stableTimer);
    this.#attempt = 0;
    this.#immediate = true;
    this.#expiredRetried = false;
  }
}
