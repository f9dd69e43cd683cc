import { Server } from 'partyserver';
import type { Conversation as ConversationView, Message, ServerFrame } from '../../../src/protocol/index.js';
import { ChatCore, type ChatCoreOptions } from '../../../src/core/core.js';
import type { PinEventInput } from '../../../src/core/events.js';
import type { Connection, ConversationRecord, ReportRecord, ServerLimits } from '../../../src/core/types.js';
import { conversationView } from '../../../src/core/views.js';
import type { DeadLetter, ModerationReport } from '../../shared/admin/backend.js';
import { SqlConversations } from '../../shared/storage/sql-conversations.js';
import { AlarmClock } from './alarm.js';
import { Bridge } from './bridge.js';
import { UNLIMITED } from './inbox-budget.js';
import { directoryOf, inboxOf, limitsOf, policyOf, webhooksOf, type Env } from './env.js';
import { FactsDirectory } from './facts-directory.js';
import { durableSql } from './sql.js';
import { NotificationTimers } from './notify.js';
import { PresenceHolds } from './presence-hold.js';
import { ObjectWebhooks, type OutboxHolder } from './webhooks.js';
import type { Delivered, Envelope, Facts, InboxDelivery, Origin } from './wire.js';

/** Members behind by more than this get the newest ones and page for the rest. */
const REDELIVER = 100;
/** When deliveries are outstanding, look again after this long. */
const RECHECK_MS = 10_000;
/** Sessions of sockets not heard from for this long are forgotten. */
const SESSION_IDLE_MS = 10 * 60_000;

/**
 * Budgets are the sender's inbox's to charge (it sees each of its person's
 * frames first, whichever conversation they are for); charged here again, a
 * person would get a fresh budget in every conversation.
 */
const UNMETERED: Partial<ServerLimits> = {
  rateBurst: UNLIMITED,
  ratePerSecond: UNLIMITED,
  frameBurst: UNLIMITED,
  framesPerSecond: UNLIMITED,
  replayBurst: UNLIMITED,
  replayPerSecond: UNLIMITED,
  createBurst: UNLIMITED,
  createPerMinute: UNLIMITED,
  abuseThreshold: UNLIMITED,
  refusalThreshold: UNLIMITED,
};

/** The conversation's rows, noting each report filed for the directory's index. */
class ConversationStore extends SqlConversations {
  readonly filed: ModerationReport[] = [];

  override addReport(conv: string, seq: number, reporter: string, reason: string | undefined, at: number): string {
    const id = super.addReport(conv, seq, reporter, reason, at);
    const sender = this.getMessage(conv, seq)?.from;
    this.filed.push({ id, conv, seq, reporter, at, status: 'open', ...(sender ? { sender } : {}), ...(reason !== undefined ? { reason } : {}) });
    return id;
  }
}

/** Thrown to undo a batch that left an empty object without a conversation. */
const UNDO = new Error('nothing to keep');

/** The frame being handled: who sent it and what goes back to their inbox. */
interface Turn {
  origin: Connection;
  socket: string;
  out: InboxDelivery[];
  /** A `conv` frame for the sender is among `out`. */
  listed: boolean;
}

/**
 * The core with its fan-out redirected: instead of sockets (a conversation
 * object has none), each member's inbox gets the frame. What is meant for
 * the sender goes back with the reply, in order with the ack.
 */
class ConversationCore extends ChatCore {
  constructor(
    options: ChatCoreOptions,
    private readonly route: (users: readonly string[], frame: ServerFrame, skip?: Connection) => void,
  ) {
    super(options);
  }

  override broadcast(users: readonly string[], frame: ServerFrame, skip?: Connection): void {
    this.route(users, frame, skip);
  }

  /**
   * Nobody's sockets are here: `message.created` names every other member as
   * offline, and the fan-out's answers take out those whose inbox had a
   * socket open (see PresenceHolds).
   */
  override isOnline(): boolean {
    return false;
  }
}

