import type { EventPort, PinEvent, PinEventInput } from '../../../src/core/events.js';
import type { Row, Sql, SqlValue } from '../storage/migrate.js';

/** An outbox row as the delivery loop and the dead-letter list see it. */
export interface OutboxEntry {
  id: string;
  type: string;
  /** The JSON delivered, fixed when the event was recorded. */
  body: string;
  createdAt: number;
  attempts: number;
  /** Start of the retry horizon: the first try, or the last replay. */
  since: number;
  nextAt: number;
  lastError?: string;
  /** When it was dead-lettered (or delivered). */
  doneAt?: number;
}

/** Delivered rows are kept this long (for inspection), then purged. */
export const DELIVERED_RETENTION_MS = 7 * 24 * 60 * 60_000;

const COLUMNS = 'id, type, body, created_at, attempts, since, next_at, last_error, done_at';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
/** CSPRNG bytes drawn 4 KB at a time: one call per ~200 events instead of one each (it was a third of recording one). */
const idPool = new Uint8Array(4096);
let idPoolAt = idPool.length;

/** A new event id: `evt_` and 20 random URL-safe characters. */
function eventId(): string {
  if (idPoolAt + 20 > idPool.length) {
    crypto.getRandomValues(idPool);
    idPoolAt = 0;
  }
  let id = 'evt_';
  for (let i = 0; i < 20; i++) id += ID_ALPHABET[idPool[idPoolAt++] & 63];
  return id;
}

/**
 * The webhook outbox over SQLite. `record` is the core's event port: one
 * INSERT in whatever transaction the host is running the change in, so the
 * event commits or rolls back with it. The rest is the delivery loop's.
 */
export class SqlOutbox implements EventPort {
  constructor(
    private readonly sql: Sql,
    /** Called after each event recorded (not yet committed): the host wakes its delivery loop once the commit is done. */
    private readonly recorded: () => void = () => {},
  ) {}

  record(input: PinEventInput): void {
    this.insert(input, input.at);
  }

