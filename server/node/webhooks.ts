import { Worker } from 'node:worker_threads';
import type { Sql } from '../shared/storage/migrate.js';
import type { MessageEventQueue, QueuedEvent } from '../shared/webhooks/message-events.js';
import { DEFAULT_NOTIFICATIONS, notificationScan, scanNotifications, type NotificationSettings } from '../shared/webhooks/notifications.js';
import type { OutboxEntry, SqlOutbox } from '../shared/webhooks/outbox.js';
import { DEFAULT_BATCH } from '../shared/webhooks/post.js';
import { DEFAULT_SCHEDULE, type RetrySchedule } from '../shared/webhooks/schedule.js';
import { DEFAULT_SPACING_MS, DeliveryLoop, describe, type DeliveryStore, type LoopSettings } from './delivery-loop.js';
import { nodeSender, nodeSigner } from './webhook-transport.js';

/** The timed unread scan works in turns of at most about this long, ms. */
const SCAN_SLICE_MS = 4;

/** A worker that stopped on its own is started again after this long, ms. */
const WORKER_RESTART_MS = 1_000;

/** How often the server drops the queue rows the worker settled, and counts them, ms. */
const DROP_EVERY_MS = 100;

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
   * event in it). Default 100 ms: from 1,000 messages a second, full batches of 100; 0 starts one as soon as a slot is free.
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
   * Deliver from a worker thread with its own connection to the database
   * (the server's event loop then records each event, drops delivered ones in
   * bulk, and records the outbox's outcomes and failed batches).
   * Default true when the database is a file and no `fetch`, `now` or
   * `random` is injected; false keeps the loop on the event loop.
   */
  thread?: boolean;
}


/** The server's group commit, as the delivery needs it. */
export interface Turns {
  /** Runs `apply` inside the current turn's transaction. */
  run(apply: () => void): void;
  /** Runs `fn` once no transaction is open: after the turn's commit (`committed` true) or its failure. */
  whenClosed(fn: (committed: boolean) => void): void;
}

/** Where the server keeps its data: the delivery loop may run in a worker on the same file. */
export interface WebhookHost {
  /** The database file (':memory:' or none: the loop stays on the event loop). */
  dbPath?: string;
  turns: Turns;
}

/** What the worker is started with; `signals` (see BUSY and OUTBOX) and `progress` (see SETTLED) are shared. */
export interface WorkerSettings {
  dbPath: string;
  pollMs: number;
  options: WebhookOptions;
  signals: SharedArrayBuffer;
  progress: SharedArrayBuffer;
}

/** In the shared signals: 1 while the worker's loop will run by itself (a wake would change nothing). */
export const BUSY = 0;
/** In the shared signals: set to 1 when the outbox got events and no wake was sent for them. */
export const OUTBOX = 1;

/** In the shared progress (BigInt64): the queue row through which every row's outcome is recorded (delivered, or failed and handed over). */
export const SETTLED = 0;
/** In the shared progress: queued events delivered and not yet counted in the database (the server takes them). */
export const DELIVERED = 1;
/** In the shared progress: events in tries now. */
export const FLIGHT = 2;

/** Worker to server: log lines, the end of the last try, and outcomes to record. */
export type ToMain =
  | { type: 'log'; line: string }
  | { type: 'idle' }
  | { type: 'outbox-delivered'; ids: readonly string[]; now: number }
  | { type: 'outbox-failed'; events: readonly { id: string; next: number | 'dead' }[]; error: string; now: number }
  | { type: 'queue-failed'; from: number; to: number; moved: readonly { event: QueuedEvent; next: number | 'dead' }[]; error: string; now: number };

/** Server to worker: new events, outcomes recorded (or not), stop. */
export type ToWorker = { type: 'wake'; outbox: boolean } | { type: 'recorded'; ids: readonly string[]; committed: boolean } | { type: 'stop' };

