import type { Conversation, Message, StoredBody, User } from '../protocol/index.js';
import type { EventPort } from './events.js';

/**
 * One authenticated socket of one person. The core never sees the socket
 * itself: a host (the Node server, a Durable Object, the in-memory transport)
 * wraps it in this shape after it has checked the token and the Origin.
 */
export interface Connection {
  /** Unique per socket for the life of the process. */
  readonly id: string;
  /** The token's subject; never taken from a frame. */
  readonly user: string;
  /** Sends one serialised server frame. Must not throw. */
  send(frame: string): void;
  /** Closes the socket with a close code from CloseCode. */
  close(code: number, reason: string): void;
}

/** A stored conversation row, before per-reader fields are added. */
export interface ConversationRecord {
  id: string;
  kind: 'direct' | 'group';
  members: string[];
  title?: string;
  createdBy: string;
  createdAt: number;
  lastSeq: number;
}

/** A stored abuse report (read by moderation tools; the stores list them with `reports()`). */
export interface ReportRecord {
  /** Made by the store when the report is filed. */
  id?: string;
  conv: string;
  seq: number;
  reporter: string;
  reason?: string;
  at: number;
}

/** Result of storing a message: either the new message or the copy stored before. */
export type AppendResult = { message: Message; duplicate: boolean };

/**
 * The people half of the core's persistence: profiles, directory search,
 * blocks and follows. On Cloudflare each person's inbox owns these rows; in
 * Node one SQL file holds them beside the conversations.
 *
 * Every method of both ports is synchronous, because both SQLite hosts (libsql
 * in Node, Durable Object SQL storage) are, and a synchronous store makes "one
 * writer per conversation" hold without locks.
 */
export interface DirectoryPort {
  getUser(id: string): User | undefined;
  /** Inserts or updates a profile (from token claims or a directory sync). */
  putUser(user: User): void;
  /** Directory search for the contact picker, at most `limit` rows. */
  searchUsers(query: string, limit: number): User[];

  /** People `user` has blocked. */
  blockedBy(user: string): string[];
  setBlocked(user: string, other: string, blocked: boolean): void;
  /** True when either person has blocked the other. */
  eitherBlocked(a: string, b: string): boolean;

  /**
   * People who have blocked `user`. Optional: a directory that cannot answer
   * it (the facts a Durable Object conversation gets, whose members' inboxes
   * hide blocked senders themselves) leaves it out, and the core then sends
   * every member every message as it is.
   */
  blockersOf?(user: string): string[];

  /** Whether `follower` follows `followee` (for the brand policy). */
  follows(follower: string, followee: string): boolean;
  setFollow(follower: string, followee: string, follows: boolean): void;

  /**
   * Erasure: the profile, and every block and follow naming `user` in either
   * direction. Optional: a directory that holds no rows (the facts a
   * conversation object is given) has nothing to forget.
   */
  forgetUser?(user: string): void;
}

/**
 * The conversations half of the core's persistence: conversation rows and
 * their members, messages, read markers, mutes and reports. On Cloudflare
 * each conversation's object owns its rows and is their only writer.
 * `append` must be atomic and durable before it returns: the core
 * acknowledges right after it.
 */
export interface ConversationPort {
  getConversation(id: string): ConversationRecord | undefined;
  createConversation(record: ConversationRecord): void;
  /** Conversations the user is a member of, newest activity first. */
  conversationsOf(user: string): ConversationRecord[];
  removeMember(conv: string, user: string): void;
  /** Adds a member at the end of the member list (no-op if already a member). */
  addMember(conv: string, user: string): void;

  /**
   * Stores a message with the next sequence number of its conversation, or
   * returns the message already stored under (conv, from, id).
   */
  append(conv: string, from: string, id: string, body: StoredBody, at: number): AppendResult;
  findByClientId(conv: string, from: string, id: string): Message | undefined;
  getMessage(conv: string, seq: number): Message | undefined;
  /** Up to `limit` messages with seq > after, ascending. */
  messagesAfter(conv: string, after: number, limit: number): Message[];
  /** Up to `limit` messages with seq < before, returned ascending (the newest of them). */
  messagesBefore(conv: string, before: number, limit: number): Message[];

  /** Read markers: seq per member. */
  reads(conv: string): Record<string, number>;
  /** Raises (never lowers) a member's read marker; returns the marker now stored. */
  setRead(conv: string, user: string, seq: number): number;
  /**
   * Messages from others with seq above the user's read marker, not counting
   * tombstones (`hidden: 'deleted'`) nor those from `hidden` (people the user blocked: they reach them as
   * placeholders). The core passes the directory's answer; a store that also
   * holds blocks may fall back to its own when `hidden` is left out.
   */
  unreadCount(conv: string, user: string, hidden?: readonly string[]): number;

  isMuted(conv: string, user: string): boolean;
  setMuted(conv: string, user: string, muted: boolean): void;