  /**
   * Records `input`, first due at `dueAt` (a host that completes the event
   * after the commit records it due later: see `complete`). Returns the event.
   */
  insert(input: PinEventInput, dueAt: number): PinEvent {
    const id = eventId();
    const { key, ...rest } = input;
    const event = { id, ...rest } as PinEvent;
    this.sql.run(
      `INSERT INTO webhook_outbox (id, type, dedup_key, body, created_at, next_at, since) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
      id,
      input.type,
      key ?? null,
      JSON.stringify(event),
      input.at,
      dueAt,
      input.at,
    );
    this.recorded();
    return event;
  }

  /** Replaces the body of an event no try has sent yet and makes it due at `now`; false when it was tried already. */
  complete(event: PinEvent, now: number): boolean {
    return (
      this.sql.all(
        `UPDATE webhook_outbox SET body = ?, next_at = ? WHERE id = ? AND state = 'pending' AND attempts = 0 RETURNING id`,
        JSON.stringify(event),
        now,
        event.id,
      ).length > 0
    );
  }

  /** Pending events due by `now`, oldest first, leaving out `busy` ones (in flight). */
  due(now: number, limit: number, busy: ReadonlySet<string> = new Set()): OutboxEntry[] {
    return this.sql
      .all(
        busy.size === 0
          ? `SELECT ${COLUMNS} FROM webhook_outbox WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, rowid LIMIT ?`
          : `SELECT ${COLUMNS} FROM webhook_outbox WHERE state = 'pending' AND next_at <= ?
             AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY next_at, rowid LIMIT ?`,
        ...(busy.size === 0 ? [now, limit] : [now, JSON.stringify([...busy]), limit]),
      )
      .map(toEntry);
  }

  /** When the next pending event is due, or undefined when none is pending. */
  nextDueAt(): number | undefined {
    const [row] = this.sql.all(`SELECT min(next_at) AS at FROM webhook_outbox WHERE state = 'pending'`);
    return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
  }

  /** The events of a delivery answered 2xx, in one statement. */
  deliveredAll(ids: readonly string[], now: number): void {
    if (ids.length === 0) return;
    this.sql.run(
      `UPDATE webhook_outbox SET state = 'delivered', attempts = attempts + 1, done_at = ?, last_error = NULL
       WHERE state = 'pending' AND id IN (SELECT value FROM json_each(?))`,
      now,
      JSON.stringify(ids),
    );
  }

  delivered(id: string, now: number): void {
    this.deliveredAll([id], now);
  }

  /** A failed delivery: each of its events to its next try, or into the dead letters; in one transaction. */
  failedAll(events: readonly { id: string; next: number | 'dead' }[], error: string, now: number): void {
    this.sql.transaction(() => {
      for (const { id, next } of events) this.failed(id, error, next, now);
    });
  }

  /** A failed try: the next one at `nextAt`, or into the dead letters. */
  failed(id: string, error: string, next: number | 'dead', now: number): void {
    if (next === 'dead') {
      this.sql.run(
        `UPDATE webhook_outbox SET state = 'dead', attempts = attempts + 1, last_error = ?, done_at = ? WHERE id = ? AND state = 'pending'`,
        error,
        now,
        id,
      );
    } else {
      this.sql.run(
        `UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ? AND state = 'pending'`,
        error,
        next,
        id,
      );
    }
  }

  /**
   * Dead-lettered events by id, after the id `after` ('' for the first page):
   * an order every host can merge, whichever of its stores holds each event.
   */
  deadLetters(limit = 100, after = ''): OutboxEntry[] {
    return this.sql
      .all(`SELECT ${COLUMNS} FROM webhook_outbox WHERE state = 'dead' AND id > ? ORDER BY id LIMIT ?`, after, limit)
      .map(toEntry);
  }

  /**
   * Puts dead-lettered events back in line, due now, with a fresh horizon
   * (ids and bodies unchanged, so a receiver's dedup still works). All dead
   * letters when `ids` is left out. Returns the ids put back.
   */
  replay(now: number, ids?: readonly string[]): string[] {
    const rows = ids
      ? this.sql.all(
          `UPDATE webhook_outbox SET state = 'pending', attempts = 0, next_at = ?, since = ?, done_at = NULL
           WHERE state = 'dead' AND id IN (SELECT value FROM json_each(?)) RETURNING id`,
          now,
          now,
          JSON.stringify(ids),
        )
      : this.sql.all(
          `UPDATE webhook_outbox SET state = 'pending', attempts = 0, next_at = ?, since = ?, done_at = NULL
           WHERE state = 'dead' RETURNING id`,
          now,
          now,
        );
    return rows.map((row) => String(row.id));
  }

  /** Events per state (health checks, tests). */
  counts(): { pending: number; delivered: number; dead: number } {
    const counts = { pending: 0, delivered: 0, dead: 0 };
    for (const row of this.sql.all(`SELECT state, count(*) AS n FROM webhook_outbox GROUP BY state`)) {
      if (row.state === 'pending' || row.state === 'delivered' || row.state === 'dead') counts[row.state] = Number(row.n);
    }
    return counts;
  }

  /** Drops delivered events older than the retention. */
  purge(now: number): void {
    this.sql.run(`DELETE FROM webhook_outbox WHERE state = 'delivered' AND done_at < ?`, now - DELIVERED_RETENTION_MS);
  }
}

/**
 * Erasure: the events that name `user`, or belong to a direct conversation
 * of theirs (a `notification.due` to the other person names them only in
 * the conversation's id), and the notices of those conversations go.
 */
export function forgetPerson(sql: Sql, user: string): void {
  const direct = directOf(user);
  sql.run(`DELETE FROM webhook_outbox WHERE instr(body, ?) > 0 OR ${direct.where("coalesce(json_extract(body, '$.conv'), '')")}`, JSON.stringify(user), ...direct.params);
  sql.run(`DELETE FROM webhook_notices WHERE user_id = ? OR ${direct.where('conv')}`, user, ...direct.params);
}

/**
 * A SQL condition that `column` is a direct conversation of `user`, with its
 * parameters. Ids have no ':', so a direct conversation id names them exactly
 * as its first or second part.
 */
export function directOf(user: string): { where(column: string): string; params: SqlValue[] } {
  return {
    where: (column) => `(${column} LIKE 'dm:%' AND (substr(${column}, 4, ?) = ? OR substr(${column}, ?) = ?))`,
    params: [user.length + 1, `${user}:`, -(user.length + 1), `:${user}`],
  };
}

function toEntry(row: Row): OutboxEntry {
  const entry: OutboxEntry = {
    id: String(row.id),
    type: String(row.type),
    body: String(row.body),
    createdAt: Number(row.created_at),
    attempts: Number(row.attempts),
    since: Number(row.since),
    nextAt: Number(row.next_at),
  };
  if (row.last_error !== null && row.last_error !== undefined) entry.lastError = String(row.last_error);
  if (row.done_at !== null && row.done_at !== undefined) entry.doneAt = Number(row.done_at);
  return entry;
}