/** The loop's settings from the options: node:http(s) and node:crypto unless a `fetch` is injected; `close` ends the connections. */
export function loopSettings(options: WebhookOptions): { loop: LoopSettings; close(): void } {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const transport = options.fetch ? undefined : nodeSender(options.url, concurrency);
  return {
    loop: {
      concurrency,
      spacingMs: options.spacingMs ?? DEFAULT_SPACING_MS,
      delivery: {
        url: options.url,
        secret: options.secret,
        timeoutMs: options.timeoutMs ?? 10_000,
        schedule: { ...DEFAULT_SCHEDULE, ...options.schedule },
        batch: { ...DEFAULT_BATCH, maxEvents: Math.max(1, Math.floor(options.batch ?? DEFAULT_BATCH.maxEvents)) },
        now: options.now ?? Date.now,
        random: options.random ?? Math.random,
        sign: nodeSigner,
        send: transport?.send,
        fetch: options.fetch,
      },
    },
    close: () => transport?.close(),
  };
}

/**
 * The Node server's webhooks: the delivery loop (see DeliveryLoop), the
 * timed unread scan that records `notification.due`, and what the admin API
 * mounts (`deadLetters()`, `replay(ids)`, `counts()`).
 *
 * With a database file the loop runs in a worker thread with its own
 * connection (webhook-worker.ts): reading the events, building, signing and
 * posting them costs the server's event loop nothing. How far the message
 * events' queue is settled comes through shared memory (see SETTLED), and
 * the server drops those rows in one write every DROP_EVERY_MS; the outbox's
 * outcomes and a failed queued batch come back as messages, written in the
 * server's next turn's transaction.
 * Without one (an in-memory database, or test hooks injected), the loop runs
 * here, outside the server's transactions.
 */
export class WebhookDelivery {
  private readonly notifications: NotificationSettings;
  private readonly now: () => number;
  private scanTimer?: ReturnType<typeof setInterval>;
  private stopped = false;
  /** The timed unread scan under way, a candidate at a time. */
  private scanning?: Generator<void, number>;
  /** The loop on this thread, when it is not in a worker. */
  private readonly local?: { loop: DeliveryLoop; close(): void };
  private worker?: Worker;
  private exited?: Promise<void>;
  private readonly signals = new Int32Array(new SharedArrayBuffer(8));
  /** What the worker tells without a message: see SETTLED, DELIVERED and FLIGHT. */
  private readonly progress = new BigInt64Array(new SharedArrayBuffer(3 * 8));
  /** Drops settled queue rows every DROP_EVERY_MS. */
  private dropTimer?: ReturnType<typeof setInterval>;
  /** Queue rows up to this one are dropped. */
  private dropped = 0;
  /** Queued batches that failed, by first row, until their move into the outbox is recorded (their rows are kept meanwhile). */
  private readonly moving = new Map<number, { move: Extract<ToMain, { type: 'queue-failed' }>; recording: boolean }>();
  /** A wake for the worker is due at the end of this turn (with the outbox, or only the queue). */
  private wakeWorker?: { outbox: boolean };
  /** Outcomes of the worker not yet recorded. */
  private recording = 0;
  private settled: (() => void)[] = [];
  /** Where each outcome is written: by the loop here, or for the worker's (see fromWorker). */
  private readonly tables: Omit<DeliveryStore, 'due' | 'take'>;