/**
 * One conversation: the single writer of its sequence numbers and messages.
 * Inboxes forward the frames of their sockets here in batches; the core
 * handles them unchanged. Deliveries to the other members' inboxes leave in
 * order, one batch in flight per inbox, and each member's delivered sequence
 * number is stored, so an alarm redelivers whatever a crash or a failed call
 * left behind. A member whose inbox missed a delivery is marked behind (in
 * SQL): the next delivery to it, or the alarm, whichever comes first, is a
 * catch-up from storage that starts with the conversation's view, since the
 * missed frame may be the one that put the conversation in their list.
 */
export class Conversation extends Server<Env> implements OutboxHolder {
  private state?: {
    /** The conversation's rows: this object is their only writer. */
    store: ConversationStore;
    /** People, as the facts forwarded with the frame being handled tell them. */
    facts: FactsDirectory;
    core: ConversationCore;
    connections: Map<string, { conn: Connection; seen: number }>;
    /** Members whose inbox missed a delivery: the next one to them is a catch-up. */
    behind: Set<string>;
  };
  private readonly bridge = new Bridge<Facts | undefined, Turn>((facts) => this.live().facts.use(facts));
  private readonly queues = new Map<string, InboxDelivery[]>();
  private readonly sending = new Set<string>();
  private alarmSet = false;
  private readonly clock = new AlarmClock(this.ctx.storage);
  private hooksOrOff: ObjectWebhooks | null | undefined;
  private timers: NotificationTimers | undefined;
  private holds: PresenceHolds | undefined;
  /** The conversation's id, when the runtime did not give the object its name (see `name`). */
  private recalled: string | undefined;

  /**
   * The conversation's id. partyserver takes it from the object's id, which
   * an alarm waking the object cold does not carry, and the instance so
   * started keeps none for later calls either (cloudflare/partykit#390);
   * partyserver's own stored copy is written on fetches, and these objects
   * are reached by RPC alone. The object holds the rows of its conversation
   * only, and an alarm is set only once one exists: its row names it.
   */
  override get name(): string {
    const named = this.ctx.id.name;
    if (named !== undefined) return named;
    this.live();
    this.recalled ??= this.ctx.storage.sql.exec<{ id: string }>('SELECT id FROM conversations LIMIT 1').toArray()[0]?.id;
    if (this.recalled === undefined) throw new Error('a conversation object without a name or a conversation');
    return this.recalled;
  }

  /** Handles forwarded frames in order; for each, what goes back to the sender's inbox. */
  async receive(batch: Envelope[]): Promise<InboxDelivery[][]> {
    const replies = this.receiveNow(batch);
    // Indexed before the reporter hears `ok`: a moderator listing reports then finds it.
    await this.indexFiled();
    return replies;
  }

  private receiveNow(batch: Envelope[]): InboxDelivery[][] {
    try {
      if (this.holdsAnything()) return this.handle(batch);
      // Only a creating send can make an empty object hold something. Its
      // inbox checked it already, but the core has the last word: unless the
      // conversation now exists, every write of the batch (tables included) is
      // undone, so a refused creation stores nothing.
      let replies: InboxDelivery[][] = [];
      try {
        this.ctx.storage.transactionSync(() => {
          replies = this.handle(batch);
          if (!this.live().store.getConversation(this.name)) throw UNDO;
        });
      } catch (error) {
        if (error !== UNDO) throw error;
        this.forgetState();
      }
      return replies;
    } finally {
      this.flush();
    }
  }

  private handle(batch: Envelope[]): InboxDelivery[][] {
    const { core } = this.live();
    const replies: InboxDelivery[][] = [];
    /** Senders whose inbox got the conversation's view in this batch. */
    const shown = new Set<string>();
    for (const envelope of batch) {
      const conn = this.connection(envelope.origin);
      const turn = this.bridge.run(envelope.facts, { origin: conn, socket: envelope.origin.socket, out: [], listed: false }, () =>
        core.receive(conn, envelope.raw),
      );
      if (turn.listed) shown.add(conn.user);
      else if (envelope.unlisted && !shown.has(conn.user)) {
        const view = this.viewFor(conn.user);
        if (view) {
          // First, so the inbox has the entry that the turn's `msg` or `read` updates.
          turn.out.unshift({ frame: JSON.stringify({ t: 'conv', conv: view } satisfies ServerFrame) });
          shown.add(conn.user);
        }
      }
      replies.push(turn.out);
    }
    return replies;
  }

