import { attemptBatch, type DeliveryConfig, type DeliveryLedger } from '../shared/webhooks/attempt.js';
import type { QueueRead, QueuedEvent } from '../shared/webhooks/message-events.js';
import type { OutboxEntry } from '../shared/webhooks/outbox.js';
import { takeBatches } from '../shared/webhooks/post.js';

/**
 * Requests start at most this often under load, ms (see `WebhookOptions.spacingMs`).
 * At 2,000 messages a second, 100 ms against 25 took the server's CPU per
 * message with webhooks on from 1.19-1.21x that without to 1.06-1.14x, and
 * the p99 delivery latency it added from +12.4 and +19.3 ms to +4.1 and +1.6
 * (7 windows a run): fewer, fuller requests, and the worker woken less often.
 */
export const DEFAULT_SPACING_MS = 100;

/**
 * What the loop reads and where it records outcomes: the outbox and the
 * message events' queue, read and written on the server's own connection, or
 * read on a worker's connection with the writes handed back to the server
 * (see webhook-worker.ts).
 */
export interface DeliveryStore {
  /** Pending outbox events due by `now`, oldest first, leaving out `busy` ones. */
  due(now: number, limit: number, busy: ReadonlySet<string>): OutboxEntry[];
  /** The queue's next events after row `after` (none without a queue). */
  take?(after: number, limit: number): QueueRead;
  /** Records the outbox's outcomes. */
  outbox: DeliveryLedger;
  /** A delivery of queue rows `from`..`to` answered 2xx (`delivered` of them events; 0: rows passed over). */
  queueDelivered(from: number, to: number, delivered: number, now: number): void;
  /** A failed delivery of queue rows `from`..`to`: its events into the outbox, each with its next try. */
  queueFailed(from: number, to: number, moved: readonly { event: QueuedEvent; next: number | 'dead' }[], error: string, now: number): void;
}

/** How the loop tries: the request settings, and the pacing. */
export interface LoopSettings {
  delivery: DeliveryConfig;
  /** Requests in flight at most. */
  concurrency: number;
  /** Requests start at most this often, except through a backlog, ms. */
  spacingMs: number;
  /** Runs `fn` outside the host's transactions (at once when it has none). */
  outsideTurn?: (fn: () => void) => void;
  /** Read at each run: whether the outbox got events since the last (a wake that was not sent, see `onBusy`). */
  outboxSignal?: () => boolean;
  /**
   * Told the queue row through which every row's outcome is recorded, each
   * time it moves (a worker publishes it, so the server can drop those rows
   * in bulk instead of one write per delivery).
   */
  onSettled?: (through: number) => void;
  /** Queue rows up to this one are settled already (a restarted worker goes on from there). Default 0. */
  queueAfter?: number;
  /**
   * Told whether a run will come by itself (one held for the spacing, or
   * every request slot taken): meanwhile a wake changes nothing, and the host
   * need not send one. Told false before each read that such a run makes.
   */
  onBusy?: (busy: boolean) => void;
}

/** A batch to try: from the outbox, or a range of the message events' queue (rows `from`..`to`). */
type Batch = { entries: OutboxEntry[]; queued?: undefined } | { entries: QueuedEvent[]; queued: { from: number; to: number } };

/**
 * The delivery loop: reads due events from the outbox and fresh
 * message.created events from their queue, posts them in batches (at most
 * `concurrency` requests at a time), and records each outcome: delivered,
 * retried later or dead-lettered. All its state is in those tables, so a
 * restart resumes where it stopped; an event whose try was cut off by the
 * restart is sent again (at least once). The same loop runs on the server's
 * event loop or in a worker thread.
 */
