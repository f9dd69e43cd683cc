import { atom, onMount, type ReadableAtom, type WritableAtom } from 'nanostores';
import {
  directConversationId,
  newGroupId,
  RETRYABLE_ERRORS,
  type Body,
  type Conversation,
  type ErrorCode,
  type Message,
  type PinInput,
  type ServerFrame,
  type User,
} from '../protocol/index.js';
import { MEMBERS } from '../protocol/limit-values.js';
import type { Transport } from '../transport/types.js';
import { createConnection, type Connection, type ConnectionStatus } from './connection.js';
import { waitOf, type SliceContext } from './context.js';
import { createDelivery, type Delivery } from './delivery.js';
import { createDirectory, type Directory, type Incoming } from './directory.js';
import { ChatError } from './error.js';
import { createHeads, pageStorage, type Heads, type HeadsStorage } from './heads.js';
import type { OutboxEntry } from './outbox.js';
import type { OutboxStorage } from './outbox-storage.js';
import { createRequests, type Requests } from './requests.js';
import { keepSnapshots, type SnapshotKeeper, type SnapshotStorage } from './snapshot-storage.js';
import { createTimelines, type Timelines, type TimelineState } from './timelines.js';
import { createTyping, type Typing } from './typing.js';

export { ConnectionStatus } from './connection.js';
export type { Incoming } from './directory.js';
export { ChatError } from './error.js';
export type { TimelineState } from './timelines.js';

export interface ChatClientOptions {
  /** The signed-in person's id (the transport's room). */
  user: string;
  transport: Transport;
  /** Where unsent messages persist; IndexedDB in browsers by default. */
  outboxStorage?: OutboxStorage;
  /** Sends in flight at once. */
  window?: number;
  ackTimeoutMs?: number;
  /** Shortest wait before trying again after a `rate_limited` refusal (default 50 ms). */
  minRetryMs?: number;
  requestTimeoutMs?: number;
  now?: () => number;
  /** Where dismissed heads are remembered across reloads (localStorage by default; null: not at all). */
  headsStorage?: HeadsStorage | null;
  /** Where the conversation list is kept for a start without the server (none by default; `connect()` uses IndexedDB). */
  snapshotStorage?: SnapshotStorage;
}

export interface SendPinOptions {
  /** Recipients' ids (up to 9: a group of 10 with the sender). */
  to: readonly string[];
  pin: PinInput;
  note?: string;
  /** One group conversation, or a separate conversation with each person. Default: separate. */
  mode?: 'group' | 'separate';
  /** Title for a new group. */
  title?: string;
}

/**
 * The state bus: nanostores that the elements render, and actions they call.
 * It owns the protocol: hello and resume on every socket, the outbox, gap
 * filling, read markers, typing. Elements never touch a socket.
 *
 * A facade over slices that each own their stores (connection, requests,
 * conversations and people, timelines, heads, typing, delivery); what one
 * slice's change means for another is wired here, and nowhere else.
 */
export class ChatClient {
  readonly user: string;
  declare readonly $status: WritableAtom<ConnectionStatus>;
  declare readonly $me: WritableAtom<User | undefined>;
  declare readonly $users: WritableAtom<Readonly<Record<string, User>>>;
  declare readonly $conversations: WritableAtom<Readonly<Record<string, Conversation>>>;
  /** Conversations, most recent activity first. */
  declare readonly $conversationList: ReadableAtom<Conversation[]>;
  declare readonly $outbox: WritableAtom<readonly OutboxEntry[]>;
  /** Who is typing, per conversation. */
  declare readonly $typing: WritableAtom<Readonly<Record<string, readonly string[]>>>;
  /** Conversations shown as chat heads, front first. */
  declare readonly $heads: WritableAtom<readonly string[]>;
  declare readonly $blocked: WritableAtom<readonly string[]>;
  /**
   * A message from someone else that just became its conversation's newest:
   * news to announce, as opposed to history loaded or a catch-up after a
   * (re)connect, which only the unread counts show. Read it with `listen`.
   */
  declare readonly $incoming: ReadableAtom<Incoming | undefined>;
  /** The last error the server sent that no pending send or request claimed. */
  declare readonly $lastError: WritableAtom<ChatError | undefined>;

