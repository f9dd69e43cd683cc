import type { AppendResult, ConversationPort, ConversationRecord, Message, ReportRecord, StoredBody } from '../../../src/core/types.js';
import { randomId } from '../../../src/protocol/index.js';
import { tombstone } from '../../../src/core/views.js';
import { migrate, type Row, type Sql } from './migrate.js';

const MESSAGE_COLUMNS = 'seq, client_id, sender, at, body';
const CONVERSATION_COLUMNS = 'id, kind, title, created_by, created_at, last_seq';

/** Conversations kept in memory; every send reads one. */
const CONVERSATION_CACHE = 10_000;

/** Thrown inside `append`'s transaction to roll back when the message was stored before. */
class Duplicate extends Error {}

/**
 * The conversation port over SQLite. Bodies are stored as JSON text.
 * Conversation rows are cached write-through, so the store must be the only
 * writer of its database (one Node process, or one Durable Object).
 */
export class SqlConversations implements ConversationPort {
  private readonly conversations = new Map<string, ConversationRecord>();

  /** `migrated`: the caller has already brought these tables up to date (see SqlStorage). */
  constructor(
    protected readonly sql: Sql,
    migrated = false,
  ) {
    if (!migrated) migrate(sql, ['conversations']);
  }

  /** Drops cached rows, after writes they reflect were rolled back. */
  forgetCache(): void {
    this.conversations.clear();
  }

  getConversation(id: string): ConversationRecord | undefined {
    const record = this.cached(id);
    return record && { ...record, members: [...record.members] };
  }

