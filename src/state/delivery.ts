import { atom, type WritableAtom } from 'nanostores';
import { LIMITS, RETRYABLE_ERRORS, randomId, storedBody, type Body, type ClientFrameOf, type ErrorCode, type Message, type ServerFrameOf } from '../protocol/index.js';
import type { SliceContext } from './context.js';
import { Outbox, SendState, type OutboxEntry } from './outbox.js';
import type { OutboxStorage } from './outbox-storage.js';

// How soon a closed tab's unsent messages are picked up by another tab of the same person (F8).
const OUTBOX_CLAIM_EVERY_MS = 1_000;

export interface DeliveryOptions {
  storage: OutboxStorage;
  window?: number;
  ackTimeoutMs?: number;
}

/**
 * Delivery state: the person's unsent messages, from queued to acknowledged
 * or refused for good, kept in a storage that other tabs of theirs share.
 */
export interface Delivery {
  readonly stores: { readonly $outbox: WritableAtom<readonly OutboxEntry[]> };
  readonly storage: OutboxStorage;
  /** Starts sending what this tab and closed ones left unsent, when the connection says so. */
  start(): void;
  stop(): void;
  queue(conv: string, body: Body, to?: readonly string[], title?: string): Promise<string>;
  /** The sends a hello names, so the server replays their acks. */
  pending(): ClientFrameOf<'hello'>['pending'];
  /** The message the server stored, as the timeline holds it; undefined when the send is not held. */
  acknowledged(frame: ServerFrameOf<'ack'>): Message | undefined;
  /** True when a refusal naming a send is the outbox's to deal with. */
  refused(frame: ServerFrameOf<'error'>): boolean;
  readonly outbox: Outbox;
}

export function createDelivery(ctx: SliceContext, options: DeliveryOptions): Delivery {
  const $outbox = atom<readonly OutboxEntry[]>([]);
  const { storage } = options;
  const outbox = new Outbox({
    send: (frame) => ctx.transport.send(frame),
    stalled: () => ctx.transport.reconnect(),
    changed: (entries) => $outbox.set(entries),
    storage,
    window: options.window,
    ackTimeoutMs: options.ackTimeoutMs,
    minPauseMs: ctx.minRetryMs,
    now: ctx.now,
  });
  let claimTimer: ReturnType<typeof setInterval> | undefined;

  async function claim(): Promise<void> {
    try {
      outbox.restore(await storage.claim(ctx.user));
    } catch (error) {
      console.warn('pin-messaging: could not read the stored outbox', error);
    }
  }

  return {
    stores: { $outbox },
    storage,
    outbox,
    start() {
      void claim();
      claimTimer = setInterval(() => void claim(), OUTBOX_CLAIM_EVERY_MS);
    },
    stop() {
      outbox.dispose();
      clearInterval(claimTimer);
    },
    async queue(conv, body, to, title) {
      const entry: OutboxEntry = {
        id: randomId(),
        user: ctx.user,
        conv,
        ...(to ? { to } : {}),
        ...(title ? { title } : {}),
        body,
        createdAt: ctx.now(),
        state: SendState.Queued,
        attempts: 0,
      };
      await outbox.add(entry);
      return entry.id;
    },
    pending: () =>
      outbox.list
        .filter((e) => e.state !== SendState.Failed)
        .slice(0, LIMITS.pending)
        .map((e) => ({ conv: e.conv, id: e.id })),
    acknowledged(frame) {
      const entry = outbox.acknowledge(frame.id);
      return entry && { seq: frame.seq, id: entry.id, from: ctx.user, at: frame.at, body: storedBody(entry.body) };
    },
    // A send's retryable refusal is the outbox's to wait out, even a late one about a message it no longer holds.
    refused: (frame) =>
      !!frame.id && (outbox.refuse(frame.id, frame.code, frame.message, frame.retryAfter) || RETRYABLE_ERRORS.has(frame.code as ErrorCode)),
  };
}
