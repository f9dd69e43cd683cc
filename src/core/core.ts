import {
  checkClientFrame,
  CloseCode,
  ErrorCode,
  readClientFrame,
  RETRYABLE_ERRORS,
  type ClientFrame,
  type FrameRef,
  type ServerFrame,
} from '../protocol/index.js';
import { within, type CoreContext, type Refusal } from './context.js';
import { deleteMessage, eraseFromConversations, handleUnsend } from './deletion.js';
import type { EventPort } from './events.js';
import { GATED_MESSAGE, SendGate } from './gate.js';
import { handleHello } from './hello.js';
import { anyoneInDirectory } from './policies.js';
import { RateLimiter, Throttle } from './rate.js';
import {
  handleBlock,
  handleContacts,
  handleHistory,
  handleLeave,
  handleMute,
  handleRead,
  handleReport,
  handleTyping,
} from './requests.js';
import { handleSend } from './send.js';
import type {
  ChatStorage,
  Connection,
  ConnectionHandler,
  ConversationPort,
  DirectoryPort,
  MessagingPolicy,
  ServerLimits,
} from './types.js';
import { mergeProfile, type ProfileClaims } from './views.js';

/** Cursors of a repeated `hello` per unit of replay budget (as conversations listed, in hello.ts). */
const HELLO_CURSORS_PER_UNIT = 50;

export const DEFAULT_LIMITS: Readonly<Required<ServerLimits>> = {
  rateBurst: 20,
  ratePerSecond: 5,
  abuseThreshold: 20,
  refusalThreshold: 100,
  typingIntervalMs: 2000,
  frameBurst: 200,
  framesPerSecond: 100,
  replayBurst: 100,
  replayPerSecond: 20,
  createBurst: 20,
  createPerMinute: 30,
  allowPrivateUrls: false,
};

/**
 * Where the core keeps its data: one store holding both halves, or each half
 * apart (a host whose people and conversations live in different places).
 */
export type CoreStorage = { storage: ChatStorage } | { directory: DirectoryPort; conversations: ConversationPort };

export type ChatCoreOptions = CoreStorage & {
  /** Who may message whom; default {@link anyoneInDirectory}. */
  policy?: MessagingPolicy;
  limits?: Partial<ServerLimits>;
  /** Clock, ms since the epoch (tests inject one). */
  now?: () => number;
  /** Records events for the host's backend in the storage transaction (webhooks); none by default. */
  events?: EventPort;
  /** Called with unexpected errors; never given message contents. */
  onError?: (error: unknown) => void;
};

interface Session {
  readonly conn: Connection;
  /** Invalid frames in a row. */
  bad: number;
  /** Refused frames in a row, invalid ones included. */
  strikes: number;
  /** Whether the frame being handled was refused. */
  refused: boolean;
  /** Whether the socket has said `hello`: the first is always answered, later ones are charged. */
  greeted: boolean;
  /** Every send on this socket waits behind the first one refused for a retryable reason (I5). */
  gate: SendGate;
}

/**
 * The conversation core: validates and authorises every frame, stores
 * messages, and fans them out to the sockets of the members. Pure TypeScript
 * with synchronous storage, so it runs unchanged in Node or a Durable Object.
 */
export class ChatCore implements ConnectionHandler, CoreContext {
  readonly directory: DirectoryPort;
  readonly conversations: ConversationPort;
  readonly events?: EventPort;
  readonly policy: MessagingPolicy;
  readonly limits: Required<ServerLimits>;
  readonly now: () => number;

  private readonly sessions = new Map<string, Session>();
  private readonly sockets = new Map<string, Set<Connection>>();
  private readonly sendRate: RateLimiter;
  private readonly frameRate: RateLimiter;
  private readonly replayRate: RateLimiter;
  private readonly createRate: RateLimiter;
  private readonly typing: Throttle;
  private readonly onError: (error: unknown) => void;

  constructor(options: ChatCoreOptions) {
    if ('storage' in options) this.directory = this.conversations = options.storage;
    else ({ directory: this.directory, conversations: this.conversations } = options);
    this.events = options.events;
    this.policy = options.policy ?? anyoneInDirectory;
    this.limits = { ...DEFAULT_LIMITS, ...definedOnly(options.limits ?? {}) };
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? ((error) => console.error('[pin-messaging] internal error', error));
    this.sendRate = new RateLimiter(this.limits.rateBurst, this.limits.ratePerSecond, this.now);
    this.frameRate = new RateLimiter(this.limits.frameBurst, this.limits.framesPerSecond, this.now);
    this.replayRate = new RateLimiter(this.limits.replayBurst, this.limits.replayPerSecond, this.now);
    this.createRate = new RateLimiter(this.limits.createBurst, this.limits.createPerMinute / 60, this.now);
    this.typing = new Throttle(this.limits.typingIntervalMs, this.now);
  }

