import * as v from 'valibot';

// Server -> client ------------------------------------------------------------
// Clients check the shape of these frames (types and required fields), not
// their content: whatever a server sends either passed its strict check of a
// client frame (schema.ts) or comes from its own records, so lengths, id
// patterns and URL safety are enforced there. Clients still render URLs only
// through `safeHref`. Shape checks keep most of valibot, and every client-frame
// schema, out of a browser bundle. Plain (not strict) objects: a newer server
// may add fields.

const id = v.string();
const seq = v.number();

export const UserSchema = v.object({
  id,
  name: v.string(),
  /** A picture URL; shown only when `safeHref` accepts it. */
  avatar: v.optional(v.string()),
  /** A brand account (brands may message only people who follow them back). */
  brand: v.optional(v.boolean()),
});

/** A pin as stored: normalised http(s) URLs and the `domain` of `url`, set by the server. */
const ServerPinSchema = v.object({
  url: v.string(),
  image: v.string(),
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
  id,
  from: id,
  /** Server time of storage, ms since the epoch. */
  at: v.number(),
  body: ServerBodySchema,
  /**
   * Set when the reader must not see the content: `blocked`, the sender is
   * someone the reader blocked (in a group they share). The body is then an
   * empty text; `seq`, `id`, `from` and `at` stay, so every member's log is one
   * and gapless. Older clients show an empty message.
   *
   * `deleted`, a tombstone: the message was unsent by its sender, removed by
   * a moderator, or its sender was erased (`from` is then DELETED_USER). Its
   * body is an empty text for every reader, for good.
   */
  hidden: v.optional(v.picklist(['blocked', 'deleted'])),
});

export const ConversationSchema = v.object({
  id,
  kind: v.picklist(['direct', 'group']),
  members: v.array(id),
  title: v.optional(v.string()),
  createdBy: id,
  createdAt: v.number(),
  /** Sequence number of the newest message (0 when empty). */
  lastSeq: seq,
  last: v.optional(MessageSchema),
  /** Messages from others after the reader's read marker. */
  unread: seq,
  muted: v.boolean(),
  /** Read marker per member. */
  reads: v.record(v.string(), seq),
});

const req = v.optional(v.string());

export const ServerFrameSchema = v.variant('t', [
  v.object({
    t: v.literal('welcome'),
    v: v.literal(1),
    me: UserSchema,
    conversations: v.array(ConversationSchema),
    users: v.array(UserSchema),
    /** People the signed-in person has blocked. */
    blocked: v.array(id),
  }),
  v.object({ t: v.literal('conv'), conv: ConversationSchema, users: v.optional(v.array(UserSchema)) }),
  /** The person is no longer a member (left on this or another device). */
  v.object({ t: v.literal('gone'), conv: id }),
  v.object({ t: v.literal('msg'), conv: id, m: MessageSchema }),
  /**
   * A message became a tombstone (`m`, with `hidden: 'deleted'`): replace the
   * row of the same `seq`. Clients that do not know the frame ignore it and
   * see the tombstone the next time they load that history.
   */
  v.object({ t: v.literal('deleted'), conv: id, seq, m: MessageSchema }),
  v.object({
    t: v.literal('ack'),
    conv: id,
    id,
    seq,
    at: v.number(),
    /** The message had been stored before: this acknowledges the first copy. */
    dup: v.optional(v.boolean()),
  }),
  v.object({
    t: v.literal('history'),
    req,
    conv: id,
    /** Ascending by seq. */
    messages: v.array(MessageSchema),
    /** More messages exist beyond this page in the direction asked. */
    hasMore: v.boolean(),
  }),
  v.object({ t: v.literal('read'), conv: id, user: id, seq }),
  v.object({ t: v.literal('typing'), conv: id, user: id }),
  v.object({ t: v.literal('contacts'), req, users: v.array(UserSchema) }),
  v.object({ t: v.literal('blocked'), user: id, blocked: v.boolean() }),
  v.object({ t: v.literal('ok'), req: v.string() }),
  v.object({
    t: v.literal('error'),
    code: v.string(),
    message: v.string(),
    req,
    conv: v.optional(id),
    id: v.optional(id),
    /** For rate_limited: milliseconds to wait before retrying. */
    retryAfter: v.optional(v.number()),
  }),
  v.object({ t: v.literal('pong'), n: v.optional(v.number()) }),
]);

export type Pin = v.InferOutput<typeof ServerPinSchema>;
export type StoredBody = v.InferOutput<typeof ServerBodySchema>;
export type ServerFrame = v.InferOutput<typeof ServerFrameSchema>;
export type User = v.InferOutput<typeof UserSchema>;
export type Message = v.InferOutput<typeof MessageSchema>;
export type Conversation = v.InferOutput<typeof ConversationSchema>;
export type ServerFrameOf<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>;