  constructor(
    private readonly outbox: SqlOutbox,
    private readonly sql: Sql,
    private readonly options: WebhookOptions,
    /** Whether a person has an open socket (the core's registry). */
    private readonly isOnline: (user: string) => boolean,
    private readonly log: (line: string) => void,
    /** The message.created queue, when the host records them apart from the outbox. */
    private readonly queue?: MessageEventQueue,
    /** The server's file and group commit; without them the loop runs here, and writes at once. */
    private readonly host?: WebhookHost,
  ) {
    if (!/^https?:\/\//.test(options.url)) throw new Error('the webhook url must be http(s)');
    if (options.secret.length < 32) throw new Error('the webhook secret must have at least 32 characters');
    this.notifications = {
      delayMs: options.notifyAfterMs ?? DEFAULT_NOTIFICATIONS.delayMs,
      perDay: options.notifyPerDay ?? DEFAULT_NOTIFICATIONS.perDay,
    };
    this.now = options.now ?? Date.now;
    this.tables = {
      outbox,
      queueDelivered: (from, to, delivered, now) => queue!.delivered(from, to, delivered, now),
      queueFailed: (from, to, moved, error, now) => queue!.moveToOutbox(from, to, moved, error, now),
    };
    const injected = options.fetch || options.now || options.random;
    if (options.thread !== false && !injected && host?.dbPath && host.dbPath !== ':memory:') return;
    const { loop, close } = loopSettings(options);
    const store: DeliveryStore = {
      due: (now, limit, busy) => outbox.due(now, limit, busy),
      take: queue && ((after, limit) => queue.take(after, limit)),
      ...this.tables,
    };
    const outsideTurn = host && ((fn: () => void) => this.outsideTurn(fn));
    this.local = { loop: new DeliveryLoop(store, { ...loop, outsideTurn }, log), close };
  }

  /** Starts the delivery (its due retries every `pollMs`) and the unread scan every `scanEveryMs`. */
  start(): void {
    if (this.stopped) return;
    this.scanTimer ??= setInterval(() => this.startScan(), this.options.scanEveryMs ?? 30_000);
    this.scanTimer.unref();
    if (this.local) return this.local.loop.start(this.options.pollMs ?? 1_000);
    this.startWorker();
    this.dropTimer ??= setInterval(() => this.dropSettled(), DROP_EVERY_MS);
    this.dropTimer.unref();
  }

  /**
   * Asks for a run of the loop on a later turn: after the transaction that
   * recorded an event has committed (the server calls it through the group
   * commit's output gate). `outbox`: the event went into the outbox (not the
   * message events' queue), so the run reads it.
   */
  wake(outbox = false): void {
    if (this.stopped) return;
    if (this.local) return this.local.loop.wake(outbox);
    if (outbox) Atomics.store(this.signals, OUTBOX, 1);
    // A worker whose run is coming anyway reads what was committed before it: no message needed.
    if (Atomics.load(this.signals, BUSY) === 1) return;
    // One message to the worker per turn, however many events the turn recorded.
    if (this.wakeWorker) return void (this.wakeWorker.outbox ||= outbox);
    this.wakeWorker = { outbox };
    queueMicrotask(() => {
      const wake = this.wakeWorker!;
      this.wakeWorker = undefined;
      this.post({ type: 'wake', outbox: wake.outbox });
    });
  }

  /** Starts what is due now, the outbox's retries included. */
  pump(): void {
    if (this.local) this.local.loop.pump();
    else this.wake(true);
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
      // With a worker: rows it settled are delivered (or being moved into the outbox) until the server drops them.
      counts.pending += this.queue.count(this.local ? 0 : this.settledRow());
      for (const { move } of this.moving.values()) counts.pending += move.moved.length;
      counts.delivered += this.queue.deliveredCount(this.now()) + (this.local ? 0 : Number(Atomics.load(this.progress, DELIVERED)));
    }
    return { ...counts, inFlight: this.local ? this.local.loop.events() : this.workerEvents() };
  }

  /** Resolves once no try is in flight and every outcome is recorded (tests, shutdown). */
  idle(): Promise<void> {
    if (this.local) return this.local.loop.idle();
    if (this.workerEvents() === 0 && this.recording === 0) return Promise.resolve();
    return new Promise((resolve) => this.settled.push(resolve));
  }

  /**
   * Stops the timers and new tries. Tries in flight are not waited for: what
   * they learn is dropped, and their events, still pending in the tables, are
   * sent again after a restart. Resolves once the worker has closed its
   * connection.
   */
  async stop(): Promise<void> {
    if (this.stopped) return this.exited;
    this.stopped = true;
    clearInterval(this.scanTimer);
    clearInterval(this.dropTimer);
    if (this.local) {
      this.local.loop.stop();
      this.local.close();
      return;
    }
    const worker = this.worker;
    if (!worker) return;
    worker.postMessage({ type: 'stop' } satisfies ToWorker);
    const kill = setTimeout(() => void worker.terminate(), 2_000);
    await this.exited;
    clearTimeout(kill);
    // What the worker settled last goes now, not with a restart's resend.
    await new Promise<void>((resolve) => this.dropSettled(resolve));
  }

