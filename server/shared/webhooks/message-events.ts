import type { PinEventInput } from '../../../src/core/events.js';
import { toMessage } from '../storage/sql-conversations.js';
import type { Sql } from '../storage/migrate.js';
import { directOf, type OutboxEntry } from './outbox.js';

type MessageCreated = Extract<PinEventInput, { type: 'message.created' }>;

/** A queued message.created as the delivery loop sends it: an outbox entry, and the queue row it came from. */
export interface QueuedEvent extends OutboxEntry {
  row: number;
}

/** What one read of the queue gives: the events, and the last row it passed (rows whose message is gone are passed over). */
export interface QueueRead {
  events: QueuedEvent[];
  /** The last row read, events or not; `after` when none. */
  through: number;
}

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DAY_MS = 24 * 60 * 60_000;
/** Delivered events are counted this many days back. */
const COUNTED_DAYS = 7;
/** Member sets remembered per conversation at most; past it the memory starts afresh (a new set row per conversation). */
const KNOWN_SETS = 10_000;

/**
 * message.created, the one event every message makes, kept apart from the
 * outbox because it is the hot path: recording it is one append of a small
 * row (who were members and who had no open socket: what the message row
 * lacks) in the message's own transaction, with no index beside the row
 * number. The event is built from that row and the message when it goes out;
 * a delivery answered 2xx deletes its range of rows and counts them, and a
 * failed one moves its events into the outbox in one transaction, where the
 * retries, the dead letters and replay take over. A restart sends again what
 * is still queued (at least once).
 *
 * Event ids come from the row number (never reused: AUTOINCREMENT) and a
 * random salt kept in the database, so they are stable across retries and
 * unique to this database.
 */
export class MessageEventQueue {
  private readonly salt: string;
  /** Each conversation's last member set: its members, and its row. */
  private readonly sets = new Map<string, { members: readonly string[]; id: number }>();

  constructor(
    private readonly sql: Sql,
    /** Called after each event recorded (not yet committed), as the outbox's. */
    private readonly recorded: () => void = () => {},
  ) {
    const [row] = sql.all(`SELECT value FROM webhook_meta WHERE key = 'salt'`);
    if (row) this.salt = String(row.value);
    else {
      const bytes = crypto.getRandomValues(new Uint8Array(12));
      this.salt = Array.from(bytes, (b) => ID_ALPHABET[b % 62]).join('');
      sql.run(`INSERT INTO webhook_meta (key, value) VALUES ('salt', ?)`, this.salt);
    }
  }

  /**
   * The core's message.created: one row, in the transaction the message is
   * stored in, naming the conversation's member set (a new one when the
   * members changed, or none is known).
   */
  record(input: MessageCreated): void {
    const conv = input.conv!;
    const { members, offline } = input.data;
    this.sql.run(
      `INSERT INTO webhook_messages (conv, seq, members, offline, member_set) VALUES (?, ?, '', ?, ?)`,
      conv,
      input.seq!,
      offline.length === 0 ? '[]' : JSON.stringify(offline),
      this.memberSet(conv, members),
    );
    this.recorded();
  }

  private memberSet(conv: string, members: readonly string[]): number {
    const known = this.sets.get(conv);
    if (known && known.members.length === members.length && known.members.every((m, i) => m === members[i])) return known.id;
    if (this.sets.size >= KNOWN_SETS) this.sets.clear();
    const [row] = this.sql.all('INSERT INTO webhook_member_sets (conv, members) VALUES (?, ?) RETURNING id', conv, JSON.stringify(members));
    const id = Number(row.id);
    this.sets.set(conv, { members: [...members], id });
    return id;
  }

  /** The sets remembered may name rows a failed commit took back: start afresh. */
  forgetCache(): void {
    this.sets.clear();
  }

  /**
   * Up to `limit` queued events after row `after`, oldest first, each as it
   * is delivered: the message as stored now (a tombstone if it was deleted
   * meanwhile). Rows whose message is gone (its conversation erased) are
   * passed over, and deleted with the range they fall in.
   */
  take(after: number, limit: number): QueueRead {
    const rows = this.sql.all(
      // A row's members: its set's (or, written before sets, its own list). A set missing (its row was taken back
      // with a failed unit while later rows still named it) falls back to the conversation's members now.
      `SELECT w.id, w.conv, w.seq, w.offline, m.client_id, m.sender, m.at, m.body,
         CASE WHEN w.members <> '' THEN w.members
           ELSE coalesce(s.members, (SELECT json_group_array(user_id) FROM (SELECT user_id FROM members WHERE conv = w.conv ORDER BY user_id)))
         END AS members
       FROM webhook_messages w
       LEFT JOIN webhook_member_sets s ON s.id = w.member_set AND s.conv = w.conv
       LEFT JOIN messages m ON m.conv = w.conv AND m.seq = w.seq
       WHERE w.id > ? ORDER BY w.id LIMIT ?`,
      after,
      limit,
    );
    const events: QueuedEvent[] = [];
    for (const row of rows) {
      if (row.sender === null || row.sender === undefined) continue;
      const id = this.eventId(Number(row.id));
      const at = Number(row.at);
      const seq = Number(row.seq);
      // The message as JSON.stringify writes it ({ seq, id, from, at, body }), its stored body spliced in as
      // it is; a deleted one as its tombstone.
      const message =
        row.body === ''
          ? JSON.stringify(toMessage(row))
          : `{"seq":${seq},"id":${JSON.stringify(row.client_id)},"from":${JSON.stringify(row.sender)},"at":${at},"body":${row.body}}`;
      // The order of every event's fields (see SqlOutbox.insert): id, type, at, conv, seq, data.
      const body = `{"id":"${id}","type":"message.created","at":${at},"conv":${JSON.stringify(row.conv)},"seq":${seq},"data":{"message":${message},"members":${row.members},"offline":${row.offline}}}`;
      events.push({ row: Number(row.id), id, type: 'message.created', body, createdAt: at, attempts: 0, since: at, nextAt: at });
    }
    return { events, through: rows.length > 0 ? Number(rows[rows.length - 1].id) : after };
  }