  /** Messages after `after` for a member catching up (hello), at most `limit`. */
  async page(user: string, after: number, limit: number): Promise<Message[]> {
    return this.holdsAnything() && this.isMember(user) ? this.live().store.messagesAfter(this.name, after, limit) : [];
  }

  /** The member's messages stored under these client ids (acks lost before a reconnect). */
  async sent(user: string, ids: string[]): Promise<Message[]> {
    if (!this.holdsAnything()) return [];
    const { store } = this.live();
    return ids.map((id) => store.findByClientId(this.name, user, id)).filter((m) => m !== undefined);
  }

  /** For moderation tools (through the admin API). */
  async messages(after: number, limit: number): Promise<Message[]> {
    if (!this.holdsAnything()) return [];
    return this.live().store.messagesAfter(this.name, after, limit);
  }

  async reports(): Promise<ReportRecord[]> {
    if (!this.holdsAnything()) return [];
    return this.live().store.reports(1000).filter((r) => r.conv === this.name);
  }

  /** Moderation: makes a message a tombstone and tells the members; false when there is none. */
  async remove(seq: number): Promise<boolean> {
    if (!this.holdsAnything() || !this.live().store.getConversation(this.name)) return false;
    const dead = this.live().core.deleteMessage(this.name, seq);
    this.flush();
    return dead !== undefined;
  }

  /**
   * Erasure of `user` from this conversation (see eraseFromConversations):
   * the others are told live; nothing more goes to the erased person's inbox,
   * and the delivery bookkeeping forgets them. Says whether the conversation
   * went whole (a direct one), and who else is in it (their inboxes cached
   * the person's profile).
   */
  async erase(user: string): Promise<{ dropped: boolean; members: string[] }> {
    const record = this.holdsAnything() ? this.live().store.getConversation(this.name) : undefined;
    if (!record) return { dropped: false, members: [] };
    const { core, store, behind } = this.live();
    core.eraseFromConversations(user);
    if (this.hooks()) {
      this.hooks()!.forget(user);
      this.notices().forget(user);
    }
    this.holds?.forget(user);
    this.queues.delete(user);
    behind.delete(user);
    const { sql } = this.ctx.storage;
    sql.exec('DELETE FROM behind WHERE user_id = ?', user);
    sql.exec('DELETE FROM fanout WHERE user_id = ?', user);
    for (const [key, entry] of this.live().connections) {
      if (entry.conn.user !== user) continue;
      core.close(entry.conn);
      this.live().connections.delete(key);
    }
    const dropped = store.getConversation(this.name) === undefined;
    if (dropped) {
      sql.exec('DELETE FROM fanout');
      if (this.hooks()) {
        this.hooks()!.clear();
        this.notices().clear();
      }
    }
    this.flush();
    return { dropped, members: record.members.filter((m) => m !== user) };
  }

  /** The conversation's record (exports); undefined when it does not exist. */
  async record(): Promise<ConversationRecord | undefined> {
    return this.holdsAnything() ? this.live().store.getConversation(this.name) : undefined;
  }

  /** Messages `user` sent here with seq above `after`, ascending, at most `limit` (exports). */
  async sentBy(user: string, after: number, limit: number): Promise<Message[]> {
    if (!this.holdsAnything()) return [];
    return this.live().store.messagesBy(user, this.name, after, limit);
  }

  /** Reports filed in the batch just handled go to the directory's index. */
  private async indexFiled(): Promise<void> {
    const filed = this.state?.store.filed.splice(0) ?? [];
    if (filed.length === 0) return;
    try {
      await directoryOf(this.env).indexReports(filed);
    } catch (error) {
      // Kept here all the same (reports()); the index misses it.
      console.error('[pin-messaging] report index', error instanceof Error ? error.message : error);
    }
  }

