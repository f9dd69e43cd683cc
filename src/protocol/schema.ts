import * as v from 'valibot';
import { ErrorCode } from './codes.js';
import { LIMITS } from './limits.js';
import { checkHttpUrl } from './url.js';

// Identifiers -----------------------------------------------------------------

export const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/;
/** `dm:<a>:<b>` with a < b for two people; `g:<random>` for a group. */
export const CONVERSATION_ID = /^(?:dm:[A-Za-z0-9_-]{1,64}:[A-Za-z0-9_-]{1,64}|g:[A-Za-z0-9_-]{8,64})$/;

const userId = v.pipe(v.string(), v.regex(USER_ID, 'a user id is 1-64 of A-Z a-z 0-9 _ -'));
const clientId = v.pipe(v.string(), v.regex(CLIENT_ID, 'a message id is 8-64 of A-Z a-z 0-9 _ -'));
const conversationId = v.pipe(v.string(), v.regex(CONVERSATION_ID, 'not a conversation id'));
const seq = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const reqId = v.pipe(v.string(), v.maxLength(64));
const timestamp = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

function text(max: number, what: string) {
  return v.pipe(v.string(), v.maxCodePoints(max, `${ErrorCode.TooLong}: ${what} is over ${max} characters`));
}

const httpUrl = v.pipe(
  v.string(),
  v.check((raw) => checkHttpUrl(raw).ok, `${ErrorCode.UnsafeUrl}: only absolute http(s) URLs without credentials are accepted`),
);

// Message bodies --------------------------------------------------------------

export const PinSchema = v.strictObject({
  /** The page the pin links to. */
  url: httpUrl,
  /** The pin's image. */
  image: httpUrl,
  title: v.pipe(text(LIMITS.titleCodePoints, 'the title'), v.minLength(1, 'a pin needs a title')),
  description: v.optional(text(LIMITS.descriptionCodePoints, 'the description')),
  /** The page's host. Servers overwrite it with the host of `url`, so it cannot lie. */
  domain: v.optional(v.pipe(v.string(), v.maxLength(253))),
});

export const TextBodySchema = v.strictObject({
  kind: v.literal('text'),
  text: v.pipe(text(LIMITS.textCodePoints, 'the text'), v.check((s) => s.trim().length > 0, 'a text message cannot be blank')),
});

export const PinBodySchema = v.strictObject({
  kind: v.literal('pin'),
  pin: PinSchema,
  note: v.optional(text(LIMITS.textCodePoints, 'the note')),
});

export const BodySchema = v.variant('kind', [TextBodySchema, PinBodySchema]);

// Client -> server ------------------------------------------------------------

export const HelloFrame = v.strictObject({
  t: v.literal('hello'),
  v: v.literal(1),
  /** Last sequence number seen per conversation: the server replays what came after. */
  cursors: v.optional(v.pipe(v.record(conversationId, seq), v.maxEntries(LIMITS.cursors))),
  /** Sends the client has not seen acknowledged: the server re-acknowledges those it stored. */
  pending: v.optional(
    v.pipe(v.array(v.strictObject({ conv: conversationId, id: clientId })), v.maxLength(LIMITS.pending)),
  ),
});

export const SendFrame = v.strictObject({
  t: v.literal('send'),
  conv: conversationId,
  /** Client-made id: the server stores each (conversation, sender, id) once. */
  id: clientId,
  /** Members besides the sender, to create the conversation on first send. */
  to: v.optional(
    v.pipe(
      v.array(userId),
      v.minLength(1),
      v.maxLength(LIMITS.members - 1, `${ErrorCode.TooManyMembers}: a conversation has at most ${LIMITS.members} people`),
    ),
  ),
  /** Group title, used only when this send creates a group. */
  title: v.optional(text(LIMITS.titleCodePoints, 'the title')),
  body: BodySchema,
});

export const HistoryFrame = v.strictObject({
  t: v.literal('history'),
  req: v.optional(reqId),
  conv: conversationId,
  /** Messages with seq < before, newest first page (older history). */
  before: v.optional(seq),
  /** Messages with seq > after (catching up). */
  after: v.optional(seq),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(LIMITS.historyPage))),
});

export const ReadFrame = v.strictObject({ t: v.literal('read'), conv: conversationId, seq });
export const TypingFrame = v.strictObject({ t: v.literal('typing'), conv: conversationId });
export const LeaveFrame = v.strictObject({ t: v.literal('leave'), req: v.optional(reqId), conv: conversationId });
export const MuteFrame = v.strictObject({
  t: v.literal('mute'),
  req: v.optional(reqId),
  conv: conversationId,
  muted: v.boolean(),
});
export const BlockFrame = v.strictObject({
  t: v.literal('block'),
  req: v.optional(reqId),
  user: userId,
  blocked: v.boolean(),
});
export const ReportFrame = v.strictObject({
  t: v.literal('report'),
  req: v.optional(reqId),
  conv: conversationId,
  seq,
  reason: v.optional(text(LIMITS.reportReasonCodePoints, 'the reason')),
});
export const ContactsFrame = v.strictObject({
  t: v.literal('contacts'),
  req: v.optional(reqId),
  q: v.optional(v.pipe(v.string(), v.maxLength(100))),
});
export const PingFrame = v.strictObject({ t: v.literal('ping'), n: v.optional(v.number()) });

