import { Server, type Connection as Socket, type ConnectionContext, type WSMessage } from 'partyserver';
import {
  CloseCode,
  directMembers,
  ErrorCode,
  LIMITS,
  parseClientFrame,
  RETRYABLE_ERRORS,
  USER_ID,
  utf8Length,
  type ClientFrame,
  type ClientFrameOf,
  type FrameRef,
  type Message,
  type ServerFrame,
} from '../../../src/protocol/index.js';
import type { Refusal } from '../../../src/core/context.js';
import { bannedReason, ChatCore } from '../../../src/core/core.js';
import { GATED_MESSAGE, SendGate } from '../../../src/core/gate.js';
import type { Connection, ServerLimits } from '../../../src/core/types.js';
import { withheldPage, type ProfileClaims } from '../../../src/core/views.js';
import type { DeadLetter } from '../../shared/admin/backend.js';
import { AlarmClock } from './alarm.js';
import { conversationOf, directoryOf, inboxOf, limitsOf, policyOf, socketsPerUserOf, webhooksOf, type Env } from './env.js';
import { PersonBudget, UNLIMITED } from './inbox-budget.js';
import { Bridge } from './bridge.js';
import { checkCreation, factsFor, prefetch, type Reads } from './inbox-reads.js';
import { InboxDirectory, InboxList, type Prefetched } from './inbox-store.js';
import { durableSql } from './sql.js';
import { decideNotice, type NoticeAnswer, type UnreadNote } from './notify.js';
import { ObjectWebhooks, type OutboxHolder } from './webhooks.js';
import { decodeClaims, PROFILE_HEADER, type Delivered, type Envelope, type InboxDelivery } from './wire.js';

/** Frames about one conversation: its object handles them. */
const CONVERSATION_FRAMES = new Set<ClientFrame['t']>(['send', 'history', 'read', 'typing', 'leave', 'mute', 'report', 'unsend']);
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
  /** Refused here (over a budget, or a creation that cannot be): answered in its turn, never sent on. */
  refused?: Refusal;
}

/** Their inbox gates a person's frames (see PersonBudget): its own core charges nothing again. */
const GATED: Partial<ServerLimits> = {
  frameBurst: UNLIMITED,
  framesPerSecond: UNLIMITED,
  replayBurst: UNLIMITED,
  replayPerSecond: UNLIMITED,
  refusalThreshold: UNLIMITED,
};

/**
 * The inbox's core: the send and creation budgets it spends are the person's
 * (the same the inbox spends on frames it forwards), and the replay budget of
 * a `hello` was spent while its pages were fetched.
 */
class InboxCore extends ChatCore {
  budget!: PersonBudget;
  /** For the `hello` being handled: what was paid, in the order the core asks. */
  prepaid: number[] | undefined;

  override takeSendToken(): number {
    return this.budget.send()?.retryAfter ?? 0;
  }

  override takeCreation(): number {
    return this.budget.creation()?.retryAfter ?? 0;
  }

  override takeReplay(_user: string, cost: number): number {
    if (this.prepaid) return this.prepaid.shift() ?? 0;
    return this.budget.replay(cost, 'too much replay')?.retryAfter ?? 0;
  }
}

/**
 * One person: their sockets (hibernating between frames), their
 * conversation list with unread counts, their blocks and follows. Frames
 * about one conversation go to its object in per-conversation batches, in
 * the order they came; `hello`, `contacts`, `block` and `ping` are answered
 * here by the same core, over this person's data. Deliveries from
 * conversation objects update the list, then reach every socket.
 */
export class Inbox extends Server<Env> implements OutboxHolder {
  static override options = { hibernate: true };

  private state?: { people: InboxDirectory; list: InboxList; core: InboxCore; budget: PersonBudget };
  /** Refused frames in a row, by socket id (see `tally`). */
  private readonly strikes = new Map<string, number>();
  /** Sockets that have had their first welcome (it is never refused). */
  private readonly greeted = new Set<string>();
  private readonly opened = new Map<string, Connection>();
  private readonly clock = new AlarmClock(this.ctx.storage);
  private hooksOrOff: ObjectWebhooks | null | undefined;
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
  /**
   * Runs a frame through the core over what was fetched for it; the frames
   * the core sends meanwhile are held, and released once its side effects
   * are done.
   */
  private readonly bridge = new Bridge<Prefetched, [Socket, string][]>((fetched) => {
    const { people, list, core } = this.live();
    people.use(fetched);
    list.use(fetched);
    core.prepaid = fetched?.replay;
  });

