import {
  checkHttpUrl,
  directMembers,
  isPrivateHost,
  storedBody,
  type ClientFrameOf,
  type FrameRef,
  type Message,
} from '../protocol/index.js';
import { notMember, refusal, within, type CoreContext, type Refusal } from './context.js';
import { checkMembers, checkPair, creationShape } from './creation.js';
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
  const existing = ctx.conversations.getConversation(frame.conv);
  const record = existing ? admitToExisting(ctx, conn, frame, existing, ref) : create(ctx, conn, frame, ref);
  if (!record) return;

  const { message, duplicate } = ctx.conversations.append(record.id, conn.user, frame.id, storedBody(frame.body), ctx.now());
  // Read once for the event and the fan-out: it is a query per send on SQL storage.
  const hiding = duplicate ? [] : hidingFrom(ctx, record, message.from);
  if (!duplicate) recordMessage(ctx, record, message, hiding);
  ctx.reply(conn, { t: 'ack', conv: record.id, id: frame.id, seq: message.seq, at: message.at, ...(duplicate ? { dup: true } : {}) });
  if (!duplicate) deliver(ctx, record, message, conn, hiding);
}

/**
 * The members who blocked `sender`: in a group they get the sender's messages
 * withheld. None in a direct conversation, where a blocked person cannot send.
 */
function hidingFrom(ctx: CoreContext, record: ConversationRecord, sender: string): string[] {
  if (record.kind !== 'group') return [];
  return (ctx.directory.blockersOf?.(sender) ?? []).filter((user) => record.members.includes(user));
}

/** `message.created`, naming the members a host may notify because no socket of theirs got it. */
function recordMessage(ctx: CoreContext, record: ConversationRecord, message: Message, hiding: readonly string[]): void {
  if (!ctx.events) return;
  const offline = record.members.filter((user) => user !== message.from && !hiding.includes(user) && !ctx.isOnline(user));
  ctx.events.record({
    type: 'message.created',
    at: message.at,
    conv: record.id,
    seq: message.seq,
    data: { message, members: [...record.members], offline },
  });
}

/**
 * Sends a new message to every other socket of every member; in a group,
 * members who blocked the sender get it withheld (see `withheld`).
 */
function deliver(ctx: CoreContext, record: ConversationRecord, message: Message, skip: Connection, hiding: readonly string[]): void {
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

  const stored = ctx.conversations.findByClientId(record.id, conn.user, frame.id);
  if (stored) {
    ctx.reply(conn, { t: 'ack', conv: record.id, id: frame.id, seq: stored.seq, at: stored.at, dup: true });
    return undefined;
  }
  if (!pair) return record;

  const other = pair[0] === conn.user ? pair[1] : pair[0];
  const problem = checkPair(ctx.directory, ctx.policy, conn.user, other);
  if (problem) return void ctx.fail(conn, problem, ref);
  return restoreMembers(ctx, record, pair);
}

/** Creates the conversation a first send names; undefined when refused. */
function create(ctx: CoreContext, conn: Connection, frame: SendFrame, ref: FrameRef): ConversationRecord | undefined {
  const planned = plan(ctx, conn.user, frame);
  if ('code' in planned) return void ctx.fail(conn, planned, ref);
  if (!within(ctx, conn, ctx.takeCreation(conn.user), 'too many new conversations', ref)) return undefined;
  ctx.conversations.createConversation(planned);
  ctx.events?.record({
    type: 'conversation.created',
    at: planned.createdAt,
    conv: planned.id,
    seq: 0,
    data: {
      kind: planned.kind,
      members: [...planned.members],
      createdBy: planned.createdBy,
      ...(planned.title !== undefined ? { title: planned.title } : {}),
    },
  });
  // Every member learns about the conversation before its first message.
  const view = conversationView(ctx, planned, conn.user);
  ctx.broadcast(planned.members, { t: 'conv', conv: view, users: profiles(ctx.directory, planned.members) });
  return planned;
}

function plan(ctx: CoreContext, sender: string, frame: SendFrame): ConversationRecord | Refusal {
  const shape = creationShape(sender, frame);
  if ('code' in shape) return shape;
  const problem = checkMembers(ctx.directory, ctx.policy, shape.members);
  if (problem) return problem;
  const record: ConversationRecord = {
    id: frame.conv,
    kind: shape.direct ? 'direct' : 'group',
    members: shape.members,
    createdBy: sender,
    createdAt: ctx.now(),
    lastSeq: 0,
  };
  if (!shape.direct && frame.title !== undefined && frame.title.trim()) record.title = frame.title.trim();
  return record;
}

/** Puts back whoever of the two had left a direct conversation, and tells them. */
function restoreMembers(ctx: CoreContext, record: ConversationRecord, pair: [string, string]): ConversationRecord {
  const missing = pair.filter((user) => !record.members.includes(user));
  if (missing.length === 0) return record;
  for (const user of missing) ctx.conversations.addMember(record.id, user);
  const restored = { ...record, members: [...record.members, ...missing] };
  for (const user of restored.members) {
    ctx.broadcast([user], { t: 'conv', conv: conversationView(ctx, restored, user), users: profiles(ctx.directory, pair) });
  }
  return restored;
}