  /** A delivery of rows `from`..`to` answered 2xx: they go, and `delivered` are counted for the day. */
  delivered(from: number, to: number, delivered: number, now: number): void {
    this.sql.transaction(() => {
      this.sql.run('DELETE FROM webhook_messages WHERE id BETWEEN ? AND ?', from, to);
      if (delivered > 0) {
        this.sql.run(
          'INSERT INTO webhook_delivered (day, n) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET n = n + excluded.n',
          Math.floor(now / DAY_MS),
          delivered,
        );
      }
    });
  }

  /**
   * Rows `from`..`to` leave the queue without a delivery: their events (in
   * `moved`, with what their failed try decided) go into the outbox, in the
   * same transaction.
   */
  moveToOutbox(from: number, to: number, moved: readonly { event: QueuedEvent; next: number | 'dead' }[], error: string, now: number): void {
    this.sql.transaction(() => {
      for (const { event, next } of moved) {
        this.sql.run(
          `INSERT INTO webhook_outbox (id, type, body, created_at, state, attempts, next_at, since, last_error, done_at)
           VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          event.id,
          event.type,
          event.body,
          event.createdAt,
          next === 'dead' ? 'dead' : 'pending',
          next === 'dead' ? now : next,
          event.since,
          error,
          next === 'dead' ? now : null,
        );
      }
      this.sql.run('DELETE FROM webhook_messages WHERE id BETWEEN ? AND ?', from, to);
    });
  }

  /** Queued rows after row `after` (pending events). */
  count(after = 0): number {
    const [row] = this.sql.all('SELECT count(*) AS n FROM webhook_messages WHERE id > ?', after);
    return Number(row?.n ?? 0);
  }

  /** Events delivered from the queue in the last seven days (by day). */
  deliveredCount(now: number): number {
    const [row] = this.sql.all('SELECT coalesce(sum(n), 0) AS n FROM webhook_delivered WHERE day > ?', Math.floor(now / DAY_MS) - COUNTED_DAYS);
    return Number(row?.n ?? 0);
  }

  /** Drops the daily counts past the seven days, and the member sets no queued row names (afresh from the next message). */
  purge(now: number): void {
    this.sql.run('DELETE FROM webhook_delivered WHERE day <= ?', Math.floor(now / DAY_MS) - COUNTED_DAYS);
    this.sets.clear();
    this.sql.run('DELETE FROM webhook_member_sets WHERE id NOT IN (SELECT member_set FROM webhook_messages WHERE member_set IS NOT NULL)');
  }

  private eventId(row: number): string {
    let n = row;
    let digits = '';
    do {
      digits = ID_ALPHABET[n % 62] + digits;
      n = Math.floor(n / 62);
    } while (n > 0);
    return `evt_${this.salt}${digits.padStart(8, '0')}`;
  }
}

/**
 * Erasure, for the queue: rows of the person's direct conversations go (the
 * conversation's id names them), and they are taken out of the member and
 * offline lists of the others. Their messages themselves are tombstoned by
 * the store, and go out as such.
 */
export function forgetQueuedPerson(sql: Sql, user: string): void {
  const needle = JSON.stringify(user);
  const direct = directOf(user);
  // A JSON list of ids without the person; a row naming a set has no list of its own ('').
  const without = (list: unknown) => (list === '' ? '' : JSON.stringify((JSON.parse(String(list)) as string[]).filter((u) => u !== user)));
  sql.run(`DELETE FROM webhook_messages WHERE ${direct.where('conv')}`, ...direct.params);
  sql.run(`DELETE FROM webhook_member_sets WHERE ${direct.where('conv')}`, ...direct.params);
  for (const row of sql.all('SELECT id, members FROM webhook_member_sets WHERE instr(members, ?) > 0', needle)) {
    sql.run('UPDATE webhook_member_sets SET members = ? WHERE id = ?', without(row.members), Number(row.id));
  }
  for (const row of sql.all('SELECT id, members, offline FROM webhook_messages WHERE instr(members, ?) > 0 OR instr(offline, ?) > 0', needle, needle)) {
    sql.run('UPDATE webhook_messages SET members = ?, offline = ? WHERE id = ?', without(row.members), without(row.offline), Number(row.id));
  }
}
