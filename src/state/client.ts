import { atom, batch, computed, onMount, type ReadableAtom, type WritableAtom } from 'nanostores';
import {
  ErrorCode,
  RETRYABLE_ERRORS,
  directConversationId,
  LIMITS,
  newGroupId,
  parseServerFrame,
  randomId,
  storedBody,
  type Body,
  type Conversation,
  type Message,
  type PinInput,
  type ServerFrame,
  type ServerFrameOf,
  type User,
} from '../protocol/index.js';
import { TransportStatus, type Transport } from '../transport/types.js';
import { Outbox, SendState, type OutboxEntry } from './outbox.js';
import { defaultOutboxStorage, type OutboxStorage } from './outbox-storage.js';
import { keepSnapshots, type SnapshotKeeper, type SnapshotStorage } from './snapshot-storage.js';
import { EMPTY_TIMELINE, hasGap, hasOlder, mergeMessages, seedTimeline, type Timeline } from './timeline.js';

/** What the elements show about the connection. */
export const ConnectionStatus = {
  Idle: 'idle',
  Connecting: 'connecting',
  /** Socket open, waiting for the server's welcome. */
  Syncing: 'syncing',
  Online: 'online',
  Reconnecting: 'reconnecting',
  /** The server refused the credentials or the page's origin; it will not retry. */
  Refused: 'refused',
} as const;
export type ConnectionStatus = (typeof ConnectionStatus)[keyof typeof ConnectionStatus];

export interface TimelineState extends Timeline {
  readonly hasOlder: boolean;
  readonly loadingOlder: boolean;
}

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
  headsStorage?: Pick<Storage, 'getItem' | 'setItem'> | null;
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

const TYPING_SHOWN_MS = 6_000;
const TYPING_SEND_EVERY_MS = 3_000;
// How soon a closed tab's unsent messages are picked up by another tab of the same person (F8).
const OUTBOX_CLAIM_EVERY_MS = 1_000;
// History pages asked for at once to fill gaps; the rest wait their turn (a resume past the
// server's replay budget leaves every stale conversation to page, and each page is paced).
const GAP_REQUESTS = 4;
// The `ping` sent right behind each `hello`: its answer comes after everything the hello
// brings back. It carries a number because a bare `{"t":"ping"}` may be answered by the
// platform itself (a Durable Object's auto-response), ahead of the hello's replies.
const FENCE = 0;

type Pending = {
  resolve(frame: ServerFrame): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  frame: string;
  deadline: number;
  retry?: ReturnType<typeof setTimeout>;
};

/** An error frame from the server, as a rejected promise's reason. */
export class ChatError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** For `rate_limited`: how long the server asked to wait, in ms. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ChatError';
  }
}

/**
 * The state bus: nanostores that the elements render, and actions they call.
 * It owns the protocol: hello and resume on every socket, the outbox, gap
 * filling, read markers, typing. Elements never touch a socket.
 */
export class ChatClient {
  readonly user: string;
  readonly $status: WritableAtom<ConnectionStatus> = atom(ConnectionStatus.Idle);
  readonly $me: WritableAtom<User | undefined> = atom(undefined);
  readonly $users: WritableAtom<Readonly<Record<string, User>>> = atom({});
  readonly $conversations: WritableAtom<Readonly<Record<string, Conversation>>> = atom({});
  /** Conversations, most recent activity first. */
  readonly $conversationList: ReadableAtom<Conversation[]>;
  readonly $outbox: WritableAtom<readonly OutboxEntry[]> = atom([]);
  /** Who is typing, per conversation. */
  readonly $typing: WritableAtom<Readonly<Record<string, readonly string[]>>> = atom({});
  /** Conversations shown as chat heads, front first. */
  readonly $heads: WritableAtom<readonly string[]> = atom([]);
  readonly $blocked: WritableAtom<readonly string[]> = atom([]);
  /** The last error the server sent that no pending send or request claimed. */
  readonly $lastError: WritableAtom<ChatError | undefined> = atom(undefined);