  readonly #connection: Connection;
  readonly #requests: Requests;
  readonly #directory: Directory;
  readonly #timelines: Timelines;
  readonly #heads: Heads;
  readonly #typing: Typing;
  readonly #delivery: Delivery;
  readonly #snapshot: SnapshotKeeper | undefined;
  readonly #ctx: SliceContext;
  #started = false;
  #explicit = false;
  #holders = 0;

  constructor(options: ChatClientOptions) {
    const user = (this.user = options.user);
    const transport = options.transport;
    const ctx: SliceContext = (this.#ctx = {
      user,
      transport,
      now: options.now ?? Date.now,
      minRetryMs: options.minRetryMs ?? 50,
      send: (frame) => transport.send(JSON.stringify(frame)),
    });
    const directory = (this.#directory = createDirectory(user));
    const requests = (this.#requests = createRequests(ctx, options.requestTimeoutMs ?? 15_000));
    const timelines = (this.#timelines = createTimelines(ctx, requests, directory.get));
    const heads = (this.#heads = createHeads(user, options.headsStorage === undefined ? pageStorage() : (options.headsStorage ?? undefined)));
    const typing = (this.#typing = createTyping(ctx));
    const delivery = (this.#delivery = createDelivery(ctx, {
      storage: options.outboxStorage,
      window: options.window,
      ackTimeoutMs: options.ackTimeoutMs,
    }));
    this.#connection = createConnection(ctx, {
      resume: () => ({ cursors: timelines.cursors(), pending: delivery.pending() }),
      frame: (frame) => this.#handle(frame),
      ready: () => delivery.resume(),
      pause: (ms) => delivery.pause(ms),
      closed: () => {
        delivery.suspend();
        timelines.stop();
        requests.fail('disconnected');
      },
    });
    // Each slice's stores, under the names the elements have always read.
    Object.assign(this, this.#connection.stores, directory.stores, heads.stores, typing.stores, delivery.stores, {
      $lastError: atom<ChatError | undefined>(undefined),
    });
    this.#snapshot = options.snapshotStorage && keepSnapshots(this, options.snapshotStorage);
    // Lazy connection: the first subscriber to these stores (an element) opens it, and the
    // last one to leave closes it, unless `start()` asked for it explicitly.
    for (const $store of [this.$status, this.$heads, this.$conversations, this.$outbox] as const) {
      onMount($store, () => {
        if (++this.#holders === 1) this.#open();
        return () => {
          if (--this.#holders === 0 && !this.#explicit) this.#close();
        };
      });
    }
  }

  // Lifecycle ------------------------------------------------------------------

  /** Connects and starts sending, and stays connected without subscribers until `stop()`. Idempotent. */
  start(): void {
    this.#explicit = true;
    this.#open();
  }

  /** Disconnects. Unsent messages stay in the outbox storage for the next start or another tab. */
  stop(): void {
    this.#explicit = false;
    this.#close();
  }

  /** Stops and releases the outbox storage (its entries become another tab's to send). */
  destroy(): void {
    this.stop();
    this.#delivery.close();
  }

  #open(): void {
    if (this.#started) return;
    this.#started = true;
    // The keeper watches the stores before the socket can fill them.
    this.#snapshot?.start();
    this.#connection.open();
    this.#delivery.start();
  }

  #close(): void {
    if (!this.#started) return;
    this.#started = false;
    this.#snapshot?.stop();
    this.#delivery.stop();
    this.#requests.fail('stopped');
    this.#timelines.stop();
    this.#typing.stop();
    this.#connection.close();
  }

  // Reading ---------------------------------------------------------------------

  /** One conversation's loaded history. The same store is returned for the same id. */
  timeline(conv: string): ReadableAtom<TimelineState> {
    return this.#timelines.get(conv);
  }

  /** The person's unsent messages in one conversation, oldest first. */
  pendingIn(conv: string): OutboxEntry[] {
    return this.$outbox.get().filter((e) => e.conv === conv);
  }

  // Actions ---------------------------------------------------------------------

  /** Queues a text message. Resolves with its id once it is safely queued. */
  async sendText(conv: string, text: string): Promise<string> {
    return this.#queue(conv, { kind: 'text', text }, this.#membersToCreate(conv));
  }

  /** Sends a pin, with an optional note, to each person or to one group. */
  async sendPin(options: SendPinOptions): Promise<{ conv: string; id: string }[]> {
    const to = [...new Set(options.to)].filter((u) => u !== this.user);
    if (to.length === 0) throw new ChatError('bad_frame', 'pick at least one person');
    if (to.length > MEMBERS - 1) {
      throw new ChatError('too_many_members', `a conversation holds at most ${MEMBERS} people`);
    }
    const body: Body = { kind: 'pin', pin: options.pin, ...(options.note?.trim() ? { note: options.note } : {}) };
    const targets =
      options.mode === 'group' && to.length > 1
        ? [{ conv: newGroupId(), to }]
        : to.map((u) => ({ conv: directConversationId(this.user, u), to: [u] }));
    const sent: { conv: string; id: string }[] = [];
    for (const target of targets) {
      const create = this.#directory.get(target.conv) ? undefined : target.to;
      const id = await this.#queue(target.conv, body, create, options.mode === 'group' ? options.title : undefined);
      sent.push({ conv: target.conv, id });
    }
    return sent;
  }

  retry(id: string): void {
    this.#delivery.retry(id);
  }

  discard(id: string): void {
    this.#delivery.discard(id);
  }

  /** Loads the page of history before the oldest message held. */
  async loadOlder(conv: string, limit = 50): Promise<void> {
    return this.#timelines.loadOlder(conv, limit);
  }

  /** Shows a conversation's head in front and makes sure its latest messages are loaded. */
  async openConversation(conv: string): Promise<void> {
    this.showHead(conv);
    const t = this.#timelines.get(conv).get();
    if (t.messages.length < 20 && t.hasOlder) await this.loadOlder(conv);
  }

  /** Marks everything loaded in the conversation as read. */
  markRead(conv: string): void {
    const c = this.#directory.get(conv);
    if (!c) return;
    const seq = Math.min(this.#timelines.get(conv).get().hi, c.lastSeq);
    const marker = c.reads[this.user] ?? 0;
    const unread = seq >= c.lastSeq ? 0 : c.unread;
    if (seq <= marker && unread === c.unread) return;
    this.#directory.patch(conv, { reads: { ...c.reads, [this.user]: Math.max(seq, marker) }, unread });
    if (seq > marker) this.#ctx.send({ t: 'read', conv, seq });
  }

  /** Tells the others that the person is typing (throttled). */
  typing(conv: string): void {
    this.#typing.send(conv);
  }

  async leave(conv: string): Promise<void> {
    await this.#requests.request<'ok'>({ t: 'leave', conv });
    this.#forget(conv);
  }

  async mute(conv: string, muted: boolean): Promise<void> {
    await this.#requests.request<'ok'>({ t: 'mute', conv, muted });
    this.#directory.patch(conv, { muted });
  }

  async block(user: string, blocked: boolean): Promise<void> {
    await this.#requests.request<'ok'>({ t: 'block', user, blocked });
    this.#directory.setBlocked(user, blocked);
  }

  /**
   * Deletes one of the person's own messages for everyone: every member's
   * panel shows it as deleted. Refused with `forbidden` for someone else's
   * message, `not_found` for a seq the conversation does not have.
   */
  async unsend(conv: string, seq: number): Promise<void> {
    await this.#requests.request<'ok'>({ t: 'unsend', conv, seq });
    this.#onDeleted(conv, seq, this.#timelines.get(conv).get().messages.find((m) => m.seq === seq));
  }

  async report(conv: string, seq: number, reason?: string): Promise<void> {
    await this.#requests.request<'ok'>({ t: 'report', conv, seq, ...(reason ? { reason } : {}) });
  }

  /** People the person may message, filtered by `query`. */
  async searchContacts(query = ''): Promise<User[]> {
    const reply = await this.#requests.request<'contacts'>({ t: 'contacts', q: query });
    this.#directory.mergeUsers(reply.users);
    return reply.users;
  }

  /** Brings a conversation's head to the front. */
  showHead(conv: string): void {
    this.#heads.show(conv);
  }

  /** Hides a head. This is not leaving: a new message brings it back. */
  dismissHead(conv: string): void {
    this.#heads.dismiss(conv, this.#directory.get(conv)?.lastSeq ?? 0);
  }

  // Server frames: where one slice's news reaches the others ---------------------

  #handle(frame: ServerFrame): void {
    const directory = this.#directory;
    switch (frame.t) {
      case 'welcome':
        directory.welcome(frame);
        this.#timelines.reseed(frame.conversations);
        this.#heads.reset(this.$conversationList.get());
        return this.#connection.welcomed();
      case 'conv':
        if (frame.users) directory.mergeUsers(frame.users);
        if (directory.upsert(frame.conv) && !this.#heads.isDismissed(frame.conv.id)) this.showHead(frame.conv.id);
        return;
      case 'gone':
        return this.#forget(frame.conv);
      case 'msg':
        return this.#onMsg(frame.conv, frame.m);
      case 'deleted':
        return this.#onDeleted(frame.conv, frame.seq, frame.m);
      case 'ack': {
        const m = this.#delivery.acknowledged(frame);
        if (!m) return;
        const c = directory.get(frame.conv);
        if (c) directory.bump(c, m, false);
        return this.#timelines.merge(frame.conv, [m]);
      }
      case 'history':
        // Unrequested pages are the replay after `hello`.
        return void (this.#requests.settle(frame.req, frame) || this.#timelines.replayed(frame));
      case 'read':
        return this.#onRead(frame.conv, frame.user, frame.seq);
      case 'typing':
        return this.#typing.seen(frame.conv, frame.user);
      case 'blocked':
        return directory.setBlocked(frame.user, frame.blocked);
      case 'error':
        return this.#onError(frame);
      case 'contacts':
      case 'ok':
        return void this.#requests.settle(frame.req, frame);
      case 'pong':
        return this.#connection.pong();
    }
  }

  #onMsg(conv: string, m: Message): void {
    const c = this.#directory.get(conv);
    if (!c) return;
    // A placeholder for someone this person blocked is nothing to read or to pop a head for.
    const fromOther = m.from !== this.user && !m.hidden;
    this.#directory.bump(c, m, fromOther && m.seq > (c.reads[this.user] ?? 0));
    this.#timelines.merge(conv, [m]);
    if (fromOther) {
      this.#typing.clear(conv, m.from);
      this.showHead(conv);
    }
  }

  /** A message became a tombstone: its row, and the conversation's `last` if it is that one. */
  #onDeleted(conv: string, seq: number, m: Message | undefined): void {
    if (!m) return;
    const held = this.#timelines.get(conv).get().messages.find((row) => row.seq === seq);
    const dead: Message = m.hidden === 'deleted' ? m : { seq, id: m.id, from: m.from, at: m.at, body: { kind: 'text', text: '' }, hidden: 'deleted' };
    this.#timelines.replace(conv, dead);
    const c = this.#directory.get(conv);
    if (!c) return;
    const patch: Partial<Conversation> = {};
    if (c.last?.seq === seq) patch.last = dead;
    // A message counted unread that became a tombstone is nothing to read any more.
    if (held && !held.hidden && held.from !== this.user && seq > (c.reads[this.user] ?? 0) && c.unread > 0) patch.unread = c.unread - 1;
    if (Object.keys(patch).length > 0) this.#directory.patch(conv, patch);
  }

  #onRead(conv: string, user: string, seq: number): void {
    const c = this.#directory.get(conv);
    if (!c || seq <= (c.reads[user] ?? 0)) return;
    const patch: Partial<Conversation> = { reads: { ...c.reads, [user]: seq } };
    if (user === this.user) patch.unread = seq >= c.lastSeq ? 0 : this.#timelines.unreadAbove(conv, seq);
    this.#directory.patch(conv, patch);
  }

  #onError(frame: Extract<ServerFrame, { t: 'error' }>): void {
    if (this.#delivery.refused(frame)) return;
    if (!frame.id && !frame.req && RETRYABLE_ERRORS.has(frame.code as ErrorCode)) {
      this.#connection.slowDown(waitOf(this.#ctx, frame.retryAfter));
    } else if (!this.#requests.refused(frame)) {
      this.$lastError.set(new ChatError(frame.code, frame.message));
    }
  }

  async #queue(conv: string, body: Body, to?: readonly string[], title?: string): Promise<string> {
    this.showHead(conv);
    return this.#delivery.queue(conv, body, to, title);
  }

  /** For a direct conversation not created yet, the other person (so the first send creates it). */
  #membersToCreate(conv: string): string[] | undefined {
    if (this.#directory.get(conv) || !conv.startsWith('dm:')) return undefined;
    const other = conv.split(':').slice(1).find((u) => u !== this.user);
    return other ? [other] : undefined;
  }

  #forget(conv: string): void {
    this.#directory.forget(conv);
    this.#timelines.delete(conv);
    this.#heads.remove(conv);
  }
}
