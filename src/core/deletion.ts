import { DELETED_USER, type ClientFrameOf, type Message } from '../protocol/index.js';
import { memberOf, refusal, type CoreContext } from './context.js';
import type { Connection } from './types.js';
import { conversationView } from './views.js';

/**
 * `unsend`: the sender deletes one of their own messages for everyone. It
 * becomes a tombstone and every member's sockets are told (`deleted`).
 * Unsending a tombstone again is answered `ok`, so a retry is harmless.
 */
export function handleUnsend(ctx: CoreContext, conn: Connection, f: ClientFrameOf<'unsend'>): void {
  const ref = { req: f.req, conv: f.conv };
  const record = memberOf(ctx, conn, f.conv, ref);
  if (!record) return;
  const message = ctx.conversations.getMessage(f.conv, f.seq);
  if (!message) return ctx.fail(conn, refusal('not_found', 'no such message'), ref);
  if (message.from !== conn.user) return ctx.fail(conn, refusal('forbidden', 'only its sender may unsend a message'), ref);
  if (message.hidden !== 'deleted') deleteMessage(ctx, f.conv, f.seq);
  if (f.req !== undefined) ctx.reply(conn, { t: 'ok', req: f.req });
}

/** Makes a message a tombstone and tells every member's sockets; undefined when there is no such message. */
export function deleteMessage(ctx: CoreContext, conv: string, seq: number): Message | undefined {
  const record = ctx.conversations.getConversation(conv);
  const dead = record && ctx.conversations.deleteMessage(conv, seq);
  if (record && dead) ctx.broadcast(record.members, { t: 'deleted', conv, seq, m: dead });
  return dead;
}

/**
 * Erases one person from the conversations this store holds (the server
 * API). In a group, their messages become tombstones from DELETED_USER and
 * they leave it (the others get the tombstones live, then the conversation
 * without them, as on a leave); a group left with one person goes on. A
 * direct conversation goes whole, since its id names the erased person: the
 * other member is told `gone`. The caller closes the person's sockets and
 * forgets their profile, blocks and follows.
 */
export function eraseFromConversations(ctx: CoreContext, user: string): void {
  const store = ctx.conversations;
  if (!store.conversationsTouching || !store.eraseMember || !store.deleteConversation) throw new Error('this store cannot erase');
  for (const conv of store.conversationsTouching(user)) {
    const record = store.getConversation(conv);
    if (!record) continue;
    const others = record.members.filter((m) => m !== user);
    if (record.kind === 'direct') {
      store.deleteConversation(conv);
      ctx.broadcast(record.members, { t: 'gone', conv });
      continue;
    }
    const seqs = store.eraseMember(conv, user, DELETED_USER);
    for (const seq of seqs) {
      const m = store.getMessage(conv, seq);
      if (m) ctx.broadcast(others, { t: 'deleted', conv, seq, m });
    }
    if (others.length < record.members.length) ctx.broadcast([user], { t: 'gone', conv });
    // Always: the others' copies of the conversation may name them (its creator, its newest message).
    const rest = store.getConversation(conv)!;
    for (const member of rest.members) ctx.broadcast([member], { t: 'conv', conv: conversationView(ctx, rest, member) });
  }
}
