import type { OutboxEntry } from './outbox.js';
import { fetchSender, postBatch, type BatchLimits, type Sender } from './post.js';
import { nextTry, type RetrySchedule } from './schedule.js';
import type { Signer } from './signature.js';

/** What a host's delivery loop needs to try events: where, signed how, sent how, and when to give up. */
export interface DeliveryConfig {
  url: string;
  secret: string;
  /** A try with no answer after this long fails, ms. */
  timeoutMs: number;
  schedule: RetrySchedule;
  /** Events per delivery at most, and its body's bytes at most. */
  batch: BatchLimits;
  /** Clock, ms since the epoch. */
  now: () => number;
  /** Jitter source in [0, 1). */
  random: () => number;
  /** HMAC of the signature (the host's cheapest); Web Crypto when left out. */
  sign?: Signer;
  /** Transport (the host's cheapest); `fetch` when left out. */
  send?: Sender;
  /** Tests: a `fetch` to send through (ignored when `send` is given). */
  fetch?: typeof fetch;
}

/** Where a try's outcome is recorded: the outbox (SqlOutbox), or a host's queue of fresh events. */
export interface DeliveryLedger {
  /** The events of a delivery answered 2xx. */
  deliveredAll(ids: readonly string[], now: number): void;
  /** A failed delivery: each event to its next try at `next`, or into the dead letters. */
  failedAll(events: readonly { id: string; next: number | 'dead' }[], error: string, now: number): void;
}

/** What came of a try, per event of the batch alike except `dead` (one event past its horizon while others retry). */
export interface BatchResult {
  delivered: number;
  retry: number;
  dead: number;
  /** The host stopped meanwhile: nothing recorded, the events, still pending, are sent again. */
  dropped: boolean;
}

/**
 * One try of a batch of stored events: posts them in one request, then
 * records in the outbox what came of it: all delivered (one statement), or
 * each failed with its own next try after a backoff with jitter, or into the
 * dead letters past its own horizon. The Node server's loop and each Durable
 * Object's alarm run the same code.
 */
export async function attemptBatch(
  outbox: DeliveryLedger,
  entries: readonly OutboxEntry[],
  config: DeliveryConfig,
  log: (line: string) => void,
  stopped: () => boolean = () => false,
): Promise<BatchResult> {
  const result: BatchResult = { delivered: 0, retry: 0, dead: 0, dropped: false };
  if (entries.length === 0) return result;
  const { url, secret, timeoutMs, now, sign } = config;
  const send = config.send ?? (config.fetch ? fetchSender(config.fetch) : undefined);
  const outcome = await postBatch({ url, secret, timeoutMs, now, sign, send }, entries.map((e) => e.body));
  if (stopped()) return { ...result, dropped: true };
  const at = now();
  if (outcome.delivered) {
    outbox.deliveredAll(entries.map((e) => e.id), at);
    return { ...result, delivered: entries.length };
  }
  outbox.failedAll(
    entries.map((entry) => {
      const next = nextTry(config.schedule, entry.attempts + 1, at, entry.since, config.random, outcome.retryAfterMs);
      if (next === 'dead') {
        result.dead++;
        log(`webhooks: ${entry.type} ${entry.id} dead-lettered after ${entry.attempts + 1} tries (${outcome.error})`);
      } else result.retry++;
      return { id: entry.id, next };
    }),
    outcome.error,
    at,
  );
  return result;
}
