import type { OutboxEntry, SqlOutbox } from './outbox.js';
import { postEvent } from './post.js';
import { nextTry, type RetrySchedule } from './schedule.js';

/** What a host's delivery loop needs to try an event: where, signed how, and when to give up. */
export interface DeliveryConfig {
  url: string;
  secret: string;
  /** A try with no answer after this long fails, ms. */
  timeoutMs: number;
  schedule: RetrySchedule;
  /** Clock, ms since the epoch. */
  now: () => number;
  /** Jitter source in [0, 1). */
  random: () => number;
  fetch?: typeof fetch;
}

export type AttemptResult = 'delivered' | 'retry' | 'dead' | 'dropped';

/**
 * One try of a stored event: posts it, then records in the outbox what came
 * of it (delivered, the next try after a backoff with jitter, or the dead
 * letters past the horizon). The Node server's loop and each Durable Object's
 * alarm run the same code. `dropped`: the host stopped meanwhile (what the
 * try learnt is not recorded; the event, still pending, is sent again).
 */
export async function attempt(
  outbox: SqlOutbox,
  entry: OutboxEntry,
  config: DeliveryConfig,
  log: (line: string) => void,
  stopped: () => boolean = () => false,
): Promise<AttemptResult> {
  const { url, secret, timeoutMs, now } = config;
  const outcome = await postEvent({ url, secret, timeoutMs, now, fetch: config.fetch }, entry.id, entry.type, entry.body);
  if (stopped()) return 'dropped';
  const at = now();
  if (outcome.delivered) {
    outbox.delivered(entry.id, at);
    return 'delivered';
  }
  const next = nextTry(config.schedule, entry.attempts + 1, at, entry.since, config.random, outcome.retryAfterMs);
  outbox.failed(entry.id, outcome.error, next, at);
  if (next !== 'dead') return 'retry';
  log(`webhooks: ${entry.type} ${entry.id} dead-lettered after ${entry.attempts + 1} tries (${outcome.error})`);
  return 'dead';
}
