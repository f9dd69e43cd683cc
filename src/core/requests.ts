import { LIMITS, type ClientFrameOf, type Message } from '../protocol/index.js';
import { memberOf, refusal, within, type CoreContext } from './context.js';
import type { Connection } from './types.js';
import { conversationView, withheldPage } from './views.js';

function ok(ctx: CoreContext, conn: Connection, req: string | undefined): void {
  if (req !== undefined) ctx.reply(conn, { t: 'ok', req });
}

/** `history`: a page after a cursor (catching up) or before one (older messages; the newest page by default). */
export function handleHistory(ctx: CoreContext, conn: Connection, f: ClientFrameOf<'history'>): void {
  const ref = { req: f.req, conv: f.conv };
  if (f.before !== undefined && f.after !== undefined) {
    return ctx.fail(conn, refusal('bad_frame', 'give `before` or `after`, not both'), ref);
  }
  const record = memberOf(ctx, conn, f.conv, ref);
  if (!record || !within(ctx, conn, ctx.takeReplay(conn.user, 1), 'too many history pages', ref)) return;
  const limit = f.limit ?? LIMITS.historyPage;
  const page =
    f.after !== undefined
      ? pageAfter(ctx, f.conv, f.after, limit)
      : pageBefore(ctx, f.conv, f.before ?? record.lastSeq + 1, limit);
  const messages = withheldPage(ctx.directory, f.conv, conn.user, page.messages);
  ctx.reply(conn, { t: 'history', ...(f.req !== undefined ? { req: f.req } : {}), conv: f.conv, messages, hasMore: page.hasMore });
}

export function pageAfter(ctx: CoreContext, conv: string, after: number, limit: number) {
  const messages = ctx.conversations.messagesAfter(conv, after, limit + 1);
  const hasMore = messages.length > limit;
  return { messages: hasMore ? messages.slice(0, limit) : messages, hasMore };
}

function pageBefore(ctx: CoreContext, conv: string, before: number, limit: number) {
  const messages: Message[] = ctx.conversations.messagesBefore(conv, before, limit + 1);
  const hasMore = messages.length > limit;
  return { messages: hasMore ? messages.slice(1) : messages, hasMore };
}

/** `read`: raises the marker and tells the members (the reader's other tabs too) when it moved. */
export function handleRead(ctx: CoreContext, conn: Connection, f: ClientFrameOf<'read'>): void {
  const ref = { conv: f.conv };
  const record = memberOf(ctx, conn, f.conv, ref);
  if (!record) return;
  if (f.seq > record.lastSeq) return ctx.fail(conn, refusal('bad_frame', 'seq is beyond the newest message'), ref);
  const stored = ctx.conversations.setRead(f.conv, conn.user, f.seq);
  if (stored === f.seq) ctx.broadcast(record.members, { t: 'read', conv: f.conv, user: conn.user, seq: stored }, conn);
}

/** `typing`: relayed to the other members, at most once per interval. Throttled frames are dropped quietly. */
export function handleTyping(ctx: CoreContext, conn: Connection, f: ClientFrameOf<'typing'>): void {
  const record = memberOf(ctx, conn, f.conv, { conv: f.conv });
  if (!record || !ctx.typingDue(conn.user, f.conv)) return;
  const others = record.members.filter((user) => user !== conn.user);
  ctx.broadcast(others, { t: 'typing', conv: f.conv, user: conn.user });
}

/** `leave`: the person stops being a member at once; their sockets get `gone`, the others the new member list. */
export function handleLeave(ctx: CoreContext, conn: Connection, f: ClientFrameOf<'leave'>): void {
  const record = memberOf(ctx, conn, f.conv, { req: f.req, conv: f.conv });
  if (!record) return;
  ctx.conversations.removeMember(f.conv, conn.user);
  ctx.broadcast([conn.user], { t: 'gone', conv: f.conv });
  const rest = { ...record, members: record.members.filter((user) => user !== conn.user) };
  ctx.events?.record({
    type: 'member.left',
    at: ctx.now(),
    conv: f.conv,
    seq: record.lastSeq,
    data: { user: conn.user, members: [...rest.members] },
  });
  for (const user of rest.members) ctx.broadcast([user], { t: 'conv', conv: conversationView(ctx, rest, user) });
  ok(ctx, conn, f.req);
}

