import type { NotificationSettings } from '../../shared/webhooks/notifications.js';
import type { AlarmClock } from './alarm.js';
import type { ObjectWebhooks } from './webhooks.js';

/**
 * `notification.due` on Durable Objects, by alarms instead of the Node
 * server's periodic scan: no object sees everyone's unread state, so each
 * conversation object keeps one timer per member it has stored a message
 * for (`notify_timers`, due `delayMs` after the message), and its alarm
 * rings for the earliest. When a timer is due the conversation, which holds
 * the messages, read markers and mutes, works out what the member has
 * unread there, grouped by sender; the member's inbox, which holds their
 * sockets, blocks and the notices they were sent, makes the decision:
 * nothing while a socket is open (asked again after another `delayMs`), only
 * senders not blocked, at most `perDay` a day, and it records the event in
 * its own outbox in the same synchronous block as the notice. The
 * conversation notes the seq it notified, so the next notice about it is for
 * newer messages only, once the window has passed. A notice decided twice
 * (the conversation lost the answer) is one event: the event key dedups it.
 */
export class NotificationTimers {
  private ready = false;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly settings: NotificationSettings,
    private readonly clock: AlarmClock,
  ) {}

  /** In the message's synchronous block: a timer for each member not yet timed. */
  arm(members: readonly string[], messageAt: number): void {
    if (members.length === 0) return;
    const sql = this.tables();
    const due = messageAt + this.settings.delayMs;
    for (const user of members) sql.exec('INSERT INTO notify_timers (user_id, due_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING', user, due);
    void this.clock.request(due);
  }

  /**
   * The alarm's turn: every due timer is settled (dropped, moved, or turned
   * into a notice by the member's inbox), then the alarm is asked for the
   * next one. `ask` reaches the member's inbox.
   */
  async fire(name: () => string, ask: (user: string, unread: UnreadNote) => Promise<NoticeAnswer>): Promise<void> {
    if (!this.exists()) return;
    const sql = this.tables();
    const conv = name();
    const now = Date.now();
    const { delayMs } = this.settings;
    const due = sql.exec<{ user_id: string }>('SELECT user_id FROM notify_timers WHERE due_at <= ? ORDER BY due_at LIMIT 50', now).toArray();
    for (const { user_id: user } of due) {
      const note = this.unread(conv, user, now);
      let next: number | undefined;
      if (note === 'none') next = undefined;
      else if (typeof note === 'number') next = note;
      else {
        try {
          const answer = await ask(user, note);
          if (answer.notified) sql.exec('INSERT OR REPLACE INTO notify_sent (user_id, seq, at) VALUES (?, ?, ?)', user, note.seq, Date.now());
          next = answer.retryAt;
        } catch (error) {
          console.error('[pin-messaging] notification', error instanceof Error ? error.message : error);
          next = Date.now() + delayMs;
        }
      }
      if (next === undefined) sql.exec('DELETE FROM notify_timers WHERE user_id = ?', user);
      else sql.exec('UPDATE notify_timers SET due_at = ? WHERE user_id = ?', next, user);
    }
    const [row] = sql.exec<{ at: number | null }>('SELECT min(due_at) AS at FROM notify_timers').toArray();
    if (row?.at !== null && row?.at !== undefined) await this.clock.request(row.at);
  }

  /** Erasure: nothing about the person stays. */
  forget(user: string): void {
    if (!this.exists()) return;
    const sql = this.tables();
    sql.exec('DELETE FROM notify_timers WHERE user_id = ?', user);
    sql.exec('DELETE FROM notify_sent WHERE user_id = ?', user);
  }

  /** Every timer and notice mark goes (a direct conversation erased whole). */
  clear(): void {
    if (!this.exists()) return;
    const sql = this.tables();
    sql.exec('DELETE FROM notify_timers');
    sql.exec('DELETE FROM notify_sent');
  }

  /** After deleteAll or an undone batch: the tables are gone. */
  reset(): void {
    this.ready = false;
  }

  /**
   * What `user` has unread here, by sender, for the inbox to decide on; a
   * time to look again (the newest notice's window, or unread too fresh); or
   * 'none' (read, muted, no longer a member, nothing new since the last notice).
   */
  private unread(conv: string, user: string, now: number): UnreadNote | number | 'none' {
    const sql = this.storage.sql;
    const { delayMs } = this.settings;
    const [c] = sql.exec<{ last_seq: number }>('SELECT last_seq FROM conversations WHERE id = ?', conv).toArray();
    const member = sql.exec('SELECT 1 FROM members WHERE conv = ? AND user_id = ?', conv, user).toArray().length > 0;
    const muted = sql.exec('SELECT 1 FROM mutes WHERE conv = ? AND user_id = ?', conv, user).toArray().length > 0;
    if (!c || !member || muted) return 'none';
    const read = Number(sql.exec<{ seq: number }>('SELECT seq FROM reads WHERE conv = ? AND user_id = ?', conv, user).toArray()[0]?.seq ?? 0);
    const [sent] = sql.exec<{ seq: number; at: number }>('SELECT seq, at FROM notify_sent WHERE user_id = ?', user).toArray();
    const notified = Number(sent?.seq ?? 0);
    if (c.last_seq <= Math.max(read, notified)) return 'none';
    if (sent && sent.at > now - delayMs) return sent.at + delayMs;
    const senders = sql
      .exec<{ sender: string; n: number; fresh: number | null }>(
        `SELECT sender, count(*) AS n, min(CASE WHEN seq > ? THEN at END) AS fresh FROM messages
         WHERE conv = ? AND seq > ? AND sender <> ? GROUP BY sender`,
        notified,
        conv,
        read,
        user,
      )
      .toArray()
      .map((r) => ({ sender: r.sender, unread: Number(r.n), since: r.fresh === null ? null : Number(r.fresh) }));
    const fresh = senders.flatMap((s) => (s.since === null ? [] : [s.since]));
    if (fresh.length === 0) return 'none';
    const oldest = Math.min(...fresh);
    if (oldest > now - delayMs) return oldest + delayMs;
    return { conv, seq: c.last_seq, senders };
  }

  private exists(): boolean {
    if (this.ready) return true;
    return this.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'notify_timers'").toArray().length > 0;
  }

  private tables(): SqlStorage {
    const { sql } = this.storage;
    if (!this.ready) {
      sql.exec('CREATE TABLE IF NOT EXISTS notify_timers (user_id TEXT PRIMARY KEY, due_at INTEGER NOT NULL)');
      sql.exec('CREATE TABLE IF NOT EXISTS notify_sent (user_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL)');
      this.ready = true;
    }
    return sql;
  }
}

