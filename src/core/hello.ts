import { LIMITS, type ClientFrameOf } from '../protocol/index.js';
import { within, type CoreContext } from './context.js';
import { pageAfter } from './requests.js';
import type { Connection } from './types.js';
import { conversationView, profiles, withheldPage } from './views.js';

/** Conversations listed in a welcome per unit of replay budget. */
const LISTED_PER_UNIT = 50;

/**
 * `hello`, sent on every open: the welcome snapshot, then what the client
 * missed after each cursor (a page, `hasMore` when it must page on), then
 * acks again for pending sends that were stored, so a client whose ack was
 * lost learns the sequence number without sending twice.
 *
 * The replay is paced by the person's replay budget: a cursor it cannot pay
 * for now is answered with an empty page that says there is more, and the
 * client pages on with `history`, which the same budget paces. A socket's
 * first hello is always answered (a client cannot work without its welcome);
 * a repeated one pays for its welcome too, or is refused.
 */
export function handleHello(ctx: CoreContext, conn: Connection, f: ClientFrameOf<'hello'>, first: boolean): void {
  const { directory, conversations } = ctx;
  const records = conversations.conversationsOf(conn.user);
  const listing = 1 + Math.floor(records.length / LISTED_PER_UNIT);
  if (first) ctx.takeReplay(conn.user, listing);
  else if (!within(ctx, conn, ctx.takeReplay(conn.user, listing), 'too many hellos', {})) return;
  const blocked = directory.blockedBy(conn.user);
  const people = records.flatMap((r) => r.members).concat(blocked, conn.user);
  const users = profiles(directory, people);
  const me = users.find((u) => u.id === conn.user) ?? { id: conn.user, name: conn.user };
  ctx.reply(conn, {
    t: 'welcome',
    v: 1,
    me,
    conversations: records.map((r) => conversationView(ctx, r, conn.user, blocked)),
    users,
    blocked,
  });

  const lastSeq = new Map(records.map((r) => [r.id, r.lastSeq]));
  const cursors = Object.entries(f.cursors ?? {});
  // Cursors for conversations the person is not in (left on another device) are told `gone`
  // while the replay budget pays for them, a unit per listing's worth. Past that, the welcome,
  // which lists every conversation the person is in, says the same: a client forgets the rest.
  const unknown = cursors.reduce((n, [conv]) => (lastSeq.has(conv) ? n : n + 1), 0);
  const sayGone = unknown > 0 && ctx.takeReplay(conn.user, Math.ceil(unknown / LISTED_PER_UNIT)) === 0;
  for (const [conv, cursor] of cursors) {
    const newest = lastSeq.get(conv);
    if (newest === undefined) {
      if (sayGone) ctx.reply(conn, { t: 'gone', conv });
    } else if (cursor >= newest) continue;
    else if (ctx.takeReplay(conn.user, 1) > 0) ctx.reply(conn, { t: 'history', conv, messages: [], hasMore: true });
    else {
      const page = pageAfter(ctx, conv, cursor, LIMITS.resumePage);
      ctx.reply(conn, { t: 'history', conv, ...page, messages: withheldPage(directory, conv, conn.user, page.messages, blocked) });
    }
  }

  for (const { conv, id } of f.pending ?? []) {
    const stored = conversations.findByClientId(conv, conn.user, id);
    if (stored) ctx.reply(conn, { t: 'ack', conv, id, seq: stored.seq, at: stored.at, dup: true });
  }
}