  // Internals are `#private` where they can be: bundlers shorten those names, while
  // TypeScript's `private` ones ship as written.
  readonly #transport: Transport;
  readonly #outbox: Outbox;
  readonly #storage: OutboxStorage;
  readonly #headsStorage: Pick<Storage, 'getItem' | 'setItem'> | undefined;
  readonly #snapshot: SnapshotKeeper | undefined;
  readonly #timelines = new Map<string, WritableAtom<TimelineState>>();
  readonly #requests = new Map<string, Pending>();
  /** Conversations with a gap-filling page asked for, and those waiting their turn. */
  readonly #gapRequests = new Set<string>();
  readonly #gapQueue = new Set<string>();
  readonly #gapTimers = new Set<ReturnType<typeof setTimeout>>();
  /** Dismissed heads, with the conversation's newest seq when dismissed: a newer message brings one back. */
  readonly #dismissed: Map<string, number>;
  readonly #typingUntil = new Map<string, Map<string, number>>();
  readonly #typingSent = new Map<string, number>();
  readonly #now: () => number;
  readonly #requestTimeoutMs: number;
  readonly #minRetryMs: number;
  /** Waiting for the welcome, then for the fence; undefined once sending may start. */
  #greeting: 'hello' | 'fence' | undefined;
  #helloTimer: ReturnType<typeof setTimeout> | undefined;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;
  #claimTimer: ReturnType<typeof setInterval> | undefined;
  #started = false;
  #explicit = false;
  #holders = 0;

