import type { Sql } from '../shared/storage/migrate.js';
import { DEFAULT_NOTIFICATIONS, notificationScan, scanNotifications, type NotificationSettings } from '../shared/webhooks/notifications.js';
import { attemptBatch, type DeliveryConfig, type DeliveryLedger } from '../shared/webhooks/attempt.js';
import type { MessageEventQueue, QueuedEvent } from '../shared/webhooks/message-events.js';
import type { OutboxEntry, SqlOutbox } from '../shared/webhooks/outbox.js';
import { DEFAULT_BATCH, takeBatches } from '../shared/webhooks/post.js';
import { DEFAULT_SCHEDULE, type RetrySchedule } from '../shared/webhooks/schedule.js';
import { nodeSender, nodeSigner, type NodeSender } from './webhook-transport.js';

/** The timed unread scan works in turns of at most about this long, ms. */
const SCAN_SLICE_MS = 4;

/** Requests start at most this often under load, ms (see `spacingMs`). */
const DEFAULT_SPACING_MS = 25;

/** Webhook settings of the Node server (`PIN_WEBHOOK_*` in server/main.ts). */
export interface WebhookOptions {
  /** Where events are POSTed. */
  url: string;
  /** HMAC-SHA256 key of the `Pin-Signature` header. */
  secret: string;
  /** Requests in flight to the receiver at most (each carries a batch). Default 4. */
  concurrency?: number;
  /** Events per request at most (a request's body also stays under 256 KB). Default 100. */
  batch?: number;
  /** A try that has no answer after this long fails (and is retried), ms. Default 10 s. */
  timeoutMs?: number;
  /** Backoff and dead-letter horizon (compress it in tests). Default 10 s doubling to 1 h, for 24 h. */
  schedule?: Partial<RetrySchedule>;
  /** `notification.due` after this long unread while offline, and its window, ms. Default 10 minutes. */
  notifyAfterMs?: number;
  /** `notification.due` per person per 24 hours at most. Default 10. */
  notifyPerDay?: number;
  /** How often due retries are looked for, ms (new events are sent at once). Default 1 s. */
  pollMs?: number;
  /**
   * Requests start at most this often, ms: an event recorded when none started
   * for this long goes at once; under load, what is recorded meanwhile goes
   * together in the next batch (a request costs the server far more than an
   * event in it). Default 25 ms: at 4,000 messages a second, full batches of 100; 0 starts one as soon as a slot is free.
   */
  spacingMs?: number;
  /** How often unread state is scanned for `notification.due`, ms. Default 30 s. */
  scanEveryMs?: number;
  /** Clock, ms since the epoch (tests inject one). */
  now?: () => number;
  /** Jitter source in [0, 1) (tests inject one). */
  random?: () => number;
  /** Tests: send through this `fetch` instead of node:http. */
  fetch?: typeof fetch;
  /**
   * Runs `fn` once no transaction of the server's is open (at once when
   * none is): the server passes its group commit's output gate, so reads of
   * the outbox and the queue see committed rows only, and a turn's commit
   * never waits for a delivery's work.
   */
  outsideTurn?: (fn: () => void) => void;
}

/** A batch to try: from the outbox, or a range of the message events' queue (rows `from`..`to`). */
type Batch = { entries: OutboxEntry[]; queued?: undefined } | { entries: QueuedEvent[]; queued: { from: number; to: number } };

/**
 * The Node server's delivery loop: reads due events from the outbox and fresh
 * message.created events from their queue (see MessageEventQueue), posts them
 * in batches (at most `concurrency` requests at a time, never inside a
 * frame's turn), and records each outcome: delivered, retried later or
 * dead-lettered. All its state is in those tables, so a restart resumes where
 * it stopped; an event whose try was cut off by the restart is sent again (at
 * least once).
 *
 * Exposed as `server.webhooks`: `deadLetters()`, `replay(ids?)` and
 * `counts()` are what an admin API mounts.
 */
export class WebhookDelivery {
  /** Ids of the events in flight, and how many requests carry them. */
  private readonly inFlight = new Set<string>();
  private requests = 0;
  private readonly transport?: NodeSender;
  private readonly delivery: DeliveryConfig;
  private readonly notifications: NotificationSettings;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private settled: (() => void)[] = [];
  private woken = false;
  private stopped = false;
  /** When the last request started (performance.now()), and the pump held until spacing allows another. */
  private lastStart = -Infinity;
  private held?: ReturnType<typeof setTimeout>;
  /** Whether the outbox may have due events: set by what records or reschedules one, cleared by a read that found fewer than it asked for. */
  private outboxDue = true;
  /** The last queue row handed to a try (rows up to it are in flight or done); 0 after a start, so a restart sends what is left. */
  private queueAfter = 0;
  /** Queued events in tries now. */
  private queueInFlight = 0;
  /** The last read of the queue filled every batch it could: the next run need not wait for the spacing. */
  private backlog = false;
  /** A run is waiting for the open transaction to commit. */
  private gated = false;
  /** The timed unread scan under way, a candidate at a time. */
  private scanning?: Generator<void, number>;