/** A member's unread messages in one conversation, by sender (the inbox leaves out those it blocked). */
export interface UnreadNote {
  conv: string;
  /** The conversation's newest seq: the notice covers up to it. */
  seq: number;
  /** `since`: the oldest unread message newer than the last notice, null when all of theirs are older. */
  senders: { sender: string; unread: number; since: number | null }[];
}

/** The inbox's decision: whether it notified, and when to look again (undefined: not until a new message). */
export interface NoticeAnswer {
  notified: boolean;
  retryAt?: number;
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * The inbox's half: decides on one UnreadNote and records the
 * `notification.due` (with its notice row) in the same synchronous block.
 */
export function decideNotice(
  hooks: ObjectWebhooks,
  me: string,
  note: UnreadNote,
  context: { online: boolean; blocked: readonly string[]; now: number },
): NoticeAnswer {
  const { delayMs, perDay } = hooks.settings.notifications;
  const { now } = context;
  if (context.online) return { notified: false, retryAt: now + delayMs };
  const counted = note.senders.filter((s) => !context.blocked.includes(s.sender));
  const unread = counted.reduce((sum, s) => sum + s.unread, 0);
  const fresh = counted.flatMap((s) => (s.since === null ? [] : [s.since]));
  if (unread === 0 || fresh.length === 0) return { notified: false };
  const since = Math.min(...fresh);
  if (since > now - delayMs) return { notified: false, retryAt: since + delayMs };
  const { sql } = hooks;
  sql.run('DELETE FROM webhook_notices WHERE at < ?', now - Math.max(DAY_MS, delayMs));
  const today = sql.all('SELECT at FROM webhook_notices WHERE user_id = ? AND at > ? ORDER BY at', me, now - DAY_MS);
  if (today.length >= perDay) return { notified: false, retryAt: Number(today[0].at) + DAY_MS };
  sql.run('INSERT INTO webhook_notices (user_id, conv, seq, at) VALUES (?, ?, ?, ?)', me, note.conv, note.seq, now);
  hooks.record({
    type: 'notification.due',
    at: now,
    conv: note.conv,
    seq: note.seq,
    data: { user: me, unread, since },
    key: `notification.due ${note.conv} ${me} ${note.seq}`,
  });
  return { notified: true };
}