export const ClientFrameSchema = v.variant('t', [
  HelloFrame,
  SendFrame,
  HistoryFrame,
  ReadFrame,
  TypingFrame,
  LeaveFrame,
  MuteFrame,
  BlockFrame,
  ReportFrame,
  ContactsFrame,
  PingFrame,
]);

// Server -> client ------------------------------------------------------------
// Clients parse these with plain (not strict) objects: a newer server may add fields.

export const UserSchema = v.object({
  id: userId,
  name: v.pipe(v.string(), v.maxLength(200)),
  avatar: v.optional(httpUrl),
  /** A brand account (brands may message only people who follow them back). */
  brand: v.optional(v.boolean()),
});

const ServerPinSchema = v.object({
  url: httpUrl,
  image: httpUrl,
  title: v.string(),
  description: v.optional(v.string()),
  domain: v.string(),
});

const ServerBodySchema = v.variant('kind', [
  v.object({ kind: v.literal('text'), text: v.string() }),
  v.object({ kind: v.literal('pin'), pin: ServerPinSchema, note: v.optional(v.string()) }),
]);

export const MessageSchema = v.object({
  seq,
  id: clientId,
  from: userId,
  /** Server time of storage, ms since the epoch. */
  at: timestamp,
  body: ServerBodySchema,
});

export const ConversationSchema = v.object({
  id: conversationId,
  kind: v.picklist(['direct', 'group']),
  members: v.array(userId),
  title: v.optional(v.string()),
  createdBy: userId,
  createdAt: timestamp,
  /** Sequence number of the newest message (0 when empty). */
  lastSeq: seq,
  last: v.optional(MessageSchema),
  /** Messages from others after the reader's read marker. */
  unread: seq,
  muted: v.boolean(),
  /** Read marker per member. */
  reads: v.record(userId, seq),
});

export const ServerFrameSchema = v.variant('t', [
  v.object({
    t: v.literal('welcome'),
    v: v.literal(1),
    me: UserSchema,
    conversations: v.array(ConversationSchema),
    users: v.array(UserSchema),
    /** People the signed-in person has blocked. */
    blocked: v.array(userId),
  }),
  v.object({ t: v.literal('conv'), conv: ConversationSchema, users: v.optional(v.array(UserSchema)) }),
  /** The person is no longer a member (left on this or another device). */
  v.object({ t: v.literal('gone'), conv: conversationId }),
  v.object({ t: v.literal('msg'), conv: conversationId, m: MessageSchema }),
  v.object({
    t: v.literal('ack'),
    conv: conversationId,
    id: clientId,
    seq,
    at: timestamp,
    /** The message had been stored before: this acknowledges the first copy. */
    dup: v.optional(v.boolean()),
  }),
  v.object({
    t: v.literal('history'),
    req: v.optional(reqId),
    conv: conversationId,
    /** Ascending by seq. */
    messages: v.array(MessageSchema),
    /** More messages exist beyond this page in the direction asked. */
    hasMore: v.boolean(),
  }),
  v.object({ t: v.literal('read'), conv: conversationId, user: userId, seq }),
  v.object({ t: v.literal('typing'), conv: conversationId, user: userId }),
  v.object({ t: v.literal('contacts'), req: v.optional(reqId), users: v.array(UserSchema) }),
  v.object({ t: v.literal('blocked'), user: userId, blocked: v.boolean() }),
  v.object({ t: v.literal('ok'), req: reqId }),
  v.object({
    t: v.literal('error'),
    code: v.string(),
    message: v.string(),
    req: v.optional(reqId),
    conv: v.optional(conversationId),
    id: v.optional(clientId),
    /** For rate_limited: milliseconds to wait before retrying. */
    retryAfter: v.optional(v.number()),
  }),
  v.object({ t: v.literal('pong'), n: v.optional(v.number()) }),
]);

// Types -----------------------------------------------------------------------

export type Pin = v.InferOutput<typeof ServerPinSchema>;
export type PinInput = v.InferOutput<typeof PinSchema>;
export type Body = v.InferOutput<typeof BodySchema>;
export type StoredBody = v.InferOutput<typeof ServerBodySchema>;
export type ClientFrame = v.InferOutput<typeof ClientFrameSchema>;
export type ServerFrame = v.InferOutput<typeof ServerFrameSchema>;
export type User = v.InferOutput<typeof UserSchema>;
export type Message = v.InferOutput<typeof MessageSchema>;
export type Conversation = v.InferOutput<typeof ConversationSchema>;
export type ClientFrameOf<T extends ClientFrame['t']> = Extract<ClientFrame, { t: T }>;
export type ServerFrameOf<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>;
