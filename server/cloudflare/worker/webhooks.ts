import type { EventPort, PinEventInput } from '../../../src/core/events.js';
import type { DeadLetter } from '../../shared/admin/backend.js';
import { migrate, type Sql } from '../../shared/storage/migrate.js';
import { attemptBatch, type DeliveryConfig } from '../../shared/webhooks/attempt.js';
import { forgetPerson, SqlOutbox } from '../../shared/webhooks/outbox.js';
import { takeBatches } from '../../shared/webhooks/post.js';
import type { AlarmClock } from './alarm.js';
import { conversationOf, directoryOf, inboxOf, type Env, type WebhookSettings } from './env.js';
import { durableSql } from './sql.js';

/** Which kind of object holds an outbox: the directory's registry names them so. */
export type OutboxKind = 'conversation' | 'inbox';

/** Requests in flight at once from one object (each carries a batch). */
const CONCURRENCY = 8;
/** One alarm delivers for this long at most, then hands over to the next alarm. */
const ROUND_MS = 30_000;
/** Delivered events are purged this often at most (a scan of the table). */
const PURGE_EVERY_MS = 60 * 60_000;
/** A registry call that failed is tried again after this long. */
const REGISTRY_RETRY_MS = 60_000;

/** What an object with an outbox answers to the server API's fan-out. */
export interface OutboxHolder {
  webhookDeadLetters(after: string, limit: number): Promise<DeadLetter[]>;
  webhookReplay(ids: string[] | undefined): Promise<string[]>;
  webhookCounts(): Promise<{ pending: number; dead: number }>;
}

/**
 * One Durable Object's webhook outbox: the events its core records, in its
 * own SQLite, written by the core in the same synchronous block as the
 * change (so the object's implicit transaction commits both or neither),
 * delivered from the object's alarm with the Node server's code (one try:
 * server/shared/webhooks/attempt.ts). Never on the message path: recording
 * only asks for the alarm.
 *
 * The directory keeps a registry of the objects whose outbox holds an event
 * that failed a try or a dead letter, so the server API can find them
 * without visiting every object: an object enters it on its first failed
 * try and leaves it once nothing failed is left. An event delivered on its
 * first try never costs a call to the directory.
 */
