// From the protocol's modules themselves, not its index: the outbox is fetched on its own (see delivery.ts).
import { GATED_MESSAGE, RETRYABLE_ERRORS, type ErrorCode } from '../protocol/codes.js';
import { storedBody } from '../protocol/body.js';
import type { Body } from '../protocol/schema.js';
import type { Message } from '../protocol/server-frames.js';
import type { OutboxStorage } from './outbox-storage.js';

/** How many let-go ids an outbox remembers (see `Outbox.#gone`). */
const GONE_KEPT = 4096;

/** Where a message the person wrote stands before the server has it. */
export const SendState = {
  /** Waiting for a socket, for its turn in the window, or for a retry time. */
  Queued: 'queued',
  /** On the wire; no acknowledgement yet. */
  Sending: 'sending',
  /** Refused for good (bad URL, not allowed...): shown with a retry button. */
  Failed: 'failed',
} as const;
export type SendState = (typeof SendState)[keyof typeof SendState];

export interface OutboxEntry {
  /** Client-made id: the server stores each id once, so resending is safe. */
  readonly id: string;
  readonly user: string;
  readonly conv: string;
  /** Members to create the conversation with on first send. */
  readonly to?: readonly string[];
  readonly title?: string;
  readonly body: Body;
  readonly createdAt: number;
  state: SendState;
  attempts: number;
  error?: { code: string; message: string };
}

export interface OutboxOptions {
  /** Sends one frame on the current socket; false when there is none. */
  send(frame: string): boolean;
  /** Called when acknowledgements stop coming on an open socket: the caller drops and reconnects it. */
  stalled(): void;
  /** Called after every change, with the entries in send order. */
  changed(entries: readonly OutboxEntry[]): void;
  storage: OutboxStorage;
  /** Frames on the wire at once (16-32 drains a backlog quickly without flooding a reconnect). */
  window?: number;
  /** How long an unacknowledged send may wait on an open socket before the socket is presumed dead. */
  ackTimeoutMs?: number;
  /** Shortest wait after a retryable refusal, whatever retry time the server named. */
  minPauseMs?: number;
  now?: () => number;
}

/**
 * The outbox: every send goes through it, oldest first, at most `window` in
 * flight, until the server acknowledges it or refuses it for good (I2). It
 * never relies on a socket's own buffering: in-flight frames are presumed
 * lost when their socket closes and are sent again on the next one, and the
 * server's deduplication makes that safe (I3).
 *
 * Order under refusals (I5): the server holds back every send on a socket
 * behind the first one it refused for a retryable reason, until that one
 * comes again (its send gate). So after such a refusal nothing new goes out
 * until every frame in flight on the socket has been answered; then the
 * refused one goes first and the rest follow oldest first. Sending earlier
 * could let the resent one reopen the gate ahead of an older message still on
 * its way to a refusal, and store what follows before it.
 */
export class Outbox {
  #entries: OutboxEntry[] = [];
  readonly #window: number;
  readonly #ackTimeoutMs: number;
  readonly #minPauseMs: number;
  readonly #now: () => number;
  #online = false;
  #pausedUntil = 0;
  /** Set by a retryable refusal: nothing new goes out until every frame in flight is answered. */
  #held = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Frames on this socket not answered yet, by message id, with when they left. */
  #inFlight = new Map<string, { at: number; frame: string }>();
  /**
   * The send the server's gate waits for on this socket: the first one
   * refused for a retryable reason since the gate last opened (answers arrive
   * in order, so the first refusal seen is the first the server made). Its
   * frame is kept because its entry may be gone (another copy of it was
   * acknowledged): then the frame goes again as a harmless duplicate.
   */
  #gate: { id: string; frame: string } | undefined;
  /**
   * The latest frames acknowledged, in case a copy the network duplicated is
   * answered again with a refusal: the server's gate then waits for that id.
   */
  #answered = new Map<string, string>();
  /**
   * Ids this outbox has let go of (acknowledged or discarded), newest last. A
   * claim may read the storage before their deletion is written there; restoring
   * them would show the message twice and send it again.
   */
  #gone = new Set<string>();
  readonly #options: OutboxOptions;

  constructor(options: OutboxOptions) {
    this.#options = options;
    this.#window = options.window ?? 16;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.#minPauseMs = options.minPauseMs ?? 50;
    this.#now = options.now ?? Date.now;
  }

  get list(): readonly OutboxEntry[] {
    return this.#entries;
  }