  // ConnectionHandler ------------------------------------------------------------------

  open(conn: Connection, profile?: ProfileClaims): void {
    const updated = mergeProfile(conn.user, this.directory.getUser(conn.user), profile);
    if (updated) this.directory.putUser(updated);
    this.sessions.set(conn.id, { conn, bad: 0, strikes: 0, refused: false, greeted: false, gate: new SendGate() });
    let set = this.sockets.get(conn.user);
    if (!set) this.sockets.set(conn.user, (set = new Set()));
    set.add(conn);
  }

  receive(conn: Connection, raw: string): void {
    const session = this.sessions.get(conn.id);
    if (!session) return;
    // Every frame spends from its person's budget, across all their sockets,
    // whatever becomes of it: refused and invalid frames cost the server work too.
    // The budget is charged after the cheap reading (size, shape, JSON) and
    // before the schema, so a flood over budget costs no validation.
    const read = readClientFrame(raw);
    session.refused = false;
    const wait = this.frameRate.take(conn.user);
    if (wait > 0) this.fail(conn, { code: ErrorCode.RateLimited, message: 'too many frames', retryAfter: wait }, read.ref);
    else if (!read.ok) this.invalid(session, read);
    else if (this.repeatedHelloAffordable(session, read.value)) {
      const parsed = checkClientFrame(read.value, read.ref);
      if (!parsed.ok) this.invalid(session, parsed);
      else {
        session.bad = 0;
        // Sends also wait behind a refused one (the ordering gate).
        if (parsed.frame.t !== 'send' || this.passGate(session, parsed.frame.id)) this.handle(session, parsed.frame, refOf(parsed.frame));
      }
    }
    if (!this.sessions.has(conn.id)) return;
    if (!session.refused) session.strikes = 0;
    else if (++session.strikes > this.limits.refusalThreshold) this.drop(conn, CloseCode.Abuse, 'too many refused frames');
  }

  private invalid(session: Session, failure: Refusal & { ref: FrameRef }): void {
    this.fail(session.conn, failure, failure.ref);
    if (++session.bad > this.limits.abuseThreshold) this.drop(session.conn, CloseCode.Abuse, 'too many invalid frames');
  }

  /**
   * A socket's first `hello` is always answered; a later one pays for its
   * cursors from the replay budget before it is even validated, or is refused.
   */
  private repeatedHelloAffordable(session: Session, value: unknown): boolean {
    const frame = value as { t?: unknown; cursors?: unknown };
    if (frame.t !== 'hello' || !session.greeted) return true;
    const cursors = typeof frame.cursors === 'object' && frame.cursors !== null ? Object.keys(frame.cursors).length : 0;
    const wait = this.replayRate.take(session.conn.user, 1 + Math.floor(cursors / HELLO_CURSORS_PER_UNIT));
    return within(this, session.conn, wait, 'too many hellos', {});
  }

  private handle(session: Session, frame: ClientFrame, ref: FrameRef): void {
    try {
      this.dispatch(session, frame);
    } catch (error) {
      this.onError(error);
      this.fail(session.conn, { code: ErrorCode.Internal, message: 'the server failed; try again' }, ref);
    }
  }

  close(conn: Connection): void {
    this.sessions.delete(conn.id);
    const set = this.sockets.get(conn.user);
    if (set?.delete(conn) && set.size === 0) this.sockets.delete(conn.user);
  }

  revoke(user: string): void {
    for (const conn of [...(this.sockets.get(user) ?? [])]) this.drop(conn, CloseCode.Revoked, 'access revoked');
  }

  /** Makes a message a tombstone and tells the members' sockets (moderation); undefined when there is none. */
  deleteMessage(conv: string, seq: number) {
    return deleteMessage(this, conv, seq);
  }

  /** Erases `user` from the conversations (see eraseFromConversations), then closes their sockets. */
  eraseFromConversations(user: string): void {
    eraseFromConversations(this, user);
    this.revoke(user);
  }

  /** Closes every socket of a banned person with CloseCode.Banned (the host refuses new ones). */
  ban(user: string, until: number | null): void {
    for (const conn of [...(this.sockets.get(user) ?? [])]) this.drop(conn, CloseCode.Banned, bannedReason(until));
  }