  /**
   * Catches up members whose inbox missed deliveries (a failed call, or a
   * restart mid fan-out); with webhooks on, then delivers the outbox's due
   * events and settles the due notification timers. Rung early for those, it
   * rechecks all the same: a recheck that finds nothing missed costs a read.
   */
  override async onAlarm(): Promise<void> {
    this.clock.rang();
    this.alarmSet = false;
    try {
      this.catchUpAll();
    } catch (error) {
      // The fault barrier: a failed round is tried again later rather than retried at once by the runtime.
      console.error('[pin-messaging] conversation alarm', error instanceof Error ? error.message : error);
      this.arm();
    }
    this.flush();
    try {
      await this.hooks()?.round();
      if (this.hooks()) await this.notices().fire(() => this.name, (user, note) => inboxOf(this.env, user).noticeUnread(note));
    } catch (error) {
      console.error('[pin-messaging] conversation webhooks', error instanceof Error ? error.message : error);
    }
  }

  /** Timers of `notification.due` (webhooks on). */
  private notices(): NotificationTimers {
    this.timers ??= new NotificationTimers(this.ctx.storage, this.hooks()!.settings.notifications, this.clock);
    return this.timers;
  }

  // The server API's webhook calls (see ObjectWebhooks) ------------------------

  async webhookDeadLetters(after: string, limit: number): Promise<DeadLetter[]> {
    return (await this.hooks()?.deadLetters(after, limit)) ?? [];
  }

  async webhookReplay(ids: string[] | undefined): Promise<string[]> {
    return (await this.hooks()?.replay(ids)) ?? [];
  }

  async webhookCounts(): Promise<{ pending: number; dead: number }> {
    return (await this.hooks()?.counts()) ?? { pending: 0, dead: 0 };
  }

  /** The outbox, or null when webhooks are off. */
  private hooks(): ObjectWebhooks | null {
    if (this.hooksOrOff === undefined) {
      const settings = webhooksOf(this.env);
      this.hooksOrOff = settings ? new ObjectWebhooks(this.ctx.storage, this.env, settings, 'conversation', () => this.name, this.clock) : null;
    }
    return this.hooksOrOff;
  }

  /** The core's events, and a `notification.due` timer for each member who may not have seen the message. */
  private recordEvent(input: PinEventInput): void {
    if (input.type === 'message.created') this.notices().arm(input.data.offline, input.at);
    this.holds ??= new PresenceHolds(this.hooks()!);
    this.holds.record(input);
  }

  private catchUpAll(): void {
    if (!this.holdsAnything()) return;
    const { store, behind } = this.live();
    const record = store.getConversation(this.name);
    if (!record) return;
    const delivered = this.delivered();
    let due = false;
    for (const user of record.members) {
      // A delivery in flight catches up itself, or fails and sets the alarm again.
      if (this.sending.has(user) || ((delivered.get(user) ?? 0) >= record.lastSeq && !behind.has(user))) continue;
      this.setBehind(user, true);
      if (!this.queues.has(user)) this.queues.set(user, []);
      due = true;
    }
    // Once more, in case a restart loses these catch-ups on their way.
    if (due) this.arm();
  }

  /** Whether the object has stored anything; a read, so asking leaves an empty object empty. */
  private holdsAnything(): boolean {
    if (this.state) return true;
    return this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'conversations'").toArray().length > 0;
  }

  /** After an undone batch: what was built on the undone tables goes too. */
  private forgetState(): void {
    this.state = undefined;
    this.recalled = undefined;
    this.queues.clear();
    this.holds?.clear();
    this.hooksOrOff?.reset();
    this.timers?.reset();
  }