  override onConnect(socket: Socket, ctx: ConnectionContext): Promise<void> {
    let open = 0;
    for (const _ of this.getConnections()) open++;
    if (open > socketsPerUserOf(this.env)) {
      socket.close(CloseCode.TooManySockets, 'too many open sockets');
      return Promise.resolve();
    }
    const ban = this.live().people.banOf(this.name, Date.now());
    if (ban) {
      socket.close(CloseCode.Banned, bannedReason(ban.until));
      return Promise.resolve();
    }
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

  /** Frames from a conversation for this person's sockets; says whether one was open (webhooks' `offline`). */
  async deliver(conv: string, deliveries: InboxDelivery[]): Promise<Delivered> {
    const hidden = this.apply(conv, deliveries);
    let online = false;
    for (const _ of this.getConnections()) online = true;
    return { online, hidden };
  }

  // Webhooks: `user.blocked` is recorded here (see ObjectWebhooks) -------------

  override async onAlarm(): Promise<void> {
    this.clock.rang();
    try {
      await this.hooks()?.round();
    } catch (error) {
      console.error('[pin-messaging] inbox webhooks', error instanceof Error ? error.message : error);
    }
  }

  /** A conversation's timer found this person with unread messages there: whether to record a `notification.due` (see notify.ts). */
  async noticeUnread(note: UnreadNote): Promise<NoticeAnswer> {
    const hooks = this.hooks();
    if (!hooks) return { notified: false };
    let online = false;
    for (const _ of this.getConnections()) online = true;
    return decideNotice(hooks, this.name, note, { online, blocked: this.live().people.blockedBy(this.name), now: Date.now() });
  }

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
      this.hooksOrOff = settings ? new ObjectWebhooks(this.ctx.storage, this.env, settings, 'inbox', () => this.name, this.clock) : null;
    }
    return this.hooksOrOff;
  }

  /** Someone blocked (or unblocked) this person. */
  async noteBlock(blocker: string, blocked: boolean): Promise<void> {
    if (blocker !== this.name && USER_ID.test(blocker)) this.live().people.setBlocked(blocker, this.name, blocked === true);
  }

  /** A follow between this person and someone else changed (the site's follow graph). */
  async setFollow(follower: string, followee: string, follows: boolean): Promise<void> {
    if (!USER_ID.test(follower) || !USER_ID.test(followee)) return;
    if ((follower === this.name) !== (followee === this.name)) this.live().people.setFollow(follower, followee, follows === true);
  }

  /** Several follow changes this person is part of (the server API's batch), in order. */
  async setFollows(changes: { follower: string; followee: string; follows: boolean }[]): Promise<void> {
    for (const c of changes) await this.setFollow(c.follower, c.followee, c.follows);
  }

  /** People this person follows and people they blocked, for the server API's reads. */
  async peopleOf(): Promise<{ follows: string[]; blocks: string[] }> {
    const { people } = this.live();
    return { follows: people.followeesOf(this.name), blocks: people.blockedBy(this.name) };
  }

  /** Whether the person's list has the conversation (left or not), or a send that may have made it is unanswered. */
  async lists(conv: string): Promise<boolean> {
    const { list } = this.live();
    return list.entry(conv) !== undefined || list.opening(conv);
  }

  /** Blocks between this person and any of `users`, in either direction, as [blocker, blocked]. */
  async blocksAmong(users: string[]): Promise<[string, string][]> {
    const { people } = this.live();
    const me = this.name;
    const pairs: [string, string][] = [];
    for (const user of users.slice(0, LIMITS.members)) {
      if (user === me) continue;
      if (people.blockedBy(me).includes(user)) pairs.push([me, user]);
      if (people.blockedBy(user).includes(me)) pairs.push([user, me]);
    }
    return pairs;
  }

  /** Bans the person (their sockets close with CloseCode.Banned, new ones are refused), or lifts the ban. */
  async setBan(ban: { until: number | null } | undefined): Promise<void> {
    this.live().people.setBan(this.name, ban !== undefined, ban?.until ?? null);
    if (!ban) return;
    for (const socket of this.getConnections()) {
      this.forget(socket);
      try {
        socket.close(CloseCode.Banned, bannedReason(ban.until));
      } catch {
        // Closing already.
      }
    }
  }

  async banOf(now: number): Promise<{ until: number | null } | undefined> {
    return this.live().people.banOf(this.name, now);
  }

  /**
   * For erasure and exports: every conversation in the person's list (left
   * ones too), and everyone whose inbox holds a block or follow with them.
   */
  async holdings(): Promise<{ conversations: string[]; followers: string[]; related: string[] }> {
    const { people, list } = this.live();
    const { sql } = this.ctx.storage;
    const related = new Set<string>();
    for (const row of sql.exec<{ a: string; b: string }>('SELECT user_id AS a, other AS b FROM blocks').toArray()) related.add(row.a).add(row.b);
    for (const row of sql.exec<{ a: string; b: string }>('SELECT follower AS a, followee AS b FROM follows').toArray()) related.add(row.a).add(row.b);
    related.delete(this.name);
    return { conversations: list.ids(), followers: people.followersOf(this.name), related: [...related] };
  }

  /** Someone was erased: what this inbox holds of them goes (direct conversation, blocks, follows, their profile). */
  async forgetPerson(user: string): Promise<void> {
    if (!USER_ID.test(user) || user === this.name) return;
    const { people, list } = this.live();
    for (const conv of list.ids()) if (directMembers(conv)?.includes(user)) list.forget(conv);
    people.forgetUser(user);
    this.hooks()?.forget(user);
  }

  /** This person was erased: their sockets close and everything the object stored goes. */
  async erase(): Promise<void> {
    await this.revoke();
    this.state = undefined;
    this.queues.clear();
    this.gates.clear();
    this.hooksOrOff?.reset();
    await this.ctx.storage.deleteAll();
    this.clock.forget();
  }

  /** Closes every socket of the person with CloseCode.Revoked. */
  async revoke(): Promise<number> {
    let closed = 0;
    for (const socket of this.getConnections()) {
      this.forget(socket);
      try {
        socket.close(CloseCode.Revoked, 'access revoked');
      } catch {
        // Closing already: one socket must not keep the others open.
      }
      closed++;
    }
    return closed;
  }

  // Sockets --------------------------------------------------------------------

  private live() {
    if (!this.state) {
      const sql = durableSql(this.ctx.storage);
      const people = new InboxDirectory(sql, this.name);
      const list = new InboxList(sql, this.name, people);
      const limits = limitsOf(this.env);
      const budget = new PersonBudget(this.name, limits);
      const core = new InboxCore({
        directory: people,
        conversations: list,
        policy: policyOf(this.env),
        limits: { ...limits, ...GATED },
        events: this.hooks()?.port,
        onError: (e) => console.error('[pin-messaging] inbox', e),
      });
      core.budget = budget;
      this.state = { people, list, core, budget };
      // Pings without a counter are answered without waking the object.
      this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"t":"ping"}', '{"t":"pong"}'));
    }
    return this.state;
  }

  private reads(): Reads {
    const { people, list } = this.live();
    return { env: this.env, people, list, me: this.name };
  }

  /** Runs `task` after the socket's earlier frames, so each socket's frames are handled in order. */
  private serial(id: string, task: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(id) ?? Promise.resolve()).then(task).catch((e) => console.error('[pin-messaging] inbox', e));
    this.chains.set(id, next);
    void next.then(() => this.chains.get(id) === next && this.chains.delete(id));
    return next;
  }

  private async open(socket: Socket, claims: ProfileClaims): Promise<void> {
    const { people } = this.live();
    const directory = directoryOf(this.env);
    // The directory's profile is the base the token's claims are merged into.
    if (!people.getUser(this.name)) people.cacheUsers(await directory.get([this.name]));
    people.profileChanged = undefined;
    this.connection(socket, claims);
    const changed = people.profileChanged;
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
      send: (frame) => {
        const held = this.bridge.turn;
        if (held) held.push([socket, frame]);
        else sendTo(socket, frame);
      },
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
    this.strikes.delete(socket.id);
    this.greeted.delete(socket.id);
    if (!conn) return;
    this.opened.delete(socket.id);
    this.live().core.close(conn);
  }

  private async handle(socket: Socket, raw: string): Promise<void> {
    const conn = this.connection(socket);
    const parsed = parseClientFrame(raw);
    const frame = parsed.ok ? parsed.frame : undefined;
    const ref = frame ? refOf(frame) : !parsed.ok ? parsed.ref : {};
    const { core, list, budget } = this.live();
    const origin = { user: this.name, socket: socket.id };
    // Every frame spends from its person's budget first, whatever becomes of it.
    let refused = budget.frame();
    if (frame && isConversational(frame) && this.forwardable(frame, socket.id)) {
      if (!refused && frame.t === 'send') refused = budget.send();
      if (!refused && frame.t === 'history') refused = budget.replay(1, 'too many history pages');
      // In its turn, so a send refused here gates only the sends that came after it.
      if (refused) return this.forward(frame.conv, { envelope: { origin, raw }, ref, refused });
      let facts;
      try {
        if (frame.t === 'send' && this.creates(frame)) {
          const checked = await checkCreation(this.reads(), frame, policyOf(this.env), budget.limits.allowPrivateUrls);
          if ('refusal' in checked) refused = checked.refusal;
          else {
            facts = checked.facts;
            refused = budget.creation();
          }
          if (refused) return this.forward(frame.conv, { envelope: { origin, raw }, ref, refused });
        }
        if (frame.t === 'send') facts ??= await factsFor(this.reads(), frame);
      } catch (error) {
        // The directory did not answer: refused in the frame's turn, so the gate it sets holds back only what came after it.
        console.error('[pin-messaging] inbox read failed', error instanceof Error ? error.message : error);
        return this.forward(frame.conv, { envelope: { origin, raw }, ref, unready: true });
      }
      const opens = frame.t === 'send' && !list.listed(frame.conv);
      // Stored before the call leaves: until its answer is applied, the frames
      // behind it follow it to the object, even across a restart or a lost reply.
      if (opens) list.setOpening(frame.conv, true);
      return this.forward(frame.conv, { envelope: { origin, raw, facts }, ref, opens });
    }
    if (refused) {
      this.answer(socket.id, ref, refused);
      return this.tally(socket, true);
    }
    const first = !this.greeted.has(socket.id);
    let fetched: Prefetched = {};
    try {
      if (frame) fetched = await prefetch(this.reads(), frame, (cost) => !budget.replay(cost, 'too many hellos'), first);
    } catch (error) {
      // Another object did not answer (the directory, a conversation): the frame may be sent again.
      console.error('[pin-messaging] inbox read failed', error instanceof Error ? error.message : error);
      if (frame) this.answer(socket.id, ref);
      return;
    }
    if (frame?.t === 'hello') this.greeted.add(socket.id);
    const held = this.bridge.run(fetched, [], () => core.receive(conn, raw));
    if (frame?.t === 'block') await this.shareBlock(frame);
    for (const [target, data] of held) sendTo(target, data);
    // The core closed the socket itself (invalid frames) when it is gone from `opened`.
    if (this.opened.has(socket.id)) this.tally(socket, held.some(([target, data]) => target === socket && isRefusal(data)));
  }

  /**
   * Whether a send would create its conversation: it names recipients, and the
   * person's list neither has the conversation (left or not) nor awaits the
   * answer to a send that may have created it.
   */
  private creates(frame: ClientFrameOf<'send'>): boolean {
    const { list } = this.live();
    return frame.to !== undefined && list.entry(frame.conv) === undefined && !list.opening(frame.conv);
  }

  /**
   * Counts refused frames in a row, per socket, closing it with 4008 past the
   * threshold: what a conversation object refuses counts as much as what the
   * inbox refuses. A failure of the server's own counts neither way.
   */
  private tally(socket: Socket, refused: boolean): void {
    if (!refused) return void this.strikes.delete(socket.id);
    const strikes = (this.strikes.get(socket.id) ?? 0) + 1;
    this.strikes.set(socket.id, strikes);
    if (strikes > this.live().budget.limits.refusalThreshold && this.getConnection(socket.id)) {
      this.connection(socket).close(CloseCode.Abuse, 'too many refused frames');
    }
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
    const { list } = this.live();
    if (this.queues.has(frame.conv) || list.opening(frame.conv)) return true;
    if (frame.t === 'send' && this.gates.get(socket)?.get(frame.conv)?.closed) return true;
    const entry = list.entry(frame.conv);
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
    const { list } = this.live();
    const queue = this.queues.get(conv)!;
    const target = conversationOf(this.env, conv);
    while (queue.length > 0) {
      const batch = this.admit(conv, queue);
      if (batch.length === 0) continue;
      // A list without the conversation gets its view with the reply, if the person
      // is a member: it was created, or rejoined, by a send whose answer was lost.
      const unlisted = !list.listed(conv);
      let replies: InboxDelivery[][] | undefined;
      try {
        replies = await target.receive(batch.map((f) => (unlisted ? { ...f.envelope, unlisted } : f.envelope)));
      } catch (error) {
        console.error('[pin-messaging] conversation call failed', error instanceof Error ? error.message : error);
      }
      batch.forEach((forwarded, i) => {
        try {
          if (!replies) return this.failed(conv, forwarded);
          this.apply(conv, replies[i]);
          const { socket } = forwarded.envelope.origin;
          const target = this.getConnection(socket);
          if (target) this.tally(target, replies[i].some((d) => d.only === socket && isRefusal(d.frame)));
        } catch (error) {
          console.error('[pin-messaging] inbox', error);
        }
      });
      // Answered: the list now has the conversation, or its object said no. A lost
      // answer keeps the mark, so the next frames still go to the object.
      if (replies && !queue.some((f) => f.opens)) list.setOpening(conv, false);
    }
    this.queues.delete(conv);
  }

  /**
   * Takes the next frames for one call off the queue, in order: sends behind a
   * refused one are refused here (see `gates`), and a frame refused on arrival
   * or a send whose facts could not be read is answered in its turn, after the
   * call carrying the frames before it.
   */
  private admit(conv: string, queue: Forwarded[]): Forwarded[] {
    const batch: Forwarded[] = [];
    while (queue.length > 0 && batch.length < MAX_BATCH) {
      const next = queue[0];
      if ((next.unready || next.refused) && batch.length > 0) break;
      queue.shift();
      if (!this.passGate(conv, next)) continue;
      if (next.refused) this.rejected(conv, next, next.refused);
      else if (next.unready) this.failed(conv, next);
      // Behind a creation that was refused, or a leave: the object has nothing for the person, or does not exist.
      else if (!this.reachable(conv)) this.rejected(conv, next, NOT_MEMBER);
      else batch.push(next);
    }
    return batch;
  }

  /** Whether the person may be a member of the conversation: only then is its object asked (and so made). */
  private reachable(conv: string): boolean {
    const { list } = this.live();
    return list.entry(conv) !== undefined || list.opening(conv);
  }

  /** Whether a frame may go on: anything but a send passes; a send passes unless it is behind a refused one. */
  private passGate(conv: string, forwarded: Forwarded): boolean {
    const { envelope, ref } = forwarded;
    const gate = this.gates.get(envelope.origin.socket)?.get(conv);
    if (ref.id === undefined || gate === undefined) return true;
    const retryAfter = gate.wait(ref.id, Date.now());
    if (retryAfter === 0) return true;
    this.rejected(conv, forwarded, { code: ErrorCode.RateLimited, message: GATED_MESSAGE, retryAfter });
    return false;
  }

  /** Answers a frame refused without its conversation object; a retryable refusal of a send gates the ones after it. */
  private rejected(conv: string, { envelope, ref }: Forwarded, refusal: Refusal): void {
    const target = this.getConnection(envelope.origin.socket);
    if (!target) return;
    if (ref.id !== undefined && RETRYABLE_ERRORS.has(refusal.code)) this.gate(target.id, conv).close(ref.id, Date.now() + (refusal.retryAfter ?? 0));
    this.answer(target.id, ref, refusal);
    this.tally(target, true);
  }

  private gate(socket: string, conv: string): SendGate {
    let gates = this.gates.get(socket);
    if (!gates) this.gates.set(socket, (gates = new Map()));
    let gate = gates.get(conv);
    if (!gate) gates.set(conv, (gate = new SendGate()));
    return gate;
  }

  /**
   * Nothing is known of a frame whose call failed: the client may send it again
   * (dedup makes that safe). The first send so refused gates the socket's
   * later sends to the conversation.
   */
  private failed(conv: string, forwarded: Forwarded): void {
    const socket = forwarded.envelope.origin.socket;
    const id = forwarded.ref.id;
    // No wait: the refusal of a failed call carries none, so held-back sends retry after 1 ms.
    if (id !== undefined && this.getConnection(socket)) this.gate(socket, conv).close(id, Date.now());
    this.answer(socket, forwarded.ref);
  }

  /** An `error` frame for one socket, tied to the frame it answers. */
  private answer(socket: string, ref: FrameRef, refusal: Refusal = FAILED): void {
    const target = this.getConnection(socket);
    const frame: ServerFrame = { t: 'error', code: refusal.code, message: refusal.message, ...ref };
    if (refusal.retryAfter !== undefined) frame.retryAfter = refusal.retryAfter;
    if (target) sendTo(target, JSON.stringify(frame));
  }

  /** Applies deliveries; returns the seqs of the messages withheld (their senders are blocked). */
  private apply(conv: string, deliveries: InboxDelivery[]): number[] {
    const { list } = this.live();
    const hidden: number[] = [];
    for (const delivery of deliveries) {
      // One bad delivery must not cost the person the others.
      try {
        const d = this.withholding(conv, delivery);
        if (delivery.seq !== undefined && d.frame !== delivery.frame && d.frame.includes('"hidden":"blocked"')) hidden.push(delivery.seq);
        if (d.only !== undefined) {
          const socket = this.getConnection(d.only);
          if (!socket) continue;
          if (d.close !== undefined) this.connection(socket).close(d.close, 'closed by the server');
          else sendTo(socket, d.frame);
          continue;
        }
        list.apply(conv, d);
        for (const socket of this.getConnections()) if (socket.id !== d.except) sendTo(socket, d.frame);
      } catch (error) {
        console.error('[pin-messaging] inbox delivery', error instanceof Error ? error.message : error);
      }
    }
    return hidden;
  }

  /**
   * A group's messages from people this person blocked reach their sockets and
   * their list as placeholders (see `withheldPage`): conversation objects know
   * nothing of blocks, so each reader's inbox withholds them.
   */
  private withholding(conv: string, d: InboxDelivery): InboxDelivery {
    if (conv.startsWith('dm:') || !CARRIES_MESSAGES.test(d.frame)) return d;
    const { people } = this.live();
    if (people.blockedBy(this.name).length === 0) return d;
    const frame = JSON.parse(d.frame) as ServerFrame;
    const hide = (messages: Message[]) => withheldPage(people, conv, this.name, messages);
    let shown: ServerFrame | undefined;
    if (frame.t === 'msg') shown = { ...frame, m: hide([frame.m])[0] };
    else if (frame.t === 'history') shown = { ...frame, messages: hide(frame.messages) };
    else if (frame.t === 'conv' && frame.conv.last) shown = { ...frame, conv: { ...frame.conv, last: hide([frame.conv.last])[0] } };
    return shown ? { ...d, frame: JSON.stringify(shown) } : d;
  }

  /** The other person's inbox must know before the `ok`: their next send is checked against it. */
  private async shareBlock(frame: ClientFrameOf<'block'>): Promise<void> {
    const { people } = this.live();
    if (frame.user === this.name || !people.getUser(frame.user)) return;
    await inboxOf(this.env, frame.user).noteBlock(this.name, frame.blocked);
  }
}

/** Frames that may carry someone's message (see `withholding`). */
const CARRIES_MESSAGES = /^\{"t":"(?:msg|history|conv)"/;

const NOT_MEMBER: Refusal = { code: ErrorCode.NotMember, message: 'you are not a member of this conversation' };

/** The answer of a frame the server could not handle: the client may send it again. */
const FAILED: Refusal = { code: ErrorCode.Internal, message: 'the server failed; try again' };

/** Whether a serialised frame refuses something (a failure of the server's own does not count). */
function isRefusal(frame: string): boolean {
  return frame.startsWith('{"t":"error"') && !frame.startsWith('{"t":"error","code":"internal"');
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