  /** Open sockets, for health checks. */
  get connections(): number {
    return this.sessions.size;
  }

  // CoreContext ---------------------------------------------------------------

  reply(conn: Connection, frame: ServerFrame): void {
    conn.send(JSON.stringify(frame));
  }

  broadcast(users: readonly string[], frame: ServerFrame, skip?: Connection): void {
    let data: string | undefined;
    for (const user of users) {
      const set = this.sockets.get(user);
      if (!set) continue;
      for (const conn of set) {
        if (conn !== skip) conn.send((data ??= JSON.stringify(frame)));
      }
    }
  }

  fail(conn: Connection, refusal: Refusal, ref: FrameRef): void {
    const session = this.sessions.get(conn.id);
    if (session && refusal.code !== ErrorCode.Internal) session.refused = true;
    // A refused copy of a send already stored is not awaited again: its sender
    // holds the ack and never resends it, so the gate would stay shut.
    if (session && ref.id !== undefined && RETRYABLE_ERRORS.has(refusal.code) && !this.stored(conn.user, ref)) {
      session.gate.close(ref.id, this.now() + (refusal.retryAfter ?? 0));
    }
    const frame: ServerFrame = { t: 'error', code: refusal.code, message: refusal.message };
    if (ref.req !== undefined) frame.req = ref.req;
    if (ref.id !== undefined) frame.id = ref.id;
    if (ref.conv !== undefined) frame.conv = ref.conv;
    if (refusal.retryAfter !== undefined) frame.retryAfter = refusal.retryAfter;
    this.reply(conn, frame);
  }

  takeSendToken(user: string): number {
    return this.sendRate.take(user);
  }

  takeReplay(user: string, cost: number): number {
    return this.replayRate.take(user, cost);
  }

  takeCreation(user: string): number {
    return this.createRate.take(user);
  }

  isOnline(user: string): boolean {
    return this.sockets.has(user);
  }

  typingDue(user: string, conv: string): boolean {
    return this.typing.pass(`${user} ${conv}`);
  }

  // Internals -----------------------------------------------------------------

  private stored(user: string, { conv, id }: FrameRef): boolean {
    if (conv === undefined || id === undefined) return false;
    try {
      return this.conversations.findByClientId(conv, user, id) !== undefined;
    } catch {
      return false;
    }
  }

  /** Refuses sends behind a refused one until the client sends that one again (see Session.gate). */
  private passGate(session: Session, id: string): boolean {
    const retryAfter = session.gate.wait(id, this.now());
    if (retryAfter === 0) return true;
    this.fail(session.conn, { code: ErrorCode.RateLimited, message: GATED_MESSAGE, retryAfter }, { id });
    return false;
  }

  private dispatch(session: Session, frame: ClientFrame): void {
    const { conn } = session;
    switch (frame.t) {
      case 'hello': {
        const first = !session.greeted;
        session.greeted = true;
        return handleHello(this, conn, frame, first);
      }
      case 'send':
        return handleSend(this, conn, frame);
      case 'history':
        return handleHistory(this, conn, frame);
      case 'read':
        return handleRead(this, conn, frame);
      case 'typing':
        return handleTyping(this, conn, frame);
      case 'leave':
        return handleLeave(this, conn, frame);
      case 'mute':
        return handleMute(this, conn, frame);
      case 'block':
        return handleBlock(this, conn, frame);
      case 'report':
        return handleReport(this, conn, frame);
      case 'contacts':
        return handleContacts(this, conn, frame);
      case 'unsend':
        return handleUnsend(this, conn, frame);
      case 'ping':
        return this.reply(conn, frame.n === undefined ? { t: 'pong' } : { t: 'pong', n: frame.n });
    }
  }

  /** Stops delivering to a socket at once, then asks the host to close it. */
  private drop(conn: Connection, code: number, reason: string): void {
    this.close(conn);
    conn.close(code, reason);
  }
}

/** The close reason of a banned person's socket (at most 123 bytes, as a close frame allows). */
export function bannedReason(until: number | null): string {
  return until === null ? 'banned' : `banned until ${new Date(until).toISOString()}`;
}

function refOf(frame: ClientFrame): FrameRef {
  const ref: FrameRef = {};
  if ('req' in frame && frame.req !== undefined) ref.req = frame.req;
  if ('id' in frame) ref.id = frame.id;
  if ('conv' in frame) ref.conv = frame.conv;
  return ref;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as Partial<T>;
}
