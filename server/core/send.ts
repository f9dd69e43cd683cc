import { directConversationId, directMembers, LIMITS, storedBody, type ClientFrameOf, type FrameRef } from '../../src/protocol/index.js';
import { notMember, refusal, type CoreContext, type Refusal } from './context.js';
import type { Connection, ConversationRecord } from './types.js';
import { conversationView, profiles } from './views.js';

type SendFrame = ClientFrameOf<'send'>;

/**
 * `send`: creates the conversation on a first send with `to`, deduplicates by
 * (conversation, sender, client id), stores with the next sequence number,
 * acknowledges the sending socket and delivers to every other socket of every
 * member. Sends to an existing direct conversation are checked against blocks
 * and the policy every time.
 */
export function handleSend(ctx: CoreContext, conn: Connection, frame: SendFrame): void {
  const ref: FrameRef = { id: frame.id, conv: frame.conv };
  const existing = ctx.storage.getConversation(frame.conv);
  const record = existing ? admitToExisting(ctx, conn, frame, existing, ref) : create(ctx, conn, frame, ref);
  if (!record) return;

  const { message, duplicate } = ctx.storage.append(record.id, conn.user, frame.id, storedBody(frame.body), ctx.now());
  ctx.reply(conn, { t: 'ack', conv: record.id, id: frame.id, seq: message.seq, at: message.at, ...(duplicate ? { dup: true } : {}) });
  if (!duplicate) ctx.broadcast(record.members, { t: 'msg', conv: record.id, m: message }, conn);
}

/** Checks a send to a conversation that exists; undefined when refused or already answered. */
function admitToExisting(
  ctx: CoreContext,
  conn: Connection,
  frame: SendFrame,
  record: ConversationRecord,
  ref: FrameRef,
): ConversationRecord | undefined {
  const pair = record.kind === 'direct' ? directMembers(record.id) : undefined;
  // One of the two people of a direct conversation may always write in it
  // again after leaving it (leaving a direct conversation hides it).
  const member = record.members.includes(conn.user) || (pair?.includes(conn.user) ?? false);
  if (!member) return notMember(ctx, conn, ref);

  const stored = ctx.storage.findByClientId(record.id, conn.user, frame.id);
  if (stored) {
    ctx.reply(conn, { t: 'ack', conv: record.id, id: frame.id, seq: stored.seq, at: stored.at, dup: true });
    return undefined;
  }
  if (!spendToken(ctx, conn, ref)) return undefined;
  if (!pair) return record;

  const other = pair[0] === conn.user ? pair[1] : pair[0];
  const problem = checkPair(ctx, conn.user, other);
  if (problem) return void ctx.fail(conn, problem, ref);
  return restoreMembers(ctx, record, pair);
}

/** Creates the conversation a first send names; undefined when refused. */
function create(ctx: CoreContext, conn: Connection, frame: SendFrame, ref: FrameRef): ConversationRecord | undefined {
  const planned = plan(ctx, conn.user, frame);
  if ('code' in planned) return void ctx.fail(conn, planned, ref);
  if (!spendToken(ctx, conn, ref)) return undefined;
  ctx.storage.createConversation(planned);
  // Every member learns about the conversation before its first message.
  const view = conversationView(ctx.storage, planned, conn.user);
  ctx.broadcast(planned.members, { t: 'conv', conv: view, users: profiles(ctx.storage, planned.members) });
  return planned;
}

function plan(ctx: CoreContext, sender: string, frame: SendFrame): ConversationRecord | Refusal {
  if (!frame.to) return refusal('not_member', 'no such conversation: name the recipients in `to` to start it');
  const members = [...new Set([sender, ...frame.to])];
  if (members.length < 2) return refusal('bad_frame', 'a conversation needs someone besides you');
  if (members.length > LIMITS.members) {
    return refusal('too_many_members', `a conversation has at most ${LIMITS.members} people`);
  }
  const direct = frame.conv.startsWith('dm:');
  if (direct && (members.length !== 2 || directConversationId(members[0], members[1]) !== frame.conv)) {
    return refusal('conflict', 'a direct conversation id must name you and the one recipient');
  }
  for (const other of members.slice(1)) {
    const problem = checkPair(ctx, sender, other);
    if (problem) return problem;
  }
  const record: ConversationRecord = {
    id: frame.conv,
    kind: direct ? 'direct' : 'group',
    members,
    createdBy: sender,
    createdAt: ctx.now(),
    lastSeq: 0,
  };
  if (!direct && frame.title !== undefined && frame.title.trim()) record.title = frame.title.trim();
  return record;
}

/** Why `from` may not message `to`, or undefined when they may. */
function checkPair(ctx: CoreContext, from: string, to: string): Refusal | undefined {
  const sender = ctx.storage.getUser(from);
  const recipient = ctx.storage.getUser(to);
  if (!recipient) return refusal('unknown_user', `unknown user ${JSON.stringify(to)}`);
  if (!sender) return refusal('unknown_user', 'your profile is not in the directory');
  if (ctx.storage.eitherBlocked(from, to)) return refusal('blocked', `you cannot message ${recipient.name}`);
  const verdict = ctx.policy.canMessage(sender, recipient, ctx.storage);
  return verdict === true ? undefined : refusal('forbidden', verdict);
}

function spendToken(ctx: CoreContext, conn: Connection, ref: FrameRef): boolean {
  const wait = ctx.takeSendToken(conn.user);
  if (wait === 0) return true;
  ctx.fail(conn, { code: 'rate_limited', message: 'too many messages: slow down', retryAfter: wait }, ref);
  return false;
}

/** Puts back whoever of the two had left a direct conversation, and tells them. */
function restoreMembers(ctx: CoreContext, record: ConversationRecord, pair: [string, string]): ConversationRecord {
  const missing = pair.filter((user) => !record.members.includes(user));
  if (missing.length === 0) return record;
  for (const user of missing) ctx.storage.addMember(record.id, user);
  const restored = { ...record, members: [...record.members, ...missing] };
  for (const user of restored.members) {
    ctx.broadcast([user], { t: 'conv', conv: conversationView(ctx.storage, restored, user), users: profiles(ctx.storage, pair) });
  }
  return restored;
}
