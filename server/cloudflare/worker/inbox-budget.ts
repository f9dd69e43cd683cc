import { ErrorCode } from '../../../src/protocol/index.js';
import type { Refusal } from '../../../src/core/context.js';
import { DEFAULT_LIMITS } from '../../../src/core/core.js';
import { RateLimiter } from '../../../src/core/rate.js';
import type { ServerLimits } from '../../../src/core/types.js';

/**
 * A limit high enough never to be reached. Finite: a token bucket multiplies
 * it by the time since its last take, which may be 0.
 */
export const UNLIMITED = 1e12;

/**
 * One person's budgets, kept by their inbox: it sees each of their frames
 * first, from every socket and for every conversation, so nothing is charged
 * twice and no conversation object hands out a budget of its own. Kept in
 * memory: an inbox is evicted only once its person has been quiet for a
 * while, and then the buckets would have refilled anyway.
 */
export class PersonBudget {
  readonly limits: Required<ServerLimits>;
  private readonly frames: RateLimiter;
  private readonly sends: RateLimiter;
  private readonly replays: RateLimiter;
  private readonly creations: RateLimiter;

  constructor(
    private readonly person: string,
    limits: Partial<ServerLimits>,
    now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...definedOnly(limits) };
    this.frames = new RateLimiter(this.limits.frameBurst, this.limits.framesPerSecond, now);
    this.sends = new RateLimiter(this.limits.rateBurst, this.limits.ratePerSecond, now);
    this.replays = new RateLimiter(this.limits.replayBurst, this.limits.replayPerSecond, now);
    this.creations = new RateLimiter(this.limits.createBurst, this.limits.createPerMinute / 60, now);
  }

  /** Every frame, whatever becomes of it. */
  frame(): Refusal | undefined {
    return over(this.frames.take(this.person), 'too many frames');
  }

  /** Every send, refused and duplicate ones too. */
  send(): Refusal | undefined {
    return over(this.sends.take(this.person), 'too many messages: slow down');
  }

  /** `cost` of replay work: a history page, a welcome, a resumed conversation. */
  replay(cost: number, what: string): Refusal | undefined {
    return over(this.replays.take(this.person, cost), `${what}: slow down`);
  }

  /** A conversation about to be created (after every other check passed). */
  creation(): Refusal | undefined {
    return over(this.creations.take(this.person), 'too many new conversations: slow down');
  }
}

function over(wait: number, message: string): Refusal | undefined {
  return wait === 0 ? undefined : { code: ErrorCode.RateLimited, message, retryAfter: wait };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as Partial<T>;
}
