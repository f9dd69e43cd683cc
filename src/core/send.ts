import {
  checkHttpUrl,
  directConversationId,
  directMembers,
  isPrivateHost,
  LIMITS,
  storedBody,
  type ClientFrameOf,
  type FrameRef,
  type Message,
} from '../protocol/index.js';
import { notMember, refusal, within, type CoreContext, type Refusal } from './context.js';
import type { Connection, ConversationRecord } from './types.js';
import { conversationView, profiles, withheld } from './views.js';

type SendFrame = ClientFrameOf<'send'>;

/**
 * `send`: creates the conversation on a first send with `to`, deduplicates by
 * (conversation, sender, client id), stores with the next sequence number,
 * acknowledges the sending socket and delivers to every other socket of every
 * member. Sends to an existing direct conversation are checked against blocks
 * and the policy every time.
 *
 * Every send spends a send token before anything else is looked at, refused
 * or duplicate ones too: a refusal costs the server work as well, and a flood
 * of them must slow down like any other.
 */
export function handleSend(ctx: CoreContext, conn: Connection, frame: SendFrame): void {
  const ref: FrameRef = { id: frame.id, conv: frame.conv };
  if (!within(ctx, conn, ctx.takeSendToken(conn.user), 'too many messages', ref)) return;
  const problem = ctx.limits.allowPrivateUrls ? undefined : privatePin(frame);
  if (problem) return ctx.fail(conn, problem, ref);
  const existing = ctx.storage.getConversation(frame.conv);
  const record = existing ? admitToExisting(ctx, conn, frame, existing, ref) : create(ctx, conn, frame, ref);
  if (!record) return;

  const { message, duplicate } = ctx.storage.append(record.id, conn.user, frame.id, storedBody(frame.body), ctx.now());
  ctx.reply(conn, { t: 'ack', conv: record.id, id: frame.id, seq: message.seq, at: message.at, ...(duplicate ? { dup: true } : {}) });
  if (!duplicate) deliver(ctx, record, message, conn);
}

/**
 * Sends a new message to every other socket of every member; in a group,
 * members who blocked the sender get it withheld (see `withheld`).
 */
function deliver(ctx: CoreContext, record: ConversationRecord, message: Message, skip: Connection): void {
  const blockers = record.kind === 'group' ? (ctx.storage.blockersOf?.(message.from) ?? []) : [];
  const hiding = blockers.filter((user) => record.members.includes(user));
  if (hiding.length === 0) return ctx.broadcast(record.members, { t: 'msg', conv: record.id, m: message }, skip);
  ctx.broadcast(
    record.members.filter((user) => !hiding.includes(user)),
    { t: 'msg', conv: record.id, m: message },
    skip,
  );
  ctx.broadcast(hiding, { t: 'msg', conv: record.id, m: withheld(message) });
}

/** The refusal of a pin whose page or image is on a private network (when the deployment does not allow them). */
export function privatePin(frame: SendFrame): Refusal | undefined {
  if (frame.body.kind !== 'pin') return undefined;
  for (const raw of [frame.body.pin.url, frame.body.pin.image]) {
    const url = checkHttpUrl(raw);
    if (url.ok && isPrivateHost(url.host)) {
      return refusal('unsafe_url', 'pins cannot point at loopback, private or link-local addresses');
    }
  }
  return undefined;
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
  if (!within(ctx, conn, ctx.takeCreation(conn.user), 'too many new conversations', ref)) return undefined;
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
  // Nobody is put in a group with someone they blocked, or who blocked them.
  for (let i = 1; i < members.length; i++) {
    for (let j = i + 1; j < members.length; j++) {
      if (ctx.storage.eitherBlocked(members[i], members[j])) {
        return refusal('blocked', 'some of these people cannot be in one conversation');
      }
    }
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