  constructor(
    private readonly outbox: SqlOutbox,
    private readonly sql: Sql,
    private readonly options: WebhookOptions,
    /** Whether a person has an open socket (the core's registry). */
    private readonly isOnline: (user: string) => boolean,
    private readonly log: (line: string) => void,
    /** The message.created queue, when the host records them apart from the outbox. */
    private readonly queue?: MessageEventQueue,
  ) {
    if (!/^https?:\/\//.test(options.url)) throw new Error('the webhook url must be http(s)');
    if (options.secret.length < 32) throw new Error('the webhook secret must have at least 32 characters');
    this.notifications = {
      delayMs: options.notifyAfterMs ?? DEFAULT_NOTIFICATIONS.delayMs,
      perDay: options.notifyPerDay ?? DEFAULT_NOTIFICATIONS.perDay,
    };
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    const concurrency = Math.max(1, options.concurrency ?? 4);
    if (!options.fetch) this.transport = nodeSender(options.url, concurrency);
    this.delivery = {
      url: options.url,
      secret: options.secret,
      timeoutMs: options.timeoutMs ?? 10_000,
      schedule: { ...DEFAULT_SCHEDULE, ...options.schedule },
      batch: { ...DEFAULT_BATCH, maxEvents: Math.max(1, Math.floor(options.batch ?? DEFAULT_BATCH.maxEvents)) },
      now: this.now,
      random: this.random,
      sign: nodeSigner,
      send: this.transport?.send,
      fetch: options.fetch,
    };
  }

  /** Starts the timers: due retries every `pollMs`, the unread scan every `scanEveryMs`. */
  start(): void {
    const every = (ms: number, fn: () => void) => {
      const timer = setInterval(fn, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.pollMs ?? 1_000, () => this.pump());
    every(this.options.scanEveryMs ?? 30_000, () => this.startScan());
    this.wake();
  }

  /**
   * Asks for a pump on a later turn: after the transaction that recorded an
   * event has committed (the server calls it through the group commit's
   * output gate), never inside the frame's turn. `outbox`: the event went
   * into the outbox (not the message events' queue), so the pump reads it.
   */
  wake(outbox = false): void {
    if (outbox) this.outboxDue = true;
    if (this.woken || this.stopped) return;
    this.woken = true;
    setImmediate(() => {
      this.woken = false;
      this.run();
    });
  }

  /**
   * Starts deliveries of due events while fewer than `concurrency` requests
   * are in flight and none started in the last `spacingMs`: one read of the
   * outbox and one of the queue for all the free requests, each filled up to
   * the batch limits before the next (a lone event after a quiet spell goes
   * at once).
   */
  pump(): void {
    this.outboxDue = true;
    this.run();
  }

  private run(): void {
    if (this.gated) return;
    this.gated = true;
    this.outsideTurn(() => {
      this.gated = false;
      this.runNow();
    });
  }

  private runNow(): void {
    if (this.stopped) return;
    const free = Math.max(1, this.options.concurrency ?? 4) - this.requests;
    if (free <= 0) return;
    // Spacing gathers a trickle into batches; a backlog already fills them, and goes as fast as the slots allow.
    const wait = this.backlog ? 0 : this.lastStart + (this.options.spacingMs ?? DEFAULT_SPACING_MS) - performance.now();
    if (wait > 0) {
      this.held ??= setTimeout(() => {
        this.held = undefined;
        this.run();
      }, Math.ceil(wait));
      return;
    }
    const batches: Batch[] = [];
    const most = this.delivery.batch.maxEvents;
    this.backlog = false;
    if (this.outboxDue) {
      try {
        const due = this.outbox.due(this.now(), free * most, this.inFlight);
        if (due.length < free * most) this.outboxDue = false;
        for (const entries of takeBatches(due, this.delivery.batch, free)) batches.push({ entries });
      } catch (error) {
        this.log(`webhooks: reading the outbox failed: ${describe(error)}`);
      }
    }
    if (this.queue && batches.length < free) {
      try {
        this.takeQueued(free - batches.length, batches);
      } catch (error) {
        this.log(`webhooks: reading the message events failed: ${describe(error)}`);
      }
    }
    if (batches.length > 0) this.lastStart = performance.now();
    for (const batch of batches) {
      if (batch.queued) this.queueInFlight += batch.entries.length;
      else for (const entry of batch.entries) this.inFlight.add(entry.id);
      this.requests++;
      void this.attempt(batch);
    }
  }

  /**
   * Cuts the queue's next rows into at most `count` batches, each with the
   * range of rows it answers for (rows passed over, their message gone, go
   * with the batch after them, or alone when no event is left).
   */
  private takeQueued(count: number, into: Batch[]): void {
    const read = this.queue!.take(this.queueAfter, count * this.delivery.batch.maxEvents);
    if (read.through <= this.queueAfter) return;
    // A full read: more is waiting.
    if (read.events.length >= count * this.delivery.batch.maxEvents) this.backlog = true;
    const parts = takeBatches(read.events, this.delivery.batch, count);
    const taken = parts.reduce((n, part) => n + part.length, 0);
    let from = this.queueAfter + 1;
    if (parts.length === 0) {
      this.queue!.delivered(from, read.through, 0, this.now());
      this.queueAfter = read.through;
      return;
    }
    parts.forEach((entries, i) => {
      const to = i === parts.length - 1 && taken === read.events.length ? read.through : entries[entries.length - 1].row;
      into.push({ entries, queued: { from, to } });
      from = to + 1;
    });
    this.queueAfter = from - 1;
  }

  /** Records `notification.due` events for offline members, at once; returns how many (tests: the timer spreads it out). */
  scan(): number {
    if (this.stopped) return 0;
    this.purge();
    try {
      return scanNotifications(this.sql, this.outbox, this.notifications, this.isOnline, this.now());
    } catch (error) {
      this.log(`webhooks: the unread scan failed: ${describe(error)}`);
      return 0;
    }
  }

  /** Drops what is kept of delivered events past its retention. */
  private purge(): void {
    try {
      this.outbox.purge(this.now());
      this.queue?.purge(this.now());
    } catch (error) {
      this.log(`webhooks: purging delivered events failed: ${describe(error)}`);
    }
  }

  /**
   * The timed scan: the same as `scan`, spread over turns of at most about
   * 4 ms (outside the server's transactions), so thousands of offline
   * members do not stall the messages; a scan still under way when the next
   * is due goes on instead.
   */
  private startScan(): void {
    if (this.stopped || this.scanning) return;
    this.scanning = notificationScan(this.sql, this.outbox, this.notifications, this.isOnline, this.now());
    this.outsideTurn(() => {
      this.purge();
      this.continueScan();
    });
  }

  private readonly continueScan = (): void => {
    const scan = this.scanning;
    if (!scan || this.stopped) return;
    const until = performance.now() + SCAN_SLICE_MS;
    try {
      do {
        if (scan.next().done) return void (this.scanning = undefined);
      } while (performance.now() < until);
    } catch (error) {
      this.scanning = undefined;
      return this.log(`webhooks: the unread scan failed: ${describe(error)}`);
    }
    setImmediate(() => this.outsideTurn(this.continueScan));
  };

  private outsideTurn(fn: () => void): void {
    if (this.options.outsideTurn) this.options.outsideTurn(fn);
    else fn();
  }

  /** Dead-lettered events by id, after the id `after` (the server API's pages). */
  deadLetters(limit = 100, after = ''): OutboxEntry[] {
    return this.outbox.deadLetters(limit, after);
  }

  /** Puts dead letters (all of them without `ids`) back in line with a fresh horizon; returns their ids. */
  replay(ids?: readonly string[]): string[] {
    const replayed = this.outbox.replay(this.now(), ids);
    if (replayed.length > 0) this.wake(true);
    return replayed;
  }

  /** Events per state: pending, delivered (in the last 7 days), dead; and in tries now. */
  counts(): { pending: number; delivered: number; dead: number; inFlight: number } {
    const counts = this.outbox.counts();
    if (this.queue) {
      counts.pending += this.queue.count();
      counts.delivered += this.queue.deliveredCount(this.now());
    }
    return { ...counts, inFlight: this.inFlight.size + this.queueInFlight };
  }

  /** Resolves once no try is in flight (tests, shutdown). */
  idle(): Promise<void> {
    if (this.requests === 0) return Promise.resolve();
    return new Promise((resolve) => this.settled.push(resolve));
  }

  /**
   * Stops the timers and new tries. Tries in flight are not waited for: what
   * they learn is dropped, and their events, still pending in the table, are
   * sent again after a restart.
   */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.held);
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
    this.transport?.close();
  }