export class DeliveryLoop {
  /** Ids of the outbox events in flight. */
  private readonly inFlight = new Set<string>();
  private requests = 0;
  private settled: (() => void)[] = [];
  private woken = false;
  private stopped = false;
  /** When the last request started (performance.now()), and the run held until spacing allows another. */
  private lastStart = -Infinity;
  private held?: ReturnType<typeof setTimeout>;
  /** Whether the outbox may have due events: set by what records or reschedules one, cleared by a read that found fewer than it asked for. */
  private outboxDue = true;
  /** The last queue row handed to a try (rows up to it are in flight or done); 0 after a start, so a restart sends what is left. */
  private queueAfter = 0;
  /** Queued events in tries now. */
  private queueInFlight = 0;
  /** Queue ranges handed to tries whose outcome is not recorded yet: first row to last. */
  private readonly queueOpen = new Map<number, number>();
  /** The last settled row told to `onSettled`. */
  private settledTold: number;
  /** The last read of the queue filled every batch it could: the next run need not wait for the spacing. */
  private backlog = false;
  /** A run is waiting for the open transaction to commit. */
  private gated = false;
  /** Looks for due retries (see start). */
  private poll?: ReturnType<typeof setInterval>;

  constructor(
    private readonly store: DeliveryStore,
    private readonly settings: LoopSettings,
    private readonly log: (line: string) => void,
    /** Told the events in tries whenever that changes. */
    private readonly onFlight: (events: number) => void = () => {},
  ) {
    this.queueAfter = settings.queueAfter ?? 0;
    this.settledTold = this.queueAfter;
  }

  /**
   * Asks for a run on a later turn (after the transaction that recorded an
   * event has committed: the host calls it after its commit). `outbox`: the
   * event went into the outbox, not the message events' queue.
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

  /** Runs now, and every `pollMs` for retries that came due (new events come with a wake). */
  start(pollMs: number): void {
    if (this.stopped || this.poll) return;
    this.poll = setInterval(() => this.pump(), pollMs);
    this.poll.unref?.();
    this.wake(true);
  }

  /** Starts what is due now, the outbox included (the retry timer, tests). */
  pump(): void {
    this.outboxDue = true;
    this.run();
  }

  /** Queue rows from `from` on are read again (their outcome could not be recorded: at least once). */
  rewind(from: number): void {
    this.queueAfter = Math.min(this.queueAfter, from - 1);
  }

  /** Events in tries now. */
  events(): number {
    return this.inFlight.size + this.queueInFlight;
  }

  /** Resolves once no try is in flight. */
  idle(): Promise<void> {
    if (this.requests === 0) return Promise.resolve();
    return new Promise((resolve) => this.settled.push(resolve));
  }

  /** No new tries; what tries in flight learn is dropped (their events, still pending, go again after a restart). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.held);
    clearInterval(this.poll);
  }

  private run(): void {
    if (this.gated) return;
    const outside = this.settings.outsideTurn;
    if (!outside) return this.runNow();
    this.gated = true;
    outside(() => {
      this.gated = false;
      this.runNow();
    });
  }

  /**
   * Starts deliveries of due events while fewer than `concurrency` requests
   * are in flight and none started in the last `spacingMs`: one read of the
   * outbox and one of the queue for all the free requests, each filled up to
   * the batch limits before the next (a lone event after a quiet spell goes
   * at once).
   */
  private runNow(): void {
    if (this.stopped) return;
    if (this.settings.outboxSignal?.()) this.outboxDue = true;
    const free = this.settings.concurrency - this.requests;
    if (free <= 0) return;
    // Spacing gathers a trickle into batches; a backlog already fills them, and goes as fast as the slots allow.
    const wait = this.backlog ? 0 : this.lastStart + this.settings.spacingMs - performance.now();
    if (wait > 0) {
      this.held ??= setTimeout(() => {
        this.held = undefined;
        this.reportBusy();
        this.run();
      }, Math.ceil(wait));
      return this.reportBusy();
    }
    const { delivery } = this.settings;
    const batches: Batch[] = [];
    const most = delivery.batch.maxEvents;
    this.backlog = false;
    if (this.outboxDue) {
      try {
        const due = this.store.due(delivery.now(), free * most, this.inFlight);
        if (due.length < free * most) this.outboxDue = false;
        for (const entries of takeBatches(due, delivery.batch, free)) batches.push({ entries });
      } catch (error) {
        this.log(`webhooks: reading the outbox failed: ${describe(error)}`);
      }
    }
    if (this.store.take && batches.length < free) {
      try {
        this.takeQueued(free - batches.length, batches);
      } catch (error) {
        this.log(`webhooks: reading the message events failed: ${describe(error)}`);
      }
    }
    if (batches.length === 0) return;
    this.lastStart = performance.now();
    for (const batch of batches) {
      if (batch.queued) this.queueInFlight += batch.entries.length;
      else for (const entry of batch.entries) this.inFlight.add(entry.id);
      this.requests++;
      void this.attempt(batch);
    }
    this.onFlight(this.events());
    this.reportBusy();
  }