  constructor(options: ChatClientOptions) {
    this.user = options.user;
    this.#transport = options.transport;
    this.#now = options.now ?? Date.now;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.#minRetryMs = options.minRetryMs ?? 50;
    this.#storage = options.outboxStorage ?? defaultOutboxStorage();
    this.#headsStorage = options.headsStorage === undefined ? pageStorage() : (options.headsStorage ?? undefined);
    this.#dismissed = this.#loadDismissed();
    this.#snapshot = options.snapshotStorage && keepSnapshots(this, options.snapshotStorage);
    this.#outbox = new Outbox({
      send: (frame) => this.#transport.send(frame),
      stalled: () => this.#transport.reconnect(),
      changed: (entries) => this.$outbox.set(entries),
      storage: this.#storage,
      window: options.window,
      ackTimeoutMs: options.ackTimeoutMs,
      minPauseMs: options.minRetryMs,
      now: this.#now,
    });
    this.$conversationList = computed(this.$conversations, (all) =>
      Object.values(all).sort((a, b) => activity(b) - activity(a)),
    );
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

  #open(): void {
    if (this.#started) return;
    this.#started = true;
    this.#listen(true);
    this.#snapshot?.start();
    this.#transport.connect();
    this.#onStatus();
    void this.#claimOutbox();
    this.#claimTimer = setInterval(() => void this.#claimOutbox(), OUTBOX_CLAIM_EVERY_MS);
  }

  #close(): void {
    if (!this.#started) return;
    this.#started = false;
    this.#listen(false);
    this.#snapshot?.stop();
    this.#transport.close();
    this.#outbox.dispose();
    this.#failRequests('stopped');
    this.#stopGreeting();
    this.#stopGapFilling();
    clearInterval(this.#claimTimer);
    clearTimeout(this.#typingTimer);
    this.$status.set(ConnectionStatus.Idle);
  }

  #listen(on: boolean): void {
    const target: EventTarget = this.#transport;
    const listeners = { open: this.#onOpen, message: this.#onMessage, close: this.#onClose, status: this.#onStatus };
    for (const [type, listener] of Object.entries(listeners)) {
      target[on ? 'addEventListener' : 'removeEventListener'](type, listener as EventListener);
    }
  }

  /** Stops and releases the outbox storage (its entries become another tab's to send). */
  destroy(): void {
    this.stop();
    this.#storage.close();
  }

  // Reading ---------------------------------------------------------------------

  /** One conversation's loaded history. The same store is returned for the same id. */
  timeline(conv: string): ReadableAtom<TimelineState> {
    return this.#timelineAtom(conv);
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
    if (to.length > LIMITS.members - 1) {
      throw new ChatError('too_many_members', `a conversation holds at most ${LIMITS.members} people`);
    }
    const body: Body = { kind: 'pin', pin: options.pin, ...(options.note?.trim() ? { note: options.note } : {}) };
    const targets =
      options.mode === 'group' && to.length > 1
        ? [{ conv: newGroupId(), to }]
        : to.map((u) => ({ conv: directConversationId(this.user, u), to: [u] }));
    const sent: { conv: string; id: string }[] = [];
    for (const target of targets) {
      const create = this.$conversations.get()[target.conv] ? undefined : target.to;
      const id = await this.#queue(target.conv, body, create, options.mode === 'group' ? options.title : undefined);
      sent.push({ conv: target.conv, id });
    }
    return sent;
  }

  retry(id: string): void {
    this.#outbox.retry(id);
  }

  discard(id: string): void {
    this.#outbox.discard(id);
  }

  /** Loads the page of history before the oldest message held. */
  async loadOlder(conv: string, limit = 50): Promise<void> {
    const $t = this.#timelineAtom(conv);
    const t = $t.get();
    if (t.loadingOlder || !t.hasOlder) return;
    $t.set({ ...t, loadingOlder: true });
    try {
      const reply = await this.#request<'history'>({ t: 'history', conv, before: t.lo, limit });
      this.#mergeInto(conv, reply.messages);
    } finally {
      $t.set({ ...$t.get(), loadingOlder: false });
    }
  }

  /** Shows a conversation's head in front and makes sure its latest messages are loaded. */
  async openConversation(conv: string): Promise<void> {
    this.showHead(conv);
    const t = this.#timelineAtom(conv).get();
    if (t.messages.length < 20 && t.hasOlder) await this.loadOlder(conv);
  }

  /** Marks everything loaded in the conversation as read. */
  markRead(conv: string): void {
    const c = this.$conversations.get()[conv];
    if (!c) return;
    const seq = Math.min(this.#timelineAtom(conv).get().hi, c.lastSeq);
    const marker = c.reads[this.user] ?? 0;
    const unread = seq >= c.lastSeq ? 0 : c.unread;
    if (seq <= marker && unread === c.unread) return;
    this.#patchConversation(conv, { reads: { ...c.reads, [this.user]: Math.max(seq, marker) }, unread });
    if (seq > marker) this.#transport.send(JSON.stringify({ t: 'read', conv, seq }));
  }

  /** Tells the others that the person is typing (throttled). */
  typing(conv: string): void {
    const last = this.#typingSent.get(conv) ?? 0;
    if (this.#now() - last < TYPING_SEND_EVERY_MS) return;
    if (this.#transport.send(JSON.stringify({ t: 'typing', conv }))) this.#typingSent.set(conv, this.#now());
  }

  async leave(conv: string): Promise<void> {
    await this.#request<'ok'>({ t: 'leave', conv });
    this.#forget(conv);
  }

  async mute(conv: string, muted: boolean): Promise<void> {
    await this.#request<'ok'>({ t: 'mute', conv, muted });
    this.#patchConversation(conv, { muted });
  }

  async block(user: string, blocked: boolean): Promise<void> {
    await this.#request<'ok'>({ t: 'block', user, blocked });
    this.#setBlocked(user, blocked);
  }

  async report(conv: string, seq: number, reason?: string): Promise<void> {
    await this.#request<'ok'>({ t: 'report', conv, seq, ...(reason ? { reason } : {}) });
  }

  /** People the person may message, filtered by `query`. */
  async searchContacts(query = ''): Promise<User[]> {
    const reply = await this.#request<'contacts'>({ t: 'contacts', q: query });
    this.#mergeUsers(reply.users);
    return reply.users;
  }

  /** Brings a conversation's head to the front. */
  showHead(conv: string): void {
    if (this.#dismissed.delete(conv)) this.#saveDismissed();
    const heads = this.$heads.get();
    if (heads[0] !== conv) this.$heads.set([conv, ...heads.filter((h) => h !== conv)]);
  }

  /** Hides a head. This is not leaving: a new message brings it back. */
  dismissHead(conv: string): void {
    this.#dismissed.set(conv, this.$conversations.get()[conv]?.lastSeq ?? 0);
    this.#saveDismissed();
    this.$heads.set(this.$heads.get().filter((h) => h !== conv));
  }

  // Transport events ------------------------------------------------------------

  readonly #onStatus = (): void => {
    const s = this.#transport.status;
    // The transport's other states have the same names here (the type checker holds them to it);
    // an open socket is syncing until the server's welcome.
    const online = this.$status.get() === ConnectionStatus.Online;
    this.$status.set(s !== TransportStatus.Open ? s : online ? ConnectionStatus.Online : ConnectionStatus.Syncing);
  };

  readonly #onOpen = (): void => {
    this.$status.set(ConnectionStatus.Syncing);
    const cursors: Record<string, number> = {};
    for (const [conv, $t] of this.#timelines) {
      if (Object.keys(cursors).length >= LIMITS.cursors) break;
      if (this.$conversations.get()[conv]) cursors[conv] = $t.get().hi;
    }
    const pending = this.#outbox.list
      .filter((e) => e.state !== SendState.Failed)
      .slice(0, LIMITS.pending)
      .map((e) => ({ conv: e.conv, id: e.id }));
    this.#transport.send(JSON.stringify({ t: 'hello', v: 1, cursors, pending }));
    // Sending starts once this is answered: by then the acks the hello replays are in, so
    // nothing they acknowledge goes out again (a duplicate costs a send token too, and one
    // refused would hold back the socket's later sends behind a message no longer held).
    this.#transport.send(JSON.stringify({ t: 'ping', n: FENCE }));
    this.#greeting = 'hello';
  };

  readonly #onClose = (): void => {
    this.#outbox.suspend();
    this.#stopGreeting();
    this.#stopGapFilling();
    this.#failRequests('disconnected');
    if (this.$status.get() === ConnectionStatus.Online || this.$status.get() === ConnectionStatus.Syncing) {
      this.$status.set(ConnectionStatus.Reconnecting);
    }
  };

  readonly #onMessage = (event: MessageEvent<string>): void => {
    // A frame that trails its socket's close belongs to a connection that is gone: the next
    // welcome and resume bring whatever it said.
    if (typeof event.data !== 'string' || this.#transport.status !== TransportStatus.Open) return;
    const parsed = parseServerFrame(event.data);
    if (!parsed.ok) {
      console.warn(`pin-messaging: ignored a server frame (${parsed.code}: ${parsed.message})`);
      return;
    }
    batch(() => this.#handle(parsed.frame));
  };

  // Server frames ---------------------------------------------------------------

  #handle(frame: ServerFrame): void {
    switch (frame.t) {
      case 'welcome':
        return this.#onWelcome(frame);
      case 'conv':
        if (frame.users) this.#mergeUsers(frame.users);
        return this.#upsertConversation(frame.conv);
      case 'gone':
        return this.#forget(frame.conv);
      case 'msg':
        return this.#onMsg(frame.conv, frame.m);
      case 'ack':
        return this.#onAck(frame);
      case 'history':
        return this.#onHistory(frame);
      case 'read':
        return this.#onRead(frame.conv, frame.user, frame.seq);
      case 'typing':
        return this.#onTyping(frame.conv, frame.user);
      case 'blocked':
        return this.#setBlocked(frame.user, frame.blocked);
      case 'error':
        return this.#onError(frame);
      case 'contacts':
      case 'ok':
        return this.#settle(frame.req, frame);
      case 'pong':
        return this.#onPong();
    }
  }

  #onWelcome(frame: ServerFrameOf<'welcome'>): void {
    this.$me.set(frame.me);
    this.#mergeUsers([frame.me, ...frame.users]);
    this.$blocked.set(frame.blocked);
    const all: Record<string, Conversation> = {};
    for (const c of frame.conversations) all[c.id] = c;
    for (const conv of this.#timelines.keys()) if (!all[conv]) this.#forget(conv);
    this.$conversations.set(all);
    for (const c of frame.conversations) {
      const $t = this.#timelines.get(c.id);
      if (!$t || $t.get().hi > c.lastSeq) this.#timelines.set(c.id, atom(seeded(c)));
      // Asked for before the welcome (a panel opened at page load): learn where the history ends.
      else if ($t.get().messages.length === 0 && $t.get().hi < c.lastSeq) $t.set(seeded(c));
    }
    const heads = this.$conversationList
      .get()
      .filter((c) => (this.#dismissed.get(c.id) ?? -1) < c.lastSeq)
      .map((c) => c.id);
    this.$heads.set(heads);
    this.$status.set(ConnectionStatus.Online);
    if (this.#greeting === 'hello') this.#greeting = 'fence';
  }

  #onPong(): void {
    // Any pong after the welcome will do (the heartbeat's pings all follow the hello): a lost
    // fence only delays sending until the next one.
    if (this.#greeting !== 'fence') return;
    this.#greeting = undefined;
    this.#outbox.resume();
  }

  #onMsg(conv: string, m: Message): void {
    const c = this.$conversations.get()[conv];
    if (!c) return;
    // A placeholder for someone this person blocked is nothing to read or to pop a head for.
    const fromOther = m.from !== this.user && !m.hidden;
    this.#bumpConversation(c, m, fromOther && m.seq > (c.reads[this.user] ?? 0));
    this.#mergeInto(conv, [m]);
    if (fromOther) {
      this.#clearTyping(conv, m.from);
      this.showHead(conv);
    }
  }

  #onAck(frame: ServerFrameOf<'ack'>): void {
    const entry = this.#outbox.acknowledge(frame.id);
    if (!entry) return;
    const m: Message = { seq: frame.seq, id: entry.id, from: this.user, at: frame.at, body: storedBody(entry.body) };
    const c = this.$conversations.get()[frame.conv];
    if (c) this.#bumpConversation(c, m, false);
    this.#mergeInto(frame.conv, [m]);
  }

  #onHistory(frame: ServerFrameOf<'history'>): void {
    if (frame.req && this.#requests.has(frame.req)) return this.#settle(frame.req, frame);
    // Unrequested pages are the replay after `hello`: keep paging forward until caught up.
    this.#mergeInto(frame.conv, frame.messages);
    if (frame.hasMore) this.#fillGap(frame.conv, true);
  }

  #onRead(conv: string, user: string, seq: number): void {
    const c = this.$conversations.get()[conv];
    if (!c || seq <= (c.reads[user] ?? 0)) return;
    const patch: Partial<Conversation> = { reads: { ...c.reads, [user]: seq } };
    if (user === this.user) patch.unread = seq >= c.lastSeq ? 0 : this.#unreadAbove(conv, seq);
    this.#patchConversation(conv, patch);
  }

  #onTyping(conv: string, user: string): void {
    if (user === this.user) return;
    let users = this.#typingUntil.get(conv);
    if (!users) this.#typingUntil.set(conv, (users = new Map()));
    users.set(user, this.#now() + TYPING_SHOWN_MS);
    this.#publishTyping();
  }

  #onError(frame: ServerFrameOf<'error'>): void {
    const error = new ChatError(frame.code, frame.message);
    // A send's retryable refusal is the outbox's to wait out, even a late one about a message it no longer holds.
    if (frame.id && (this.#outbox.refuse(frame.id, frame.code, frame.message, frame.retryAfter) || RETRYABLE_ERRORS.has(frame.code as ErrorCode))) {
      return;
    } else if (!frame.id && !frame.req && RETRYABLE_ERRORS.has(frame.code as ErrorCode)) {
      this.#onSlowDown(Math.max(frame.retryAfter ?? 1_000, this.#minRetryMs));
    } else if (frame.req && this.#requests.has(frame.req)) {
      const pending = this.#requests.get(frame.req)!;
      const wait = Math.max(frame.retryAfter ?? 1_000, this.#minRetryMs);
      // Refused before it was looked at: ask again after the wait, within the request's deadline.
      if (RETRYABLE_ERRORS.has(frame.code as ErrorCode) && this.#now() + wait < pending.deadline) {
        pending.retry = setTimeout(() => {
          pending.retry = undefined;
          if (!this.#transport.send(pending.frame)) this.#settleWith(frame.req!, new ChatError('offline', 'not connected'));
        }, wait);
        return;
      }
      this.#settleWith(frame.req, new ChatError(frame.code, frame.message, frame.retryAfter));
    } else {
      this.$lastError.set(error);
    }
  }

  /** A refusal naming no frame: the person's frame budget is spent. */
  #onSlowDown(wait: number): void {
    if (this.#greeting === 'hello') {
      // The hello itself was refused (no welcome came before it): say it again after the wait.
      this.#helloTimer ??= setTimeout(() => {
        this.#helloTimer = undefined;
        if (this.#transport.status === TransportStatus.Open) this.#onOpen();
      }, wait);
      return;
    }
    this.#outbox.pause(wait);
    // The fence's ping was refused: that answer too comes after everything the hello brought.
    if (this.#greeting === 'fence') this.#onPong();
  }

  #stopGreeting(): void {
    this.#greeting = undefined;
    clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
  }

  // Helpers ---------------------------------------------------------------------

  async #queue(conv: string, body: Body, to?: readonly string[], title?: string): Promise<string> {
    const entry: OutboxEntry = {
      id: randomId(),
      user: this.user,
      conv,
      ...(to ? { to } : {}),
      ...(title ? { title } : {}),
      body,
      createdAt: this.#now(),
      state: SendState.Queued,
      attempts: 0,
    };
    this.showHead(conv);
    await this.#outbox.add(entry);
    return entry.id;
  }

  /** For a direct conversation not created yet, the other person (so the first send creates it). */
  #membersToCreate(conv: string): string[] | undefined {
    if (this.$conversations.get()[conv] || !conv.startsWith('dm:')) return undefined;
    const other = conv.split(':').slice(1).find((u) => u !== this.user);
    return other ? [other] : undefined;
  }

  #request<T extends ServerFrame['t']>(frame: Record<string, unknown>): Promise<ServerFrameOf<T>> {
    const req = randomId(12);
    const raw = JSON.stringify({ ...frame, req });
    return new Promise((resolve, reject) => {
      if (!this.#transport.send(raw)) {
        reject(new ChatError('offline', 'not connected'));
        return;
      }
      const timer = setTimeout(() => this.#settleWith(req, new ChatError('timeout', 'the server did not answer')), this.#requestTimeoutMs);
      const deadline = this.#now() + this.#requestTimeoutMs;
      this.#requests.set(req, { resolve: resolve as (f: ServerFrame) => void, reject, timer, frame: raw, deadline });
    });
  }

  #settle(req: string | undefined, frame: ServerFrame): void {
    const pending = req === undefined ? undefined : this.#requests.get(req);
    if (!pending) return;
    this.#requests.delete(req!);
    clearTimeout(pending.timer);
    clearTimeout(pending.retry);
    pending.resolve(frame);
  }

  #settleWith(req: string, error: ChatError): void {
    const pending = this.#requests.get(req);
    if (!pending) return;
    this.#requests.delete(req);
    clearTimeout(pending.timer);
    clearTimeout(pending.retry);
    pending.reject(error);
  }

  #failRequests(reason: string): void {
    for (const req of [...this.#requests.keys()]) this.#settleWith(req, new ChatError('offline', reason));
  }

  /** Asks for what is missing above the contiguous run (a gap, or the rest of a replay). */
  #fillGap(conv: string, more = false): void {
    if (this.#gapRequests.has(conv) || (!more && !hasGap(this.#timelineAtom(conv).get()))) return;
    this.#gapQueue.add(conv);
    this.#nextGaps();
  }

  #nextGaps(): void {
    for (const conv of this.#gapQueue) {
      if (this.#gapRequests.size >= GAP_REQUESTS) return;
      this.#gapQueue.delete(conv);
      this.#gapRequests.add(conv);
      this.#request<'history'>({ t: 'history', conv, after: this.#timelineAtom(conv).get().hi, limit: LIMITS.historyPage })
        .then((reply) => {
          this.#gapRequests.delete(conv);
          this.#mergeInto(conv, reply.messages);
          if (reply.hasMore) this.#fillGap(conv, true);
        })
        .catch((error: unknown) => {
          this.#gapRequests.delete(conv);
          // Cut off with its socket: the next hello resumes from the same cursor. Refused for
          // a while (paced past its deadline) or unanswered: the gap is still there, ask again.
          const code = error instanceof ChatError ? error.code : '';
          if (code === 'offline' || !(code === 'timeout' || RETRYABLE_ERRORS.has(code as ErrorCode))) return;
          const timer = setTimeout(() => {
            this.#gapTimers.delete(timer);
            this.#fillGap(conv, true);
          }, Math.max((error as ChatError).retryAfter ?? 1_000, this.#minRetryMs));
          this.#gapTimers.add(timer);
        })
        .finally(() => this.#nextGaps());
    }
  }

  #stopGapFilling(): void {
    this.#gapRequests.clear();
    this.#gapQueue.clear();
    for (const timer of this.#gapTimers) clearTimeout(timer);
    this.#gapTimers.clear();
  }

  #mergeInto(conv: string, messages: readonly Message[]): void {
    const $t = this.#timelineAtom(conv);
    const before = $t.get();
    const merged = mergeMessages(before, messages);
    if (merged !== before) $t.set(withFlags(merged, before.loadingOlder));
    if (hasGap(merged)) this.#fillGap(conv);
  }

  #timelineAtom(conv: string): WritableAtom<TimelineState> {
    let $t = this.#timelines.get(conv);
    if (!$t) {
      $t = atom(seeded(this.$conversations.get()[conv]));
      this.#timelines.set(conv, $t);
    }
    return $t;
  }

  #upsertConversation(conv: Conversation): void {
    const all = this.$conversations.get();
    const known = all[conv.id];
    this.$conversations.set({ ...all, [conv.id]: known ? { ...conv, last: conv.last ?? known.last } : conv });
    if (!known && !this.#dismissed.has(conv.id)) this.showHead(conv.id);
  }

  #patchConversation(conv: string, patch: Partial<Conversation>): void {
    const all = this.$conversations.get();
    if (all[conv]) this.$conversations.set({ ...all, [conv]: { ...all[conv], ...patch } });
  }

  #bumpConversation(c: Conversation, m: Message, unread: boolean): void {
    if (m.seq <= c.lastSeq && !unread) return;
    this.#patchConversation(c.id, {
      lastSeq: Math.max(c.lastSeq, m.seq),
      last: m.seq >= c.lastSeq ? m : c.last,
      unread: c.unread + (unread ? 1 : 0),
    });
  }

  #unreadAbove(conv: string, seq: number): number {
    return this.#timelineAtom(conv)
      .get()
      .messages.filter((m) => m.seq > seq && m.from !== this.user && !m.hidden).length;
  }

  #forget(conv: string): void {
    const { [conv]: _gone, ...rest } = this.$conversations.get();
    this.$conversations.set(rest);
    this.#timelines.delete(conv);
    this.$heads.set(this.$heads.get().filter((h) => h !== conv));
  }

  #mergeUsers(users: readonly User[]): void {
    const all = { ...this.$users.get() };
    for (const u of users) all[u.id] = u;
    this.$users.set(all);
  }

  #setBlocked(user: string, blocked: boolean): void {
    const others = this.$blocked.get().filter((u) => u !== user);
    this.$blocked.set(blocked ? [...others, user] : others);
  }

  #clearTyping(conv: string, user: string): void {
    if (this.#typingUntil.get(conv)?.delete(user)) this.#publishTyping();
  }

  #publishTyping(): void {
    const now = this.#now();
    const out: Record<string, string[]> = {};
    let next = Infinity;
    for (const [conv, users] of this.#typingUntil) {
      for (const [user, until] of users) {
        if (until <= now) users.delete(user);
        else {
          (out[conv] ??= []).push(user);
          next = Math.min(next, until);
        }
      }
    }
    this.$typing.set(out);
    clearTimeout(this.#typingTimer);
    if (next !== Infinity) this.#typingTimer = setTimeout(() => this.#publishTyping(), next - now);
  }

  get #dismissedKey(): string {
    return `pin-messaging:dismissed:${this.user}`;
  }

  #loadDismissed(): Map<string, number> {
    try {
      const saved = JSON.parse(this.#headsStorage?.getItem(this.#dismissedKey) ?? '{}') as Record<string, unknown>;
      return new Map(Object.entries(saved).filter((e): e is [string, number] => typeof e[1] === 'number'));
    } catch {
      return new Map();
    }
  }

  #saveDismissed(): void {
    try {
      this.#headsStorage?.setItem(this.#dismissedKey, JSON.stringify(Object.fromEntries(this.#dismissed)));
    } catch {
      // Storage full or blocked: dismissals then last for this page only.
    }
  }

  async #claimOutbox(): Promise<void> {
    try {
      this.#outbox.restore(await this.#storage.claim(this.user));
    } catch (error) {
      console.warn('pin-messaging: could not read the stored outbox', error);
    }
  }
}

/** The page's localStorage, where there is one and it may be used. */
function pageStorage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined; // blocked (third-party iframe, privacy settings)
  }
}

function activity(c: Conversation): number {
  return c.last?.at ?? c.createdAt;
}

/** A timeline holding what a conversation record carries (its newest message), or an empty one. */
function seeded(c: Conversation | undefined): TimelineState {
  return withFlags(c ? seedTimeline(c.last, c.lastSeq) : EMPTY_TIMELINE);
}

function withFlags(t: Timeline, loadingOlder = false): TimelineState {
  return { ...t, hasOlder: hasOlder(t), loadingOlder };
}