  private async attempt(batch: Batch): Promise<void> {
    const { entries } = batch;
    try {
      await attemptBatch(batch.queued ? this.queueLedger(batch.entries, batch.queued) : this.outbox, entries, this.delivery, this.log, () => this.stopped);
    } catch (error) {
      this.log(`webhooks: recording a try of ${entries.length} events from ${entries[0].id} failed: ${describe(error)}`);
      // Its rows are still queued: read them again (some may go twice: at least once).
      if (batch.queued) this.queueAfter = Math.min(this.queueAfter, batch.queued.from - 1);
    } finally {
      if (batch.queued) this.queueInFlight -= entries.length;
      else for (const entry of entries) this.inFlight.delete(entry.id);
      this.requests--;
      if (this.requests === 0) for (const resolve of this.settled.splice(0)) resolve();
      this.run();
    }
  }

  /** Records a queued batch's outcome: its rows deleted and counted, or its events moved into the outbox. */
  private queueLedger(entries: readonly QueuedEvent[], { from, to }: { from: number; to: number }): DeliveryLedger {
    const queue = this.queue!;
    return {
      deliveredAll: (_ids, now) => queue.delivered(from, to, entries.length, now),
      failedAll: (events, error, now) => {
        const next = new Map(events.map((e) => [e.id, e.next]));
        queue.moveToOutbox(from, to, entries.map((event) => ({ event, next: next.get(event.id)! })), error, now);
        this.outboxDue = true;
      },
    };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
