/**
 * The two halves of the schema, named after the ports they store, and the
 * webhook outbox, which a host keeps beside whichever half records events.
 */
export type SchemaPart = 'directory' | 'conversations' | 'webhooks' | 'message-events';

export type Migration = Readonly<Partial<Record<SchemaPart, readonly string[]>>>;

/**
 * Schema migrations of the SQL store, in order; migration N brings the schema
 * to version N. Each migration's statements are split by the port whose
 * tables they touch, so a host that keeps only one half (a Durable Object
 * holding one person's directory rows, or one conversation) creates only its
 * own tables. Plain tables and indexes that both SQLite hosts accept (libsql
 * in Node, Durable Object SQL storage): no PRAGMA, no ATTACH. Never edit a
 * shipped migration; append a new one.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    directory: [
      `CREATE TABLE IF NOT EXISTS users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        avatar TEXT,
        brand INTEGER NOT NULL DEFAULT 0
      )`,
      `CREATE TABLE IF NOT EXISTS blocks (
        user_id TEXT NOT NULL,
        other TEXT NOT NULL,
        PRIMARY KEY (user_id, other)
      )`,
      `CREATE TABLE IF NOT EXISTS follows (
        follower TEXT NOT NULL,
        followee TEXT NOT NULL,
        PRIMARY KEY (follower, followee)
      )`,
    ],
    conversations: [
      `CREATE TABLE IF NOT EXISTS conversations (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        title TEXT,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0,
        last_at INTEGER NOT NULL
      )`,
      // Member order is insertion order (rowid).
      `CREATE TABLE IF NOT EXISTS members (
        conv TEXT NOT NULL,
        user_id TEXT NOT NULL,
        PRIMARY KEY (conv, user_id)
      )`,
      `CREATE INDEX IF NOT EXISTS members_by_user ON members (user_id, conv)`,
      `CREATE TABLE IF NOT EXISTS messages (
        conv TEXT NOT NULL,
        seq INTEGER NOT NULL,
        sender TEXT NOT NULL,
        client_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (conv, seq)
      )`,
      `CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client_id ON messages (conv, sender, client_id)`,
      // Read markers outlive a membership, so a person who comes back keeps theirs.
      `CREATE TABLE IF NOT EXISTS reads (
        conv TEXT NOT NULL,
        user_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (conv, user_id)
      )`,
      `CREATE TABLE IF NOT EXISTS mutes (
        conv TEXT NOT NULL,
        user_id TEXT NOT NULL,
        PRIMARY KEY (conv, user_id)
      )`,
      `CREATE TABLE IF NOT EXISTS reports (
        conv TEXT NOT NULL,
        seq INTEGER NOT NULL,
        reporter TEXT NOT NULL,
        reason TEXT,
        at INTEGER NOT NULL
      )`,
    ],
  },
  // 2: who blocked a sender, asked on every group message.
  { directory: [`CREATE INDEX IF NOT EXISTS blocks_by_other ON blocks (other)`] },
  // 3: the webhook outbox, written in the transaction of the change it
  // reports, and what the unread-notification scan needs.
  {
    conversations: [`CREATE INDEX IF NOT EXISTS conversations_by_last_at ON conversations (last_at)`],
    webhooks: [
      `CREATE TABLE IF NOT EXISTS webhook_outbox (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        dedup_key TEXT,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL,
        since INTEGER NOT NULL,
        last_error TEXT,
        done_at INTEGER
      )`,
      `CREATE UNIQUE INDEX IF NOT EXISTS webhook_outbox_by_key ON webhook_outbox (dedup_key) WHERE dedup_key IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (state, next_at)`,
      // One row per notification.due recorded: the last per conversation, and the count per day per person.
      `CREATE TABLE IF NOT EXISTS webhook_notices (
        user_id TEXT NOT NULL,
        conv TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at INTEGER NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS webhook_notices_by_member ON webhook_notices (conv, user_id, at)`,
      `CREATE INDEX IF NOT EXISTS webhook_notices_by_user ON webhook_notices (user_id, at)`,
    ],
  },
  // 4: moderation. Reports get an id and a status; bans (by the site's
  // moderators) are kept with the profiles. A deleted message (unsent,
  // removed, or its sender erased) is stored with an empty body.
  {
    directory: [`CREATE TABLE IF NOT EXISTS bans (user_id TEXT PRIMARY KEY, until INTEGER)`],
    conversations: [
      `ALTER TABLE reports ADD COLUMN id TEXT`,
      `ALTER TABLE reports ADD COLUMN status TEXT NOT NULL DEFAULT 'open'`,
      `ALTER TABLE reports ADD COLUMN action TEXT`,
      `ALTER TABLE reports ADD COLUMN resolved_at INTEGER`,
      `UPDATE reports SET id = 'r_' || rowid WHERE id IS NULL`,
      `CREATE UNIQUE INDEX IF NOT EXISTS reports_by_id ON reports (id)`,
      `CREATE INDEX IF NOT EXISTS reports_by_status ON reports (status, at)`,
    ],
  },
  // 5: message.created, the event of every message, queued apart from the
  // outbox: a row with only what the message row lacks (who were members and
  // who had no socket), in the message's transaction; the event is built from
  // both when it goes out. AUTOINCREMENT: a row number is never reused, so
  // the event ids made from it never repeat. A failed delivery moves its
  // events into the outbox, whose retries and dead letters take over.
  // Delivered events are counted per day rather than kept. The Node server's
  // alone: a Durable Object records its events in its own outbox.
  {
    'message-events': [
      `CREATE TABLE IF NOT EXISTS webhook_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conv TEXT NOT NULL,
        seq INTEGER NOT NULL,
        members TEXT NOT NULL,
        offline TEXT NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS webhook_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS webhook_delivered (day INTEGER PRIMARY KEY, n INTEGER NOT NULL)`,
    ],
  },
  // 6: a queued message.created names its members by a set shared with the
  // other messages of its conversation while the members stay the same,
  // instead of carrying their list in every row (which was most of the row's
  // bytes and cost). Rows written before keep their own list (members not '').
  // AUTOINCREMENT: a set's number is never reused, so a row never names
  // another conversation's set.
  {
    'message-events': [
      `CREATE TABLE IF NOT EXISTS webhook_member_sets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conv TEXT NOT NULL,
        members TEXT NOT NULL
      )`,
      `ALTER TABLE webhook_messages ADD COLUMN member_set INTEGER`,
    ],
  },
];
