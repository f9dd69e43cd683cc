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
/** Deletes one of the sender's own messages for everyone: it becomes a tombstone (`hidden: 'deleted'`). */
export const UnsendFrame = v.strictObject({ t: v.literal('unsend'), req: v.optional(reqId), conv: conversationId, seq });
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
  UnsendFrame,
]);

// Types -----------------------------------------------------------------------

export type PinInput = v.InferOutput<typeof PinSchema>;
export type Body = v.InferOutput<typeof BodySchema>;
export type ClientFrame = v.InferOutput<typeof ClientFrameSchema>;
export type ClientFrameOf<T extends ClientFrame['t']> = Extract<ClientFrame, { t: T }>;