export class ObjectWebhooks {
  private outboxStore?: SqlOutbox;
  private binding?: Sql;
  private remembered = false;
  private purgedAt = 0;
  private readonly config: DeliveryConfig;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
    readonly settings: WebhookSettings,
    private readonly kind: OutboxKind,
    /** The object's name; asked only while recording (an alarm waking a cold object may not know it). */
    private readonly name: () => string,
    private readonly clock: AlarmClock,
  ) {
    this.config = { ...settings.delivery, now: Date.now, random: Math.random };
  }

  /** The outbox, its tables made on first use. */
  get outbox(): SqlOutbox {
    if (!this.outboxStore) {
      const sql = durableSql(this.storage);
      migrate(sql, ['webhooks']);
      sql.run('CREATE TABLE IF NOT EXISTS webhook_state (name TEXT NOT NULL, registered INTEGER NOT NULL DEFAULT 0)');
      this.outboxStore = new SqlOutbox(sql);
      this.binding = sql;
    }
    return this.outboxStore;
  }

  /** The object's SQL, with the webhook tables made (notices are kept beside the outbox). */
  get sql(): Sql {
    void this.outbox;
    return this.binding!;
  }

  /** The core's event port: every event due at once. */
  readonly port: EventPort = { record: (input) => void this.record(input) };

  /** Records an event first due at `dueAt`; the alarm is asked for it. */
  record(input: PinEventInput, dueAt = input.at) {
    const event = this.outbox.insert(input, dueAt);
    this.remember();
    void this.clock.request(dueAt);
    return event;
  }

  /** Asks for the alarm at `at` (an event completed after it was recorded). */
  wake(at = Date.now()): void {
    void this.clock.request(at);
  }

  /** Whether the object ever recorded an event (read without making the tables). */
  holds(): boolean {
    if (this.outboxStore) return true;
    return this.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'webhook_outbox'").toArray().length > 0;
  }

  /**
   * The alarm's delivery round: tries every due event in batches (the Node
   * server's envelope), CONCURRENCY requests at a time, for ROUND_MS at most;
   * then tells the registry if the object now holds failed events or no
   * longer does, and asks for the alarm at the next due
   * time. A try cut off by an eviction leaves its event pending: it is sent
   * again (at least once).
   */
  async round(): Promise<void> {
    if (!this.holds()) return;
    const { outbox } = this;
    const started = Date.now();
    for (;;) {
      const due = outbox.due(Date.now(), CONCURRENCY * this.config.batch.maxEvents);
      if (due.length === 0 || Date.now() - started > ROUND_MS) break;
      await Promise.all(
        takeBatches(due, this.config.batch, CONCURRENCY).map((batch) =>
          attemptBatch(outbox, batch, this.config, (line) => console.error(`[pin-messaging] ${line}`)).catch((error: unknown) =>
            console.error('[pin-messaging] webhook try', error instanceof Error ? error.message : error),
          ),
        ),
      );
    }
    if (Date.now() - this.purgedAt > PURGE_EVERY_MS) {
      this.purgedAt = Date.now();
      outbox.purge(this.purgedAt);
    }
    const registered = await this.register();
    const next = outbox.nextDueAt();
    if (next !== undefined) await this.clock.request(next);
    if (!registered) await this.clock.request(Date.now() + REGISTRY_RETRY_MS);
  }

  async deadLetters(after: string, limit: number): Promise<DeadLetter[]> {
    if (!this.holds()) return [];
    return this.outbox.deadLetters(limit, after).map(({ doneAt, ...e }) => ({ ...e, ...(doneAt !== undefined ? { deadAt: doneAt } : {}) }));
  }

  async replay(ids: string[] | undefined): Promise<string[]> {
    if (!this.holds()) return [];
    const replayed = this.outbox.replay(Date.now(), ids);
    if (replayed.length > 0) this.wake();
    return replayed;
  }

  async counts(): Promise<{ pending: number; dead: number }> {
    if (!this.holds()) return { pending: 0, dead: 0 };
    const { pending, dead } = this.outbox.counts();
    return { pending, dead };
  }

  /**
   * Erasure: drops the events and notices that name `user` or a direct
   * conversation of theirs; the next round leaves the registry if nothing
   * failed is left.
   */
  forget(user: string): void {
    if (!this.holds()) return;
    forgetPerson(this.sql, user);
    this.wake();
  }

  /** Everything goes (a direct conversation erased whole); the directory forgets the object itself. */
  clear(): void {
    if (!this.holds()) return;
    const { sql } = this.storage;
    sql.exec('DELETE FROM webhook_outbox');
    sql.exec('DELETE FROM webhook_notices');
    sql.exec('DELETE FROM webhook_state');
    this.remembered = false;
  }

  /** After deleteAll or an undone batch: the tables are gone. */
  reset(): void {
    this.outboxStore = undefined;
    this.binding = undefined;
    this.remembered = false;
  }

  /** Keeps the object's name where an alarm finds it. */
  private remember(): void {
    if (this.remembered) return;
    this.remembered = true;
    const [row] = this.storage.sql.exec<{ name: string }>('SELECT name FROM webhook_state').toArray();
    if (!row) this.storage.sql.exec('INSERT INTO webhook_state (name) VALUES (?)', this.name());
  }

  /** Enters or leaves the directory's registry when whether the object holds failed events changed; false when the call failed. */
  private async register(): Promise<boolean> {
    const [state] = this.storage.sql.exec<{ name: string; registered: number }>('SELECT name, registered FROM webhook_state').toArray();
    if (!state) return true;
    const [row] = this.storage.sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM webhook_outbox WHERE state = 'dead' OR (state = 'pending' AND attempts > 0)")
      .toArray();
    const failed = row.n > 0;
    if (failed === (state.registered === 1)) return true;
    try {
      await directoryOf(this.env).noteOutbox(this.kind, state.name, failed);
      this.storage.sql.exec('UPDATE webhook_state SET registered = ?', failed ? 1 : 0);
      return true;
    } catch (error) {
      console.error('[pin-messaging] outbox registry', error instanceof Error ? error.message : error);
      return false;
    }
  }
}

/** The object named in the registry. */
export function holderOf(env: Env, kind: OutboxKind, name: string): OutboxHolder {
  return kind === 'conversation' ? conversationOf(env, name) : inboxOf(env, name);
}
