import { Server, type Connection as Socket, type ConnectionContext, type WSMessage } from 'partyserver';
import {
  CloseCode,
  directMembers,
  ErrorCode,
  LIMITS,
  parseClientFrame,
  utf8Length,
  type ClientFrame,
  type ClientFrameOf,
  type FrameRef,
  type ServerFrame,
} from '../../../src/protocol/index.js';
import { ChatCore } from '../../core/core.js';
import { GATED_MESSAGE, SendGate } from '../../core/gate.js';
import type { Connection } from '../../core/types.js';
import type { ProfileClaims } from '../../core/views.js';
import { conversationOf, directoryOf, inboxOf, limitsOf, policyOf, type Env } from './env.js';
import { factsFor, prefetch, type Reads } from './inbox-reads.js';
import { InboxStore } from './inbox-store.js';
import { durableSql } from './sql.js';
import { decodeClaims, PROFILE_HEADER, type Delivery, type Envelope } from './wire.js';

/** Frames about one conversation: its object handles them. */
const CONVERSATION_FRAMES = new Set<ClientFrame['t']>(['send', 'history', 'read', 'typing', 'leave', 'mute', 'report']);
/** Frames forwarded to one conversation in one call, at most. */
const MAX_BATCH = 64;

type Conversational = Extract<ClientFrame, { conv: string }>;

interface Forwarded {
  envelope: Envelope;
  ref: FrameRef;
  /** A send to a conversation the person's list lacks: it may create or rejoin it. */
  opens?: boolean;
  /** A send whose facts could not be read: refused in its turn, as if its call had failed. */
  unready?: boolean;
}

/**
 * One person: their sockets (hibernating between frames), their
 * conversation list with unread counts, their blocks and follows. Frames
 * about one conversation go to its object in per-conversation batches, in
 * the order they came; `hello`, `contacts`, `block` and `ping` are answered
 * here by the same core, over this person's data. Deliveries from
 * conversation objects update the list, then reach every socket.
 */
export class Inbox extends Server<Env> {
  static override options = { hibernate: true };

  private state?: { store: InboxStore; core: ChatCore };
  private readonly opened = new Map<string, Connection>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly queues = new Map<string, Forwarded[]>();
  /**
   * The core's send gate (Session.gate), per socket and conversation: the
   * first send refused for a retryable reason (its call failed, or its facts
   * could not be read), by socket id, then conversation. Until the client
   * sends that one again, the socket's later sends to the conversation are
   * refused too: they were on the wire before the client heard of the refusal,
   * and storing them first would break the sender's order (I5). Per
   * conversation, as each conversation object's core gates its own refusals:
   * sends to different conversations are stored independently anyway. Set and
   * checked only as `pump` works through the queue, so in the order the socket
   * sent the frames. Kept in memory: the frames it holds back arrive right
   * behind the refused one, long before the object could be evicted.
   */
  private readonly gates = new Map<string, Map<string, SendGate>>();
  /** Frames the core sends while one is being handled, released when its side effects are done. */
  private capture: [Socket, string][] | undefined;

  override onConnect(socket: Socket, ctx: ConnectionContext): Promise<void> {
    const claims = decodeClaims(ctx.request.headers.get(PROFILE_HEADER));
    return this.serial(socket.id, () => this.open(socket, claims));
  }

  override onMessage(socket: Socket, message: WSMessage): Promise<void> {
    const raw = typeof message === 'string' ? message : new TextDecoder().decode(message);
    if (utf8Length(raw) > LIMITS.hardFrameBytes) {
      this.forget(socket);
      socket.close(CloseCode.TooBig, 'frame too large');
      return Promise.resolve();
    }
    // Resolves once the frame is routed, not when it is answered: frames for one
    // conversation that arrive while a call is in flight go together in the next call.
    return this.serial(socket.id, () => this.handle(socket, raw));
  }

  override onClose(socket: Socket, code: number): void {
    this.forget(socket);
    // partyserver answers a Close frame only when it carried a code; answer the
    // others too, or the client waits for the TCP timeout to see the socket closed.
    if (code === 1005) {
      try {
        socket.close();
      } catch {
        // Already closed.
      }
    }
  }

