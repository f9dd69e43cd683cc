import { ErrorCode, RETRYABLE_ERRORS, type Body } from '../protocol/index.js';
import type { OutboxStorage } from './outbox-storage.js';

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
  now?: () => number;
}

/**
 * The outbox: every send goes through it, oldest first, at most `window` in
 * flight, until the server acknowledges it or refuses it for good (I2). It
 * never relies on a socket's own buffering: in-flight frames are presumed
 * lost when their socket closes and are sent again on the next one, and the
 * server's deduplication makes that safe (I3).
 */
export class Outbox {
  #entries: OutboxEntry[] = [];
  readonly #window: number;
  readonly #ackTimeoutMs: number;
  readonly #now: () => number;
  #online = false;
  #pausedUntil = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sentAt = new Map<string, number>();
  readonly #options: OutboxOptions;

  constructor(options: OutboxOptions) {
    this.#options = options;
    this.#window = options.window ?? 16;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get list(): readonly OutboxEntry[] {
    return this.#entries;
  }

  /** Adds entries restored from storage (a reload, or a closed tab's leftovers), keeping their order. */
  restore(entries: readonly OutboxEntry[]): void {
    const known = new Set(this.#entries.map((e) => e.id));
    const fresh = entries.filter((e) => !known.has(e.id)).map((e) => ({ ...e, state: e.state === SendState.Failed ? e.state : SendState.Queued }));
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
    this.#online = true;
    this.#requeueInFlight();
    this.#pump();
  }

  /** The socket closed: whatever was in flight is presumed lost. */
  suspend(): void {
    this.#online = false;
    this.#requeueInFlight();
    this.#changed();
  }

  /** The server stored the message. Returns the entry, now removed, or undefined if unknown. */
  acknowledge(id: string): OutboxEntry | undefined {
    const entry = this.#entries.find((e) => e.id === id);
    if (!entry) return undefined;
    this.#entries = this.#entries.filter((e) => e !== entry);
    this.#sentAt.delete(id);
    void this.#options.storage.delete(id);
    this.#changed();
    this.#pump();
    return entry;
  }

  /** The server refused the message. Retryable refusals wait and go again; the rest fail visibly. */
  refuse(id: string, code: string, message: string, retryAfter?: number): void {
    const entry = this.#entries.find((e) => e.id === id);
    if (!entry) return;
    this.#sentAt.delete(id);
    if (RETRYABLE_ERRORS.has(code as ErrorCode)) {
      // Everything after it was refused too (the server pauses a rate-limited sender), so pause
      // the whole queue: resuming oldest first keeps the sender's order.
      this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + Math.max(retryAfter ?? 1000, 50));
      this.#replace(entry, { state: SendState.Queued });
    } else {
      this.#replace(entry, { state: SendState.Failed, error: { code, message } });
      void this.#options.storage.put(this.#entries.find((e) => e.id === id)!);
    }
    this.#changed();
    this.#schedule();
  }

  /** Holds everything for `ms`, then sends what was in flight again, oldest first. */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + Math.max(ms, 50));
    this.#requeueInFlight();
    this.#changed();
    this.#schedule();
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
    this.#entries = this.#entries.filter((e) => e.id !== id);
    this.#sentAt.delete(id);
    void this.#options.storage.delete(id);
    this.#changed();
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#online = false;
  }

  #pump(): void {
    if (!this.#online) return;
    const now = this.#now();
    if (now < this.#pausedUntil) return this.#schedule();
    let inFlight = this.#sentAt.size;
    let changed = false;
    for (const entry of this.#entries) {
      if (inFlight >= this.#window) break;
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
      this.#sentAt.set(entry.id, now);
      inFlight += 1;
      changed = true;
    }
    if (changed) this.#changed();
    this.#schedule();
  }

  /** One timer serves both the rate-limit pause and the acknowledgement deadline. */
  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#online) return;
    const now = this.#now();
    let due = Infinity;
    if (this.#pausedUntil > now && this.#entries.some((e) => e.state === SendState.Queued)) due = this.#pausedUntil;
    for (const at of this.#sentAt.values()) due = Math.min(due, at + this.#ackTimeoutMs);
    if (due === Infinity) return;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, due - now));
  }

  #tick(): void {
    this.#timer = undefined;
    const now = this.#now();
    for (const at of this.#sentAt.values()) {
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
    this.#sentAt.clear();
  }

  #replace(entry: OutboxEntry, patch: Partial<OutboxEntry>): void {
    this.#entries = this.#entries.map((e) => (e === entry ? { ...e, ...patch } : e));
  }

  #changed(): void {
    this.#options.changed(this.#entries);
  }
}