  private live() {
    if (this.state) return this.state;
    const { sql } = this.ctx.storage;
    const store = new ConversationStore(durableSql(this.ctx.storage));
    const facts = new FactsDirectory();
    sql.exec('CREATE TABLE IF NOT EXISTS fanout (user_id TEXT PRIMARY KEY, seq INTEGER NOT NULL)');
    sql.exec('CREATE TABLE IF NOT EXISTS behind (user_id TEXT PRIMARY KEY)');
    const behind = new Set(sql.exec<{ user_id: string }>('SELECT user_id FROM behind').toArray().map((r) => r.user_id));
    const core = new ConversationCore(
      {
        directory: facts,
        conversations: store,
        policy: policyOf(this.env),
        limits: { ...limitsOf(this.env), ...UNMETERED },
        events: this.hooks() ? { record: (input) => this.recordEvent(input) } : undefined,
        onError: (e) => console.error('[pin-messaging] conversation', e),
      },
      (users, frame, skip) => this.route(users, frame, skip),
    );
    this.state = { store, facts, core, connections: new Map(), behind };
    return this.state;
  }

  /** The core's view of a socket of some inbox; its replies go into the current turn. */
  private connection(origin: Origin): Connection {
    const { core, connections } = this.live();
    const id = `${origin.user} ${origin.socket}`;
    const now = Date.now();
    const known = connections.get(id);
    if (known) {
      known.seen = now;
      return known.conn;
    }
    if (connections.size >= 1000) {
      for (const [key, entry] of connections) {
        if (now - entry.seen > SESSION_IDLE_MS) {
          core.close(entry.conn);
          connections.delete(key);
        }
      }
    }
    const conn: Connection = {
      id,
      user: origin.user,
      send: (frame) => this.bridge.turn?.out.push({ frame, only: origin.socket }),
      close: (code) => this.bridge.turn?.out.push({ frame: '', only: origin.socket, close: code }),
    };
    core.open(conn);
    connections.set(id, { conn, seen: now });
    return conn;
  }

  private route(users: readonly string[], frame: ServerFrame, skip?: Connection): void {
    const turn = this.bridge.turn;
    const data = JSON.stringify(frame);
    for (const user of users) {
      const delivery: InboxDelivery = { frame: data };
      if (frame.t === 'msg') delivery.seq = frame.m.seq;
      if (frame.t === 'read' && frame.user === user) {
        const store = this.live().store;
        delivery.unread = store.unreadCount(this.name, user);
        delivery.asOf = store.getConversation(this.name)?.lastSeq ?? frame.seq;
      }
      if (turn && user === turn.origin.user) {
        // The sender's inbox applies it with the reply; their other tabs get it from there.
        if (skip === turn.origin) delivery.except = turn.socket;
        if (frame.t === 'conv') turn.listed = true;
        turn.out.push(delivery);
        // Not past what a member behind missed: their catch-up starts from there.
        if (delivery.seq !== undefined && !this.live().behind.has(user)) this.markDelivered(user, delivery.seq);
      } else {
        this.push(user, delivery);
      }
    }
  }

  private push(user: string, delivery: InboxDelivery): void {
    let queue = this.queues.get(user);
    if (!queue) this.queues.set(user, (queue = []));
    queue.push(delivery);
    if (delivery.seq !== undefined) this.arm();
  }

  /** Looks again later: a restart mid fan-out loses what was queued, a failed call what it carried. */
  private arm(): void {
    if (this.alarmSet) return;
    this.alarmSet = true;
    void this.clock.request(Date.now() + RECHECK_MS);
  }

  /** Starts a delivery to every inbox with frames queued and none in flight. */
  private flush(): void {
    for (const user of this.queues.keys()) if (!this.sending.has(user)) void this.send(user);
  }

