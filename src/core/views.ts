import { checkHttpUrl, USER_ID, type Message } from '../protocol/index.js';
import type { Conversation, ConversationRecord, DirectoryPort, StoragePorts, User } from './types.js';

/**
 * What a reader who blocked the sender gets instead of a message: its place
 * in the log (seq, id, sender, time) without its content, so every member
 * sees one gapless sequence and nobody learns from a hole that something was
 * withheld from them.
 */
export function withheld(message: Message): Message {
  return { seq: message.seq, id: message.id, from: message.from, at: message.at, body: { kind: 'text', text: '' }, hidden: 'blocked' };
}

/**
 * `messages` of group `conv` as `reader` may see them: messages from people
 * the reader blocked are withheld. Direct conversations need no filter: a
 * blocked pair cannot write to each other there. `blocked`, the reader's
 * blocks, when the caller has already read them.
 */
export function withheldPage(directory: DirectoryPort, conv: string, reader: string, messages: Message[], blocked?: readonly string[]): Message[] {
  if (messages.length === 0 || conv.startsWith('dm:')) return messages;
  return hideFrom(blocked ?? directory.blockedBy(reader), conv, messages);
}

function hideFrom(blocked: readonly string[], conv: string, messages: Message[]): Message[] {
  if (blocked.length === 0 || conv.startsWith('dm:')) return messages;
  return messages.map((m) => (blocked.includes(m.from) && m.hidden !== 'deleted' ? withheld(m) : m));
}

/** A deleted message: its place in the log (seq, id, time) and nothing else; `from` replaced when given (erasure). */
export function tombstone(message: Message, from = message.from): Message {
  return { seq: message.seq, id: message.id, from, at: message.at, body: { kind: 'text', text: '' }, hidden: 'deleted' };
}

/**
 * A conversation as one reader sees it (their unread count and mute flag).
 * `blocked`, the reader's blocks, when the caller has already read them (a
 * welcome lists every conversation of one reader).
 */
export function conversationView(
  { directory, conversations }: StoragePorts,
  record: ConversationRecord,
  reader: string,
  blocked: readonly string[] = directory.blockedBy(reader),
): Conversation {
  const stored = record.lastSeq > 0 ? conversations.getMessage(record.id, record.lastSeq) : undefined;
  const last = stored && hideFrom(blocked, record.id, [stored])[0];
  const view: Conversation = {
    id: record.id,
    kind: record.kind,
    members: record.members,
    createdBy: record.createdBy,
    createdAt: record.createdAt,
    lastSeq: record.lastSeq,
    unread: conversations.unreadCount(record.id, reader, blocked),
    muted: conversations.isMuted(record.id, reader),
    reads: conversations.reads(record.id),
  };
  if (record.title !== undefined) view.title = record.title;
  if (last) view.last = last;
  return view;
}

/** Profiles of `ids` that are in the directory, each once. */
export function profiles(directory: DirectoryPort, ids: Iterable<string>): User[] {
  const users: User[] = [];
  for (const id of new Set(ids)) {
    const user = directory.getUser(id);
    if (user) users.push(user);
  }
  return users;
}

/** A user with only the fields the wire carries (no `brand: false`, no empty avatar). */
export function normaliseUser(user: User): User {
  const out: User = { id: user.id, name: user.name };
  if (user.avatar) out.avatar = user.avatar;
  if (user.brand) out.brand = true;
  return out;
}

/** The wire schema caps names at 200 UTF-16 units. */
const NAME_UNITS = 200;

/** `s` cut to at most `units` UTF-16 units without splitting a surrogate pair. */
function clip(s: string, units: number): string {
  if (s.length <= units) return s;
  const cut = s.slice(0, units);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** Profile fields a host passes from token claims; checked here because claims are input too. */
export type ProfileClaims = Partial<Omit<User, 'id'>>;

/**
 * The profile to store for `id` after a sign-in with `claims`, or undefined
 * when nothing changed (no write on every connection).
 */
export function mergeProfile(id: string, existing: User | undefined, claims: ProfileClaims = {}): User | undefined {
  if (!USER_ID.test(id)) throw new Error('invalid user id');
  const name = typeof claims.name === 'string' && claims.name.trim() ? clip(claims.name.trim(), NAME_UNITS) : undefined;
  const avatar = typeof claims.avatar === 'string' ? checkHttpUrl(claims.avatar) : undefined;
  const next = normaliseUser({
    id,
    name: name ?? existing?.name ?? id,
    avatar: avatar?.ok ? avatar.href : existing?.avatar,
    brand: typeof claims.brand === 'boolean' ? claims.brand : existing?.brand,
  });
  if (existing && JSON.stringify(normaliseUser(existing)) === JSON.stringify(next)) return undefined;
  return next;
}