  createConversation(record: ConversationRecord): void {
    this.sql.transaction(() => {
      this.sql.run(
        `INSERT INTO conversations (id, kind, title, created_by, created_at, last_seq, last_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        record.id,
        record.kind,
        record.title ?? null,
        record.createdBy,
        record.createdAt,
        record.lastSeq,
        record.createdAt,
      );
      for (const user of record.members) this.addMember(record.id, user);
    });
    this.conversations.delete(record.id);
  }

  conversationsOf(user: string): ConversationRecord[] {
    const rows = this.sql.all(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations
       WHERE id IN (SELECT conv FROM members WHERE user_id = ?)
       ORDER BY last_at DESC, id`,
      user,
    );
    const members = new Map<string, string[]>();
    const memberRows = this.sql.all(
      `SELECT conv, user_id FROM members WHERE conv IN (SELECT conv FROM members WHERE user_id = ?) ORDER BY rowid`,
      user,
    );
    for (const m of memberRows) {
      const conv = String(m.conv);
      const list = members.get(conv);
      if (list) list.push(String(m.user_id));
      else members.set(conv, [String(m.user_id)]);
    }
    return rows.map((row) => toRecord(row, members.get(String(row.id)) ?? []));
  }

  removeMember(conv: string, user: string): void {
    this.sql.run('DELETE FROM members WHERE conv = ? AND user_id = ?', conv, user);
    this.conversations.delete(conv);
  }

  addMember(conv: string, user: string): void {
    this.sql.run('INSERT OR IGNORE INTO members (conv, user_id) VALUES (?, ?)', conv, user);
    this.conversations.delete(conv);
  }

  /**
   * One transaction: take the next seq, then insert; the unique index on
   * (conv, sender, client_id) finds a message stored before, and the seq
   * bump is rolled back.
   */
  append(conv: string, from: string, id: string, body: StoredBody, at: number): AppendResult {
    let seq: number;
    try {
      seq = this.sql.transaction(() => {
        const [row] = this.sql.all(
          'UPDATE conversations SET last_seq = last_seq + 1, last_at = ? WHERE id = ? RETURNING last_seq',
          at,
          conv,
        );
        if (!row) throw new Error(`no conversation ${conv}`);
        const inserted = this.sql.all(
          `INSERT INTO messages (conv, seq, sender, client_id, at, body) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (conv, sender, client_id) DO NOTHING RETURNING seq`,
          conv,
          Number(row.last_seq),
          from,
          id,
          at,
          JSON.stringify(body),
        );
        if (inserted.length === 0) throw new Duplicate();
        return Number(row.last_seq);
      });
    } catch (error) {
      if (!(error instanceof Duplicate)) throw error;
      return { message: this.findByClientId(conv, from, id)!, duplicate: true };
    }
    const cached = this.conversations.get(conv);
    if (cached) cached.lastSeq = seq;
    return { message: { seq, id, from, at, body }, duplicate: false };
  }

  findByClientId(conv: string, from: string, id: string): Message | undefined {
    const [row] = this.sql.all(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conv = ? AND sender = ? AND client_id = ?`,
      conv,
      from,
      id,
    );
    return row && toMessage(row);
  }

  getMessage(conv: string, seq: number): Message | undefined {
    const [row] = this.sql.all(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conv = ? AND seq = ?`, conv, seq);
    return row && toMessage(row);
  }

  messagesAfter(conv: string, after: number, limit: number): Message[] {
    return this.sql
      .all(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conv = ? AND seq > ? ORDER BY seq LIMIT ?`, conv, after, limit)
      .map(toMessage);
  }

  messagesBefore(conv: string, before: number, limit: number): Message[] {
    return this.sql
      .all(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conv = ? AND seq < ? ORDER BY seq DESC LIMIT ?`, conv, before, limit)
      .map(toMessage)
      .reverse();
  }

  reads(conv: string): Record<string, number> {
    const rows = this.sql.all(
      `SELECT r.user_id, r.seq FROM reads r JOIN members m ON m.conv = r.conv AND m.user_id = r.user_id
       WHERE r.conv = ? ORDER BY m.rowid`,
      conv,
    );
    return Object.fromEntries(rows.map((r) => [String(r.user_id), Number(r.seq)]));
  }

  setRead(conv: string, user: string, seq: number): number {
    const [row] = this.sql.all(
      `INSERT INTO reads (conv, user_id, seq) VALUES (?, ?, ?)
       ON CONFLICT (conv, user_id) DO UPDATE SET seq = max(seq, excluded.seq)
       RETURNING seq`,
      conv,
      user,
      seq,
    );
    return Number(row.seq);
  }

  unreadCount(conv: string, user: string, hidden: readonly string[] = []): number {
    const [row] = this.sql.all(
      // Messages from people the reader blocked reach them as placeholders, and deleted ones
      // (an empty body) as tombstones: nothing to read.
      `SELECT count(*) AS n FROM messages
       WHERE conv = ? AND sender <> ? AND seq > coalesce((SELECT seq FROM reads WHERE conv = ? AND user_id = ?), 0)
         AND sender NOT IN (SELECT value FROM json_each(?)) AND body <> ''`,
      conv,
      user,
      conv,
      user,
      JSON.stringify(hidden),
    );
    return Number(row.n);
  }

  isMuted(conv: string, user: string): boolean {
    return this.sql.all('SELECT 1 FROM mutes WHERE conv = ? AND user_id = ?', conv, user).length > 0;
  }

  setMuted(conv: string, user: string, muted: boolean): void {
    if (muted) this.sql.run('INSERT OR IGNORE INTO mutes (conv, user_id) VALUES (?, ?)', conv, user);
    else this.sql.run('DELETE FROM mutes WHERE conv = ? AND user_id = ?', conv, user);
  }

  addReport(conv: string, seq: number, reporter: string, reason: string | undefined, at: number): string {
    const id = `r_${randomId(16)}`;
    this.sql.run(
      'INSERT INTO reports (id, conv, seq, reporter, reason, at) VALUES (?, ?, ?, ?, ?, ?)',
      id,
      conv,
      seq,
      reporter,
      reason ?? null,
      at,
    );
    return id;
  }

  openReportBy(conv: string, seq: number, reporter: string): string | undefined {
    const [row] = this.sql.all(`SELECT id FROM reports WHERE conv = ? AND seq = ? AND reporter = ? AND status = 'open' LIMIT 1`, conv, seq, reporter);
    return row ? String(row.id) : undefined;
  }

  /** Stored reports, oldest first (for moderation tools and tests). */
  reports(limit = 100): ReportRecord[] {
    return this.sql.all(`SELECT ${REPORT_COLUMNS} FROM reports ORDER BY rowid LIMIT ?`, limit).map(toReport);
  }

  /** Reports of one status, oldest first, after the report `after` ('' for the first page). */
  reportPage(status: ReportStatus, after: string, limit: number): ModerationReport[] {
    return this.sql
      .all(
        `SELECT ${REPORT_COLUMNS}, (SELECT sender FROM messages m WHERE m.conv = reports.conv AND m.seq = reports.seq) AS sender
         FROM reports WHERE status = ? AND rowid > coalesce((SELECT rowid FROM reports WHERE id = ?), 0) ORDER BY rowid LIMIT ?`,
        status,
        after,
        limit,
      )
      .map(toModerationReport);
  }

  getReport(id: string): ModerationReport | undefined {
    const [row] = this.sql.all(
      `SELECT ${REPORT_COLUMNS}, (SELECT sender FROM messages m WHERE m.conv = reports.conv AND m.seq = reports.seq) AS sender FROM reports WHERE id = ?`,
      id,
    );
    return row && toModerationReport(row);
  }

  /** Marks an open report resolved; false when it was not open. */
  resolveReport(id: string, action: string, at: number): boolean {
    return this.sql.all("UPDATE reports SET status = 'resolved', action = ?, resolved_at = ? WHERE id = ? AND status = 'open' RETURNING id", action, at, id).length > 0;
  }

  /** Reports `reporter` filed, oldest first. */
  reportsBy(reporter: string): ReportRecord[] {
    return this.sql.all(`SELECT ${REPORT_COLUMNS} FROM reports WHERE reporter = ? ORDER BY rowid`, reporter).map(toReport);
  }

  /** Up to `limit` messages `user` sent, across conversations, after (conv, seq) in that order (exports). */
  messagesBy(user: string, afterConv: string, afterSeq: number, limit: number): (Message & { conv: string })[] {
    return this.sql
      .all(
        `SELECT conv, ${MESSAGE_COLUMNS} FROM messages WHERE sender = ? AND (conv > ? OR (conv = ? AND seq > ?)) ORDER BY conv, seq LIMIT ?`,
        user,
        afterConv,
        afterConv,
        afterSeq,
        limit,
      )
      .map((row) => ({ conv: String(row.conv), ...toMessage(row) }));
  }

  deleteMessage(conv: string, seq: number, from?: string): Message | undefined {
    const [row] = this.sql.all(
      `UPDATE messages SET body = '', sender = coalesce(?, sender) WHERE conv = ? AND seq = ? RETURNING ${MESSAGE_COLUMNS}`,
      from ?? null,
      conv,
      seq,
    );
    return row && toMessage(row);
  }

  conversationsTouching(user: string): string[] {
    // One query per table: Durable Object SQL allows few terms in a compound SELECT.
    const found = new Set<string>();
    for (const [table, column] of [
      ['members', 'user_id'],
      ['messages', 'sender'],
      ['reads', 'user_id'],
      ['mutes', 'user_id'],
      ['reports', 'reporter'],
    ]) {
      for (const row of this.sql.all(`SELECT DISTINCT conv FROM ${table} WHERE ${column} = ?`, user)) found.add(String(row.conv));
    }
    for (const row of this.sql.all('SELECT id FROM conversations WHERE created_by = ?', user)) found.add(String(row.id));
    return [...found];
  }

  eraseMember(conv: string, user: string, replacement: string): number[] {
    const seqs = this.sql.transaction(() => {
      // The client id is kept unless another erased person used the same one here (the index holds one per sender).
      const kept = this.sql.all(`UPDATE OR IGNORE messages SET body = '', sender = ? WHERE conv = ? AND sender = ? RETURNING seq`, replacement, conv, user);
      const renamed = this.sql.all(
        `UPDATE messages SET body = '', sender = ?, client_id = 'erased-' || seq WHERE conv = ? AND sender = ? RETURNING seq`,
        replacement,
        conv,
        user,
      );
      for (const table of ['members', 'reads', 'mutes']) this.sql.run(`DELETE FROM ${table} WHERE conv = ? AND user_id = ?`, conv, user);
      // A group's title is its creator's words: it goes with them.
      this.sql.run('UPDATE conversations SET created_by = ?, title = NULL WHERE id = ? AND created_by = ?', replacement, conv, user);
      this.sql.run('UPDATE reports SET reporter = ? WHERE conv = ? AND reporter = ?', replacement, conv, user);
      return [...kept, ...renamed].map((r) => Number(r.seq)).sort((a, b) => a - b);
    });
    this.conversations.delete(conv);
    return seqs;
  }

  deleteConversation(conv: string): void {
    this.sql.transaction(() => {
      for (const table of ['members', 'messages', 'reads', 'mutes', 'reports']) this.sql.run(`DELETE FROM ${table} WHERE conv = ?`, conv);
      this.sql.run('DELETE FROM conversations WHERE id = ?', conv);
    });
    this.conversations.delete(conv);
  }

  private cached(id: string): ConversationRecord | undefined {
    const hit = this.conversations.get(id);
    if (hit) return hit;
    const [row] = this.sql.all(`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = ?`, id);
    if (!row) return undefined;
    const members = this.sql.all('SELECT user_id FROM members WHERE conv = ? ORDER BY rowid', id);
    const record = toRecord(row, members.map((m) => String(m.user_id)));
    // Oldest entry out first: Map keeps insertion order.
    if (this.conversations.size >= CONVERSATION_CACHE) this.conversations.delete(this.conversations.keys().next().value!);
    this.conversations.set(id, record);
    return record;
  }
}

function toRecord(row: Row, members: string[]): ConversationRecord {
  const record: ConversationRecord = {
    id: String(row.id),
    kind: row.kind === 'group' ? 'group' : 'direct',
    members,
    createdBy: String(row.created_by),
    createdAt: Number(row.created_at),
    lastSeq: Number(row.last_seq),
  };
  if (row.title !== null && row.title !== undefined) record.title = String(row.title);
  return record;
}

/** A message from its row (`MESSAGE_COLUMNS`); a deleted one as its tombstone. */
export function toMessage(row: Row): Message {
  const message: Message = { seq: Number(row.seq), id: String(row.client_id), from: String(row.sender), at: Number(row.at), body: EMPTY };
  // An empty body is a deleted message (see deleteMessage).
  return row.body === '' ? tombstone(message) : { ...message, body: JSON.parse(String(row.body)) as StoredBody };
}

const EMPTY: StoredBody = { kind: 'text', text: '' };

const REPORT_COLUMNS = 'id, conv, seq, reporter, reason, at, status, action, resolved_at';

export type ReportStatus = 'open' | 'resolved';

/** A report as moderators see it: its status, and who sent the reported message (when it is still stored). */
export interface ModerationReport extends ReportRecord {
  id: string;
  status: ReportStatus;
  sender?: string;
  action?: string;
  resolvedAt?: number;
}

function toReport(r: Row): ReportRecord {
  const report: ReportRecord = { id: String(r.id), conv: String(r.conv), seq: Number(r.seq), reporter: String(r.reporter), at: Number(r.at) };
  if (r.reason !== null) report.reason = String(r.reason);
  return report;
}

function toModerationReport(r: Row): ModerationReport {
  const report: ModerationReport = { ...toReport(r), id: String(r.id), status: r.status === 'resolved' ? 'resolved' : 'open' };
  if (r.sender !== null && r.sender !== undefined) report.sender = String(r.sender);
  if (r.action !== null && r.action !== undefined) report.action = String(r.action);
  if (r.resolved_at !== null && r.resolved_at !== undefined) report.resolvedAt = Number(r.resolved_at);
  return report;
}