  private async send(user: string): Promise<void> {
    this.sending.add(user);
    const inbox = inboxOf(this.env, user);
    try {
      for (let batch = await this.take(user); batch.length > 0; batch = await this.take(user)) {
        const catchUp = this.live().behind.has(user);
        const seqs = batch.flatMap((d) => (d.seq !== undefined ? [d.seq] : []));
        let seen: Delivered;
        try {
          seen = await inbox.deliver(this.name, batch);
        } catch (error) {
          // What the member missed is stored: the next delivery to them, or the alarm, catches them up.
          console.error('[pin-messaging] delivery failed', error instanceof Error ? error.message : error);
          this.holds?.settle(user, seqs, undefined);
          this.setBehind(user, true);
          this.queues.delete(user);
          this.arm();
          return;
        }
        this.holds?.settle(user, seqs, seen);
        const seq = Math.max(0, ...batch.map((d) => d.seq ?? 0));
        if (seq > 0) this.markDelivered(user, seq);
        if (catchUp) this.setBehind(user, false);
      }
    } finally {
      this.sending.delete(user);
    }
  }

  /** The next batch for a member: what is queued, or for a member behind, a catch-up that covers it. */
  private async take(user: string): Promise<InboxDelivery[]> {
    if (!this.live().behind.has(user)) {
      const queue = this.queues.get(user) ?? [];
      this.queues.delete(user);
      return queue;
    }
    const out = await this.catchUp(user);
    // It covers what was queued for them until now.
    this.queues.delete(user);
    // No longer a member: nothing to catch up on.
    if (out.length === 0) this.setBehind(user, false);
    return out;
  }

  /**
   * What a member's inbox missed, from storage: the conversation as they see
   * it first (their list may lack it; its unread count and read markers cover
   * the `read` frames missed), with the members' profiles as its creation
   * carried them, then the messages after the last one delivered, the newest
   * REDELIVER at most (the client pages for the rest). Typing frames missed
   * are stale anyway. Nothing for someone no longer a member.
   */
  private async catchUp(user: string): Promise<InboxDelivery[]> {
    const { store } = this.live();
    const members = store.getConversation(this.name)?.members;
    if (!members?.includes(user)) return [];
    const users = await directoryOf(this.env)
      .get(members)
      .catch((error: unknown) => {
        // Names can wait (the client shows ids); the conversation cannot.
        console.error('[pin-messaging] profiles for a catch-up', error instanceof Error ? error.message : error);
        return undefined;
      });
    // Read after the call: what was stored meanwhile is in it too.
    const record = store.getConversation(this.name);
    if (!record?.members.includes(user)) return [];
    const conv: ServerFrame = { t: 'conv', conv: conversationView(this.live().core, record, user) };
    if (users) conv.users = users;
    const after = Math.max(this.delivered().get(user) ?? 0, record.lastSeq - REDELIVER);
    const out: InboxDelivery[] = [{ frame: JSON.stringify(conv) }];
    for (const m of store.messagesAfter(this.name, after, REDELIVER)) {
      out.push({ frame: JSON.stringify({ t: 'msg', conv: this.name, m } satisfies ServerFrame), seq: m.seq });
    }
    return out;
  }

  private setBehind(user: string, behind: boolean): void {
    const marked = this.live().behind;
    if (behind === marked.has(user)) return;
    if (behind) {
      marked.add(user);
      this.ctx.storage.sql.exec('INSERT INTO behind (user_id) VALUES (?) ON CONFLICT (user_id) DO NOTHING', user);
    } else {
      marked.delete(user);
      this.ctx.storage.sql.exec('DELETE FROM behind WHERE user_id = ?', user);
    }
  }

  private markDelivered(user: string, seq: number): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO fanout (user_id, seq) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET seq = max(seq, excluded.seq)',
      user,
      seq,
    );
  }

  private delivered(): Map<string, number> {
    const rows = this.ctx.storage.sql.exec<{ user_id: string; seq: number }>('SELECT user_id, seq FROM fanout').toArray();
    return new Map(rows.map((r) => [r.user_id, r.seq]));
  }

  /** The conversation as `user` sees it, if they are a member. */
  private viewFor(user: string): ConversationView | undefined {
    const { store } = this.live();
    const record = store.getConversation(this.name);
    return record?.members.includes(user) ? conversationView(this.live().core, record, user) : undefined;
  }

  private isMember(user: string): boolean {
    return this.live().store.getConversation(this.name)?.members.includes(user) ?? false;
  }
}
