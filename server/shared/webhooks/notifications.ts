import type { EventPort } from '../../../src/core/events.js';
import type { Row, Sql } from '../storage/migrate.js';

export interface NotificationSettings {
  /**
   * Unread this long while offline makes a `notification.due`, ms (default 10
   * minutes). Also the window: at most one per person and conversation in it.
   */
  delayMs: number;
  /** At most this many per person in any 24 hours (default 10). */
  perDay: number;
}

export const DEFAULT_NOTIFICATIONS: Readonly<NotificationSettings> = { delayMs: 10 * 60_000, perDay: 10 };

const DAY_MS = 24 * 60 * 60_000;

/**
 * Finds members with unread messages (from people they have not blocked, in
 * conversations they have not muted) whose oldest unread message is at least
 * `delayMs` old, who have no open socket now, and records a
 * `notification.due` for each, with a row in `webhook_notices`, in one
 * transaction per member and conversation: a restart neither loses nor
 * repeats one. A person is notified again about a conversation only for
 * messages newer than the last notice, once the window has passed, and
 * within the daily cap. Returns the number recorded.
 */
export function scanNotifications(
  sql: Sql,
  events: EventPort,
  settings: NotificationSettings,
  isOnline: (user: string) => boolean,
  now: number,
): number {
  const scan = notificationScan(sql, events, settings, isOnline, now);
  for (;;) {
    const step = scan.next();
    if (step.done) return step.value;
  }
}

/**
 * The same scan as a generator that yields after each candidate, so a host
 * can spread it over many short turns (a scan of thousands of offline members
 * must not stall the messages).
 *
 * Cheap on an index: only conversations active in the last day plus the delay
 * are looked at (conversations_by_last_at); per candidate, the checks that cost
 * least come first (an open socket, the daily cap), then one range of the
 * messages' primary key.
 */
export function* notificationScan(
  sql: Sql,
  events: EventPort,
  settings: NotificationSettings,
  isOnline: (user: string) => boolean,
  now: number,
): Generator<void, number> {
  sql.run('DELETE FROM webhook_notices WHERE at < ?', now - Math.max(DAY_MS, settings.delayMs));
  const candidates = sql.all(
    `SELECT c.id AS conv, c.last_seq, m.user_id, coalesce(r.seq, 0) AS read_seq,
            coalesce(n.seq, 0) AS notified_seq, n.at AS notified_at
     FROM conversations c
     JOIN members m ON m.conv = c.id
     LEFT JOIN reads r ON r.conv = c.id AND r.user_id = m.user_id
     LEFT JOIN (SELECT conv, user_id, max(seq) AS seq, max(at) AS at FROM webhook_notices GROUP BY conv, user_id) n
       ON n.conv = c.id AND n.user_id = m.user_id
     WHERE c.last_at > ? AND c.last_seq > max(coalesce(r.seq, 0), coalesce(n.seq, 0))
       AND (n.at IS NULL OR n.at <= ?)
       AND NOT EXISTS (SELECT 1 FROM mutes u WHERE u.conv = c.id AND u.user_id = m.user_id)
     ORDER BY c.last_at`,
    now - DAY_MS - settings.delayMs,
    now - settings.delayMs,
  );
  let recorded = 0;
  for (const row of candidates) {
    const user = String(row.user_id);
    if (!isOnline(user) && noticeFor(sql, events, settings, now, row, user)) recorded++;
    yield;
  }
  return recorded;
}

/** One candidate: records its `notification.due` (with its notice row, in one transaction) when one is due. */
function noticeFor(sql: Sql, events: EventPort, settings: NotificationSettings, now: number, row: Row, user: string): boolean {
  const conv = String(row.conv);
  return sql.transaction(() => {
    const [today] = sql.all('SELECT count(*) AS n FROM webhook_notices WHERE user_id = ? AND at > ?', user, now - DAY_MS);
    if (Number(today.n) >= settings.perDay) return false;
    const [unread] = sql.all(
      `SELECT count(*) AS n, min(CASE WHEN seq > ? THEN at END) AS fresh FROM messages
       WHERE conv = ? AND seq > ? AND sender <> ? AND sender NOT IN (SELECT other FROM blocks WHERE user_id = ?)`,
      Number(row.notified_seq),
      conv,
      Number(row.read_seq),
      user,
      user,
    );
    if (!unread || Number(unread.n) === 0 || unread.fresh === null || Number(unread.fresh) > now - settings.delayMs) return false;
    const seq = Number(row.last_seq);
    sql.run('INSERT INTO webhook_notices (user_id, conv, seq, at) VALUES (?, ?, ?, ?)', user, conv, seq, now);
    events.record({
      type: 'notification.due',
      at: now,
      conv,
      seq,
      data: { user, unread: Number(unread.n), since: Number(unread.fresh) },
      key: `notification.due ${conv} ${user} ${seq}`,
    });
    return true;
  });
}