  override onError(socket: Socket): void {
    this.forget(socket);
  }

  // RPC from conversation objects, other inboxes and the worker --------------

  /** Frames from a conversation for this person's sockets. */
  async deliver(conv: string, deliveries: Delivery[]): Promise<void> {
    this.apply(conv, deliveries);
  }

  /** Someone blocked (or unblocked) this person. */
  async noteBlock(blocker: string, blocked: boolean): Promise<void> {
    if (blocker !== this.name) this.live().store.setBlocked(blocker, this.name, blocked);
  }

  /** A follow between this person and someone else changed (the site's follow graph). */
  async setFollow(follower: string, followee: string, follows: boolean): Promise<void> {
    if ((follower === this.name) !== (followee === this.name)) this.live().store.setFollow(follower, followee, follows);
  }

  /** Closes every socket of the person with CloseCode.Revoked. */
  async revoke(): Promise<number> {
    let closed = 0;
    for (const socket of this.getConnections()) {
      this.forget(socket);
      socket.close(CloseCode.Revoked, 'access revoked');
      closed++;
    }
    return closed;
  }

  // Sockets --------------------------------------------------------------------

  private live() {
    if (!this.state) {
      const store = new InboxStore(durableSql(this.ctx.storage), this.name);
      const core = new ChatCore({
        storage: store,
        policy: policyOf(this.env),
        limits: limitsOf(this.env),
        onError: (e) => console.error('[pin-messaging] inbox', e),
      });
      this.state = { store, core };
      // Pings without a counter are answered without waking the object.
      this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"t":"ping"}', '{"t":"pong"}'));
    }
    return this.state;
  }

  private reads(): Reads {
    return { env: this.env, store: this.live().store, me: this.name };
  }

  /** Runs `task` after the socket's earlier frames, so each socket's frames are handled in order. */
  private serial(id: string, task: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(id) ?? Promise.resolve()).then(task).catch((e) => console.error('[pin-messaging] inbox', e));
    this.chains.set(id, next);
    void next.then(() => this.chains.get(id) === next && this.chains.delete(id));
    return next;
  }

  private async open(socket: Socket, claims: ProfileClaims): Promise<void> {
    const { store } = this.live();
    const directory = directoryOf(this.env);
    // The directory's profile is the base the token's claims are merged into.
    if (!store.getUser(this.name)) store.cacheUsers(await directory.get([this.name]));
    store.profileChanged = undefined;
    this.connection(socket, claims);
    const changed = store.profileChanged;
    // Others can find and message this person once the directory has the profile.
    if (changed) await directory.put(changed);
  }

  /** The core's handle on a socket, opened on first use (again after the object woke up). */
  private connection(socket: Socket, claims?: ProfileClaims): Connection {
    const known = this.opened.get(socket.id);
    if (known) return known;
    const conn: Connection = {
      id: socket.id,
      user: this.name,
      send: (frame) => (this.capture ? this.capture.push([socket, frame]) : sendTo(socket, frame)),
      close: (code, reason) => {
        this.forget(socket);
        socket.close(code, reason);
      },
    };
    this.opened.set(socket.id, conn);
    this.live().core.open(conn, claims);
    return conn;
  }

  private forget(socket: Socket): void {
    const conn = this.opened.get(socket.id);
    this.gates.delete(socket.id);
    if (!conn) return;
    this.opened.delete(socket.id);
    this.live().core.close(conn);
  }

  private async handle(socket: Socket, raw: string): Promise<void> {
    const conn = this.connection(socket);
    const parsed = parseClientFrame(raw);
    const frame = parsed.ok ? parsed.frame : undefined;
    const { core, store } = this.live();
    const origin = { user: this.name, socket: socket.id };
    if (frame && isConversational(frame) && this.forwardable(frame, socket.id)) {
      const ref = refOf(frame);
      let facts;
      try {
        facts = frame.t === 'send' ? await factsFor(this.reads(), frame) : undefined;
      } catch (error) {
        // The directory did not answer: refused in the frame's turn, so the gate it sets holds back only what came after it.
        console.error('[pin-messaging] inbox read failed', error instanceof Error ? error.message : error);
        return this.forward(frame.conv, { envelope: { origin, raw }, ref, unready: true });
      }
      const opens = frame.t === 'send' && !store.listed(frame.conv);
      // Stored before the call leaves: until its answer is applied, the frames
      // behind it follow it to the object, even across a restart or a lost reply.
      if (opens) store.setOpening(frame.conv, true);
      return this.forward(frame.conv, { envelope: { origin, raw, facts }, ref, opens });
    }
    try {
      if (frame) store.prefetched = await prefetch(this.reads(), frame);
    } catch (error) {
      // Another object did not answer (the directory, a conversation): the frame may be sent again.
      console.error('[pin-messaging] inbox read failed', error instanceof Error ? error.message : error);
      if (frame) this.refuse({ envelope: { origin, raw }, ref: refOf(frame) });
      return;
    }
    const held: [Socket, string][] = [];
    this.capture = held;
    try {
      core.receive(conn, raw);
    } finally {
      this.capture = undefined;
      store.prefetched = {};
    }
    if (frame?.t === 'block') await this.shareBlock(frame);
    for (const [target, data] of held) sendTo(target, data);
  }

  /**
   * Whether the conversation's object should see the frame. Frames about a
   * conversation this person is not in stop here, and the core refuses them
   * (`not_member`), so no object is made for a made-up id. A send that
   * names recipients may create one; a person may write again in a direct
   * conversation they left. Frames behind one already on its way follow it
   * (a send pipelined after the one creating the conversation), as do frames
   * after a creating send whose answer never came back (see InboxStore.opening).
   * A send behind a refused one goes the same way, to be admitted in its turn.
   */
  private forwardable(frame: Conversational, socket: string): boolean {
    const { store } = this.live();
    if (this.queues.has(frame.conv) || store.opening(frame.conv)) return true;
    if (frame.t === 'send' && this.gates.get(socket)?.get(frame.conv)?.closed) return true;
    const entry = store.entry(frame.conv);
    if (entry && !entry.left) return true;
    if (frame.t !== 'send') return false;
    return frame.to !== undefined || (entry?.left === true && (directMembers(frame.conv)?.includes(this.name) ?? false));
  }

  // Conversations ----------------------------------------------------------------

  private forward(conv: string, forwarded: Forwarded): void {
    const queue = this.queues.get(conv);
    if (queue) return void queue.push(forwarded);
    this.queues.set(conv, [forwarded]);
    void this.pump(conv);
  }

  /** One call in flight per conversation; frames that arrive meanwhile go in the next batch. */
  private async pump(conv: string): Promise<void> {
    const { store } = this.live();
    const queue = this.queues.get(conv)!;
    const target = conversationOf(this.env, conv);
    while (queue.length > 0) {
      const batch = this.admit(conv, queue);
      if (batch.length === 0) continue;
      // A list without the conversation gets its view with the reply, if the person
      // is a member: it was created, or rejoined, by a send whose answer was lost.
      const unlisted = !store.listed(conv);
      let replies: Delivery[][] | undefined;
      try {
        replies = await target.receive(batch.map((f) => (unlisted ? { ...f.envelope, unlisted } : f.envelope)));
      } catch (error) {
        console.error('[pin-messaging] conversation call failed', error instanceof Error ? error.message : error);
      }
      batch.forEach((forwarded, i) => {
        try {
          if (replies) this.apply(conv, replies[i]);
          else this.failed(conv, forwarded);
        } catch (error) {
          console.error('[pin-messaging] inbox', error);
        }
      });
      // Answered: the list now has the conversation, or its object said no. A lost
      // answer keeps the mark, so the next frames still go to the object.
      if (replies && !queue.some((f) => f.opens)) store.setOpening(conv, false);
    }
    this.queues.delete(conv);
  }

  /**
   * Takes the next frames for one call off the queue, in order: sends behind a
   * refused one are refused here (see `gates`), and a send whose facts could
   * not be read is refused in its turn, after the call carrying the frames
   * before it.
   */
  private admit(conv: string, queue: Forwarded[]): Forwarded[] {
    const batch: Forwarded[] = [];
    while (queue.length > 0 && batch.length < MAX_BATCH) {
      const next = queue[0];
      if (next.unready && batch.length > 0) break;
      queue.shift();
      if (!this.passGate(conv, next)) continue;
      if (next.unready) this.failed(conv, next);
      else batch.push(next);
    }
    return batch;
  }

  /** Whether a frame may go on: anything but a send passes; a send passes unless it is behind a refused one. */
  private passGate(conv: string, { envelope, ref }: Forwarded): boolean {
    const gate = this.gates.get(envelope.origin.socket)?.get(conv);
    if (ref.id === undefined || gate === undefined) return true;
    const retryAfter = gate.wait(ref.id, Date.now());
    if (retryAfter === 0) return true;
    this.refuse({ envelope, ref }, ErrorCode.RateLimited, GATED_MESSAGE, retryAfter);
    return false;
  }

  /**
   * Nothing is known of a frame whose call failed: the client may send it again
   * (dedup makes that safe). The first send so refused gates the socket's
   * later sends to the conversation.
   */
  private failed(conv: string, forwarded: Forwarded): void {
    const socket = forwarded.envelope.origin.socket;
    const id = forwarded.ref.id;
    if (id !== undefined && this.getConnection(socket)) {
      let gates = this.gates.get(socket);
      if (!gates) this.gates.set(socket, (gates = new Map()));
      let gate = gates.get(conv);
      if (!gate) gates.set(conv, (gate = new SendGate()));
      // No wait: the refusal of a failed call carries none, so held-back sends retry after 1 ms.
      gate.close(id, Date.now());
    }
    this.refuse(forwarded);
  }

  private refuse({ envelope, ref }: Forwarded, code: ErrorCode = ErrorCode.Internal, message = 'the server failed; try again', retryAfter?: number): void {
    const socket = this.getConnection(envelope.origin.socket);
    const frame: ServerFrame = { t: 'error', code, message, ...ref };
    if (retryAfter !== undefined) frame.retryAfter = retryAfter;
    if (socket) sendTo(socket, JSON.stringify(frame));
  }

  private apply(conv: string, deliveries: Delivery[]): void {
    const { store } = this.live();
    for (const d of deliveries) {
      if (d.only !== undefined) {
        const socket = this.getConnection(d.only);
        if (!socket) continue;
        if (d.close !== undefined) this.connection(socket).close(d.close, 'closed by the server');
        else sendTo(socket, d.frame);
        continue;
      }
      store.apply(conv, d);
      for (const socket of this.getConnections()) if (socket.id !== d.except) sendTo(socket, d.frame);
    }
  }

  /** The other person's inbox must know before the `ok`: their next send is checked against it. */
  private async shareBlock(frame: ClientFrameOf<'block'>): Promise<void> {
    const { store } = this.live();
    if (frame.user === this.name || !store.getUser(frame.user)) return;
    await inboxOf(this.env, frame.user).noteBlock(this.name, frame.blocked);
  }
}

function isConversational(frame: ClientFrame): frame is Conversational {
  return CONVERSATION_FRAMES.has(frame.t);
}

/** What an error about `frame` must name, so the client can tie it to its request or pending send. */
function refOf(frame: ClientFrame): FrameRef {
  const ref: FrameRef = {};
  if ('req' in frame && frame.req !== undefined) ref.req = frame.req;
  if (frame.t === 'send') ref.id = frame.id;
  if ('conv' in frame) ref.conv = frame.conv;
  return ref;
}

function sendTo(socket: Socket, frame: string): void {
  try {
    socket.send(frame);
  } catch {
    // Closing or closed: the client resumes from its cursors.
  }
}