  /** Stores a report; returns its id. */
  addReport(conv: string, seq: number, reporter: string, reason: string | undefined, at: number): string;
  /**
   * The id of a report `reporter` filed on this message that moderators have
   * not resolved yet, if any: reporting it again files nothing new. Optional:
   * without it every report is filed.
   */
  openReportBy?(conv: string, seq: number, reporter: string): string | undefined;

  /**
   * Makes a message a tombstone (`hidden: 'deleted'`, an empty text body;
   * `seq`, `id` and `at` kept) and, given `from`, names that sender instead.
   * Returns the tombstone, or undefined when there is no such message.
   */
  deleteMessage(conv: string, seq: number, from?: string): Message | undefined;

  // Erasure (the server API). Optional: a port that holds no messages (a
  // person's conversation list on Cloudflare) leaves them out.

  /** Conversations holding anything of `user`: a membership, a message, a read marker, a mute (left ones too). */
  conversationsTouching?(user: string): string[];
  /**
   * Everything of `user` in `conv`: their messages become tombstones from
   * `replacement`, their membership, read marker and mute go, the
   * conversation's creator and the reports they filed name `replacement`,
   * and the title of a group they created (their words) is cleared.
   * Returns the seqs of the tombstones, ascending.
   */
  eraseMember?(conv: string, user: string, replacement: string): number[];
  /** A direct conversation goes whole: the conversation, its members, messages, reads, mutes and reports. */
  deleteConversation?(conv: string): void;
}

/** Both ports, as the core reads them. */
export interface StoragePorts {
  readonly directory: DirectoryPort;
  readonly conversations: ConversationPort;
  /** Where events for the host's backend are recorded (webhooks); left out, none are. */
  readonly events?: EventPort;
}

/**
 * One store holding both halves (the SQL store, `MemoryStorage`): what
 * `new ChatCore({ storage })` takes.
 */
export interface ChatStorage extends DirectoryPort, ConversationPort {}

/**
 * Decides who may start a conversation with whom. Checked when a
 * conversation is created and on every send (a brand unfollowed since).
 * Return `true` to allow, or a short reason shown to the sender.
 */
export interface MessagingPolicy {
  readonly name: string;
  canMessage(from: User, to: User, directory: DirectoryPort): true | string;
}

/** Tunable limits of a server (the protocol's size limits are fixed). */
export interface ServerLimits {
  /** Sends allowed in a burst, per person. */
  rateBurst: number;
  /** Sends per second sustained, per person. */
  ratePerSecond: number;
  /** Invalid frames in a row after which the socket is closed as abusive. */
  abuseThreshold: number;
  /**
   * Refused frames in a row (not a member, unknown person, blocked, over a
   * limit...) after which the socket is closed as abusive (default 100: above
   * what a client's send window can have in flight when its sends are refused).
   */
  refusalThreshold?: number;
  /** Minimum interval between typing broadcasts per person and conversation, ms. */
  typingIntervalMs: number;
  /** Frames of any type allowed in a burst, per person across their sockets (default 200). */
  frameBurst?: number;
  /** Frames of any type per second sustained, per person across their sockets (default 100). */
  framesPerSecond?: number;
  /**
   * Replay work allowed in a burst, per person (default 100): a history page
   * costs 1, a `hello` 1 per 50 conversations listed plus 1 per conversation
   * whose missed messages it replays.
   */
  replayBurst?: number;
  /** Replay work per second sustained, per person (default 20). */
  replayPerSecond?: number;
  /** Conversations a person may create in a burst (default 20). */
  createBurst?: number;
  /** Conversations a person may create per minute, sustained (default 30). */
  createPerMinute?: number;
  /**
   * Accept pin and image URLs whose host is loopback, private, link-local or
   * `localhost` (intranet deployments). Off by default: recipients' browsers
   * fetch pin images, so such a URL reaches into their own network.
   */
  allowPrivateUrls?: boolean;
}

export type { Conversation, Message, StoredBody, User };
export type { EventData, EventPort, PinEvent, PinEventInput } from './events.js';

/**
 * What a host calls for each of its connections: open, receive, close,
 * revoke. Implemented by `ChatCore` in `src/core/core.ts`:
 * `new ChatCore({ storage, policy?, limits?, now? })`.
 */
export interface ConnectionHandler {
  /**
   * Registers a socket whose token and Origin the host has already checked.
   * `profile` (name, avatar from token claims) is upserted into the directory.
   * Nothing is sent until the client's `hello`.
   */
  open(conn: Connection, profile?: Partial<Omit<User, 'id'>>): void;
  /** Handles one text frame from the socket: validates, authorises, applies, replies. */
  receive(conn: Connection, raw: string): void;
  /** Forgets a socket that closed. */
  close(conn: Connection): void;
  /** Closes every socket of `user` with CloseCode.Revoked. */
  revoke(user: string): void;
}

/** @deprecated The former name of {@link ConnectionHandler}, kept for existing imports. */
export type ChatHost = ConnectionHandler;