  /** Adds entries restored from storage (a reload, or a closed tab's leftovers), keeping their order. */
  restore(entries: readonly OutboxEntry[]): void {
    const known = new Set(this.#entries.map((e) => e.id));
    const fresh = entries.filter((e) => !known.has(e.id) && !this.#gone.has(e.id)).map((e) => ({ ...e, state: e.state === SendState.Failed ? e.state : SendState.Queued }));
    if (fresh.length === 0) return;
    this.#entries = [...this.#entries, ...fresh].sort((a, b) => a.createdAt - b.createdAt);
    this.#changed();
    this.#pump();
  }

  /** Queues a new message; resolves once it is persisted and handed to the pump. */
  async add(entry: OutboxEntry): Promise<void> {
    this.#entries = [...this.#entries, entry];
    this.#changed();
    await this.#options.storage.put(entry);
    this.#pump();
  }

  /** A socket opened and the server said welcome: start sending. */
  resume(): void {
    // A second welcome on the same socket: what is in flight is still on its way.
    if (this.#online) return this.#pump();
    this.#online = true;
    this.#requeueInFlight();
    this.#pump();
  }

  /** The socket closed: whatever was in flight is presumed lost, and the next socket has a gate of its own. */
  suspend(): void {
    this.#online = false;
    this.#requeueInFlight();
    this.#changed();
  }

  /**
   * {@link acknowledge}, and the message the entry became as a timeline holds it (its body as
   * the server stores it), sent by `from`. Here rather than in the delivery slice, so that the
   * code that makes the stored body comes with the outbox, on demand.
   */
  acknowledged(frame: { id: string; seq: number; at: number }, from: string): Message | undefined {
    const entry = this.acknowledge(frame.id);
    return entry && { seq: frame.seq, id: entry.id, from, at: frame.at, body: storedBody(entry.body) };
  }

  /** The server stored the message. Returns the entry, now removed, or undefined if unknown. */
  acknowledge(id: string): OutboxEntry | undefined {
    const flight = this.#inFlight.get(id);
    this.#inFlight.delete(id);
    if (flight) {
      this.#answered.set(id, flight.frame);
      if (this.#answered.size > this.#window) this.#answered.delete(this.#answered.keys().next().value!);
    }
    // Whichever copy was stored, it passed the gate: the gate is open again.
    if (this.#gate?.id === id) this.#gate = undefined;
    const entry = this.#entries.find((e) => e.id === id);
    if (!entry) {
      if (flight) this.#pump();
      return undefined;
    }
    this.#remove(entry);
    this.#changed();
    this.#pump();
    return entry;
  }

  /**
   * The server refused the message. Retryable refusals wait and go again; the
   * rest fail visibly. Returns false when the refusal is about nothing this
   * outbox holds or has in flight.
   */
  refuse(id: string, code: string, message: string, retryAfter?: number): boolean {
    const retryable = RETRYABLE_ERRORS.has(code as ErrorCode);
    const late = retryable ? this.#answered.get(id) : undefined;
    const flight = this.#inFlight.get(id) ?? (late === undefined ? undefined : { at: 0, frame: late });
    this.#inFlight.delete(id);
    this.#answered.delete(id);
    const entry = this.#entries.find((e) => e.id === id);
    // Any other second answer to one frame (a duplicate on the wire) changes nothing.
    if (!flight) return entry !== undefined;
    if (retryable && this.#gate?.id === id && message === GATED_MESSAGE) {
      // The send meant to reopen the server's gate was held back by it: the server waits for
      // another one (a copy the network duplicated, refused after this outbox forgot it). No
      // resend on this socket can reopen it, and resending would only pile up refusals until the
      // socket is closed as abusive; a new socket starts with an open gate.
      if (entry) this.#replace(entry, { state: SendState.Queued });
      this.suspend();
      this.#options.stalled();
      return true;
    }
    if (retryable) {
      this.#held = true;
      this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + Math.max(retryAfter ?? 1000, this.#minPauseMs));
      this.#gate ??= { id, frame: flight.frame };
      if (entry) this.#replace(entry, { state: SendState.Queued });
    } else {
      // Refused after passing the gate: it is open again.
      if (this.#gate?.id === id) this.#gate = undefined;
      if (entry) {
        this.#replace(entry, { state: SendState.Failed, error: { code, message } });
        void this.#options.storage.put(this.#entries.find((e) => e.id === id)!);
      }
    }
    this.#changed();
    this.#pump();
    return true;
  }

  /** The server asked to slow down without naming a message: nothing new goes out for `ms`. */
  pause(ms: number): void {
    const now = this.#now();
    this.#held = true;
    this.#pausedUntil = Math.max(this.#pausedUntil, now + Math.max(ms, this.#minPauseMs));
    this.#schedule(now);
  }

  /** Sends a failed message again, as the same message (same id). */
  retry(id: string): void {
    const entry = this.#entries.find((e) => e.id === id);
    if (!entry || entry.state !== SendState.Failed) return;
    this.#replace(entry, { state: SendState.Queued, error: undefined });
    void this.#options.storage.put(this.#entries.find((e) => e.id === id)!);
    this.#changed();
    this.#pump();
  }

  /** Gives up on a message that has not been acknowledged. */
  discard(id: string): void {
    const entry = this.#entries.find((e) => e.id === id);
    if (!entry) return;
    this.#remove(entry);
    this.#changed();
    // The gate may be waiting for this one, and it must not go again: only a new socket opens it.
    if (this.#online && (this.#gate?.id === id || this.#inFlight.has(id))) {
      this.suspend();
      this.#options.stalled();
    }
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#online = false;
  }

  #pump(): void {
    if (!this.#online) return;
    const now = this.#now();
    if (now < this.#pausedUntil) return this.#schedule(now);
    if (this.#held) {
      if (this.#inFlight.size > 0) return this.#schedule(now);
      this.#held = false;
    }
    // The gate's message is the oldest one queued, so oldest first opens the gate; but if another
    // copy of it was acknowledged meanwhile, only its own frame, now a duplicate, can.
    const gate = this.#gate;
    if (gate && !this.#inFlight.has(gate.id) && !this.#entries.some((e) => e.id === gate.id)) {
      if (!this.#options.send(gate.frame)) return this.#schedule(now);
      this.#inFlight.set(gate.id, { at: now, frame: gate.frame });
    }
    let changed = false;
    for (const entry of this.#entries) {
      if (this.#inFlight.size >= this.#window) break;
      if (entry.state !== SendState.Queued) continue;
      const frame = JSON.stringify({
        t: 'send',
        conv: entry.conv,
        id: entry.id,
        ...(entry.to ? { to: entry.to } : {}),
        ...(entry.title ? { title: entry.title } : {}),
        body: entry.body,
      });
      if (!this.#options.send(frame)) break;
      this.#replace(entry, { state: SendState.Sending, attempts: entry.attempts + 1 });
      this.#inFlight.set(entry.id, { at: now, frame });
      changed = true;
    }
    if (changed) this.#changed();
    this.#schedule(now);
  }

  /**
   * One timer serves both the rate-limit pause and the acknowledgement deadline.
   * `now` is the caller's reading: read again, a millisecond passing in between
   * could end the pause here but not in the caller, and no timer would be set.
   */
  #schedule(now = this.#now()): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#online) return;
    let due = Infinity;
    if (this.#pausedUntil > now && (this.#gate || this.#entries.some((e) => e.state === SendState.Queued))) due = this.#pausedUntil;
    for (const { at } of this.#inFlight.values()) due = Math.min(due, at + this.#ackTimeoutMs);
    if (due === Infinity) return;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, due - now));
  }

  #tick(): void {
    this.#timer = undefined;
    const now = this.#now();
    for (const { at } of this.#inFlight.values()) {
      if (now - at >= this.#ackTimeoutMs) {
        // Frames on one socket arrive in order or not at all, so a missing ack means the
        // socket is dead even if it looks open: reconnect rather than resend out of order.
        this.suspend();
        this.#options.stalled();
        return;
      }
    }
    this.#pump();
  }

  #requeueInFlight(): void {
    for (const entry of this.#entries) {
      if (entry.state === SendState.Sending) this.#replace(entry, { state: SendState.Queued });
    }
    this.#inFlight.clear();
    this.#answered.clear();
    this.#gate = undefined;
    this.#held = false;
  }

  #remove(entry: OutboxEntry): void {
    this.#entries = this.#entries.filter((e) => e !== entry);
    this.#gone.add(entry.id);
    // Plenty: a claim in flight read the storage less than a claim period before.
    if (this.#gone.size > GONE_KEPT) this.#gone.delete(this.#gone.values().next().value!);
    void this.#options.storage.delete(entry.id);
  }

  #replace(entry: OutboxEntry, patch: Partial<OutboxEntry>): void {
    this.#entries = this.#entries.map((e) => (e === entry ? { ...e, ...patch } : e));
  }

  #changed(): void {
    this.#options.changed(this.#entries);
  }
}