  private reportBusy(): void {
    this.settings.onBusy?.(this.held !== undefined || this.requests >= this.settings.concurrency);
  }

  /**
   * Cuts the queue's next rows into at most `count` batches, each with the
   * range of rows it answers for (rows passed over, their message gone, go
   * with the batch after them, or alone when no event is left).
   */
  private takeQueued(count: number, into: Batch[]): void {
    const { batch, now } = this.settings.delivery;
    const read = this.store.take!(this.queueAfter, count * batch.maxEvents);
    if (read.through <= this.queueAfter) return;
    // A full read: more is waiting.
    if (read.events.length >= count * batch.maxEvents) this.backlog = true;
    const parts = takeBatches(read.events, batch, count);
    const taken = parts.reduce((n, part) => n + part.length, 0);
    let from = this.queueAfter + 1;
    if (parts.length === 0) {
      this.store.queueDelivered(from, read.through, 0, now());
      this.queueAfter = read.through;
      return this.settle();
    }
    parts.forEach((entries, i) => {
      const to = i === parts.length - 1 && taken === read.events.length ? read.through : entries[entries.length - 1].row;
      into.push({ entries, queued: { from, to } });
      this.queueOpen.set(from, to);
      from = to + 1;
    });
    this.queueAfter = from - 1;
  }

  /**
   * Tells `onSettled` the row through which every queue row is settled: the
   * one before the oldest range still in a try, or the last handed out.
   */
  private settle(): void {
    if (!this.settings.onSettled) return;
    let through = this.queueAfter;
    for (const from of this.queueOpen.keys()) through = Math.min(through, from - 1);
    if (through === this.settledTold) return;
    this.settledTold = through;
    this.settings.onSettled(through);
  }

  private async attempt(batch: Batch): Promise<void> {
    const { entries } = batch;
    try {
      const ledger = batch.queued ? this.queueLedger(batch.entries, batch.queued) : this.store.outbox;
      const result = await attemptBatch(ledger, entries, this.settings.delivery, this.log, () => this.stopped);
      // Recorded: its rows are settled (a dropped try's rows are not: they go again after a restart).
      if (batch.queued && !result.dropped) {
        this.queueOpen.delete(batch.queued.from);
        this.settle();
      }
    } catch (error) {
      this.log(`webhooks: recording a try of ${entries.length} events from ${entries[0].id} failed: ${describe(error)}`);
      // Its rows are still queued: read them again (some may go twice: at least once).
      if (batch.queued) {
        this.queueOpen.delete(batch.queued.from);
        this.rewind(batch.queued.from);
      }
    } finally {
      if (batch.queued) this.queueInFlight -= entries.length;
      else for (const entry of entries) this.inFlight.delete(entry.id);
      this.requests--;
      this.onFlight(this.events());
      this.reportBusy();
      if (this.requests === 0) for (const resolve of this.settled.splice(0)) resolve();
      this.run();
    }
  }

  /** Records a queued batch's outcome: its rows deleted and counted, or its events moved into the outbox. */
  private queueLedger(entries: readonly QueuedEvent[], { from, to }: { from: number; to: number }): DeliveryLedger {
    return {
      deliveredAll: (_ids, now) => this.store.queueDelivered(from, to, entries.length, now),
      failedAll: (events, error, now) => {
        const next = new Map(events.map((e) => [e.id, e.next]));
        this.store.queueFailed(from, to, entries.map((event) => ({ event, next: next.get(event.id)! })), error, now);
        this.outboxDue = true;
      },
    };
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