  private startWorker(): void {
    Atomics.store(this.signals, BUSY, 0);
    const signals = this.signals.buffer as SharedArrayBuffer;
    const progress = this.progress.buffer as SharedArrayBuffer;
    const settings: WorkerSettings = { dbPath: this.host!.dbPath!, pollMs: this.options.pollMs ?? 1_000, options: this.options, signals, progress };
    const [entry, how] = workerEntry();
    const worker = new Worker(entry, { ...how, workerData: settings });
    worker.unref();
    this.worker = worker;
    worker.on('message', (message: ToMain) => this.fromWorker(message));
    worker.on('error', (error) => this.log(`webhooks: the delivery worker failed: ${describe(error)}`));
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        Atomics.store(this.progress, FLIGHT, 0n);
        this.settle();
        resolve();
        if (this.stopped) return;
        // Everything is in the tables: a new worker goes on where this one stopped (at least once).
        const restart = setTimeout(() => this.startWorker(), WORKER_RESTART_MS);
        restart.unref();
      }),
    );
  }

  private post(message: ToWorker): void {
    if (!this.stopped) this.worker?.postMessage(message);
  }

  private fromWorker(message: ToMain): void {
    switch (message.type) {
      case 'log':
        return this.log(message.line);
      case 'idle':
        return this.settle();
      case 'outbox-delivered':
        return this.record(() => this.tables.outbox.deliveredAll(message.ids, message.now), (ok) => this.post({ type: 'recorded', ids: message.ids, committed: ok }));
      case 'outbox-failed': {
        const ids = message.events.map((e) => e.id);
        return this.record(() => this.tables.outbox.failedAll(message.events, message.error, message.now), (ok) => this.post({ type: 'recorded', ids, committed: ok }));
      }
      case 'queue-failed':
        this.moving.set(message.from, { move: message, recording: false });
        return this.recordMoves();
    }
  }

  /** Records the failed queued batches' moves into the outbox; one whose commit failed is tried again at the next drop. */
  private recordMoves(): void {
    for (const moving of this.moving.values()) {
      if (moving.recording) continue;
      const { from, to, moved, error, now } = moving.move;
      moving.recording = true;
      this.record(
        () => this.tables.queueFailed(from, to, moved, error, now),
        (ok) => (ok ? this.moving.delete(from) : (moving.recording = false)),
      );
    }
  }

  /** The queue row through which the worker settled every row. */
  private settledRow(): number {
    return Number(Atomics.load(this.progress, SETTLED));
  }

  private workerEvents(): number {
    return Number(Atomics.load(this.progress, FLIGHT));
  }

  /**
   * Drops the queue rows the worker settled (below any failed batch whose
   * move is not recorded yet) and counts what it delivered, in one write of
   * the current turn: a few a second however many deliveries, instead of one
   * per delivery. A restart sends again what was settled and not yet
   * dropped (at least once). `done` is told once it is recorded, or not.
   */
  private dropSettled(done?: () => void): void {
    this.recordMoves();
    let through = this.settledRow();
    for (const from of this.moving.keys()) through = Math.min(through, from - 1);
    const delivered = Atomics.exchange(this.progress, DELIVERED, 0n);
    if (through <= this.dropped && delivered === 0n) return done?.();
    this.record(
      () => this.tables.queueDelivered(this.dropped + 1, through, Number(delivered), this.now()),
      (ok) => {
        if (ok) this.dropped = Math.max(this.dropped, through);
        else Atomics.add(this.progress, DELIVERED, delivered);
        done?.();
      },
      true,
    );
  }

  /**
   * Records a worker's outcome in the current turn's transaction (one commit
   * for the turn's messages and outcomes alike), then tells `done` whether
   * it was stored.
   */
  private record(write: () => void, done: (stored: boolean) => void, evenStopped = false): void {
    if (this.stopped && !evenStopped) return;
    const { turns } = this.host!;
    let written = true;
    this.recording++;
    turns.run(() => {
      try {
        write();
      } catch (error) {
        written = false;
        this.log(`webhooks: recording a try failed: ${describe(error)}`);
      }
    });
    turns.whenClosed((committed) => {
      this.recording--;
      done(written && committed);
      this.settle();
    });
  }

  private settle(): void {
    if (this.workerEvents() === 0 && this.recording === 0) for (const resolve of this.settled.splice(0)) resolve();
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
    if (this.host) this.host.turns.whenClosed(() => fn());
    else fn();
  }
}

/**
 * The worker's entry: the built JavaScript beside this file, or, when this
 * file runs as TypeScript source (development, tests), the source through
 * the same loader, which workers do not inherit.
 */
function workerEntry(): [URL | string, { eval?: boolean }] {
  if (!import.meta.url.endsWith('.ts')) return [new URL('./webhook-worker.js', import.meta.url), {}];
  const source = JSON.stringify(new URL('./webhook-worker.ts', import.meta.url).href);
  const loader = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return [`import(${loader}).then(({ register }) => { register(); return import(${source}); })`, { eval: true }];
}
