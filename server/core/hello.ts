import { LIMITS, type ClientFrameOf } from '../../src/protocol/index.js';
import type { CoreContext } from './context.js';
import { pageAfter } from './requests.js';
import type { Connection } from './types.js';
import { conversationView, profiles } from './views.js';

/**
 * `hello`, sent on every open: the welcome snapshot, then what the client
 * missed after each cursor (a page, `hasMore` when it must page on), then
 * acks again for pending sends that were stored, so a client whose ack was
 * lost learns the sequence number without sending twice.
 */
export function handleHello(ctx: CoreContext, conn: Connection, f: ClientFrameOf<'hello'>): void {
  const { storage } = ctx;
  const records = storage.conversationsOf(conn.user);
  const blocked = storage.blockedBy(conn.user);
  const people = records.flatMap((r) => r.members).concat(blocked, conn.user);
  const users = profiles(storage, people);
  const me = users.find((u) => u.id === conn.user) ?? { id: conn.user, name: conn.user };
  ctx.reply(conn, {
    t: 'welcome',
    v: 1,
    me,
    conversations: records.map((r) => conversationView(storage, r, conn.user)),
    users,
    blocked,
  });

  const lastSeq = new Map(records.map((r) => [r.id, r.lastSeq]));
  for (const [conv, cursor] of Object.entries(f.cursors ?? {})) {
    const newest = lastSeq.get(conv);
    // A cursor for a conversation the person is no longer in (left on another device).
    if (newest === undefined) ctx.reply(conn, { t: 'gone', conv });
    else if (cursor < newest) ctx.reply(conn, { t: 'history', conv, ...pageAfter(ctx, conv, cursor, LIMITS.resumePage) });
  }

  for (const { conv, id } of f.pending ?? []) {
    const stored = storage.findByClientId(conv, conn.user, id);
    if (stored) ctx.reply(conn, { t: 'ack', conv, id, seq: stored.seq, at: stored.at, dup: true });
  }
}