/** `mute`: a per-person flag; every tab of that person gets the updated conversation. */
export function handleMute(ctx: CoreContext, conn: Connection, f: ClientFrameOf<'mute'>): void {
  const record = memberOf(ctx, conn, f.conv, { req: f.req, conv: f.conv });
  if (!record) return;
  ctx.conversations.setMuted(f.conv, conn.user, f.muted);
  ctx.broadcast([conn.user], { t: 'conv', conv: conversationView(ctx, record, conn.user) });
  ok(ctx, conn, f.req);
}

/** `block`: blocked pairs cannot message each other in either direction. */
export function handleBlock(ctx: CoreContext, conn: Connection, f: ClientFrameOf<'block'>): void {
  const ref = { req: f.req };
  if (f.user === conn.user) return ctx.fail(conn, refusal('bad_frame', 'you cannot block yourself'), ref);
  if (!ctx.directory.getUser(f.user)) return ctx.fail(conn, refusal('unknown_user', `unknown user ${JSON.stringify(f.user)}`), ref);
  // Only a change is an event: a client repeating its block is not news to the host.
  const changed = ctx.events && ctx.directory.blockedBy(conn.user).includes(f.user) !== f.blocked;
  ctx.directory.setBlocked(conn.user, f.user, f.blocked);
  if (changed) {
    ctx.events!.record({ type: 'user.blocked', at: ctx.now(), data: { user: conn.user, other: f.user, blocked: f.blocked } });
  }
  ctx.broadcast([conn.user], { t: 'blocked', user: f.user, blocked: f.blocked });
  ok(ctx, conn, f.req);
}

/** `report`: stored for moderation; the reporter must be able to see the message. */
export function handleReport(ctx: CoreContext, conn: Connection, f: ClientFrameOf<'report'>): void {
  const ref = { req: f.req, conv: f.conv };
  const record = memberOf(ctx, conn, f.conv, ref);
  if (!record) return;
  if (!ctx.conversations.getMessage(f.conv, f.seq)) return ctx.fail(conn, refusal('not_found', 'no such message'), ref);
  // The same person reporting the same message again (a double click, a retry) files no second report.
  if (ctx.conversations.openReportBy?.(f.conv, f.seq, conn.user) !== undefined) return ok(ctx, conn, f.req);
  const at = ctx.now();
  const report = ctx.conversations.addReport(f.conv, f.seq, conn.user, f.reason, at);
  ctx.events?.record({
    type: 'report.created',
    at,
    conv: f.conv,
    seq: record.lastSeq,
    data: { report, reporter: conn.user, seq: f.seq, ...(f.reason !== undefined ? { reason: f.reason } : {}) },
  });
  ok(ctx, conn, f.req);
}

/** Directory rows scanned per search; the policy filter may drop some. */
const CONTACT_SCAN = 60;
/** People returned per search. */
const CONTACT_PAGE = 20;

/** `contacts`: directory search, keeping only people the searcher may message. */
export function handleContacts(ctx: CoreContext, conn: Connection, f: ClientFrameOf<'contacts'>): void {
  const me = ctx.directory.getUser(conn.user);
  const found = ctx.directory.searchUsers((f.q ?? '').trim(), CONTACT_SCAN);
  const users = me
    ? found
        .filter((u) => u.id !== me.id && !ctx.directory.eitherBlocked(me.id, u.id) && ctx.policy.canMessage(me, u, ctx.directory) === true)
        .slice(0, CONTACT_PAGE)
    : [];
  ctx.reply(conn, { t: 'contacts', ...(f.req !== undefined ? { req: f.req } : {}), users });
}
