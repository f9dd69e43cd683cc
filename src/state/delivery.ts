import { atom, type WritableAtom } from 'nanostores';
import { RETRYABLE_ERRORS, randomId, type Body, type ClientFrameOf, type ErrorCode, type Message, type ServerFrameOf } from '../protocol/index.js';
import { PENDING } from '../protocol/limit-values.js';
import type { SliceContext } from './context.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import type { OutboxStorage } from './outbox-storage.js';

// How soon a closed tab's unsent messages are picked up by another tab of the same person (F8).
const OUTBOX_CLAIM_EVERY_MS = 1_000;
// The outbox's code (and the default storage's) is fetched at the first send, at the first unsent
// message found in a storage the page gave, or this long after start (idle time on a page),
// whichever comes first: the heads and their badges never wait for it, and a send made offline
// later still finds it loaded.
const OUTBOX_PREFETCH_MS = 2_000;

export interface DeliveryOptions {
  /** Default: `defaultOutboxStorage()`, made when the outbox's code comes. */
  storage?: OutboxStorage;
  window?: number;
  ackTimeoutMs?: number;
}

/**
 * Delivery state: the person's unsent messages, from queued to acknowledged
 * or refused for good, kept in a storage that other tabs of theirs share.
 */
export interface Delivery {
  readonly stores: { readonly $outbox: WritableAtom<readonly OutboxEntry[]> };
  /** Starts sending what this tab and closed ones left unsent, when the connection says so. */
  start(): void;
  stop(): void;
  /** Releases the outbox storage (its entries become another tab's to send). */
  close(): void;
  queue(conv: string, body: Body, to?: readonly string[], title?: string): Promise<string>;
  /** The sends a hello names, so the server replays their acks. */
  pending(): ClientFrameOf<'hello'>['pending'];
  /** The message the server stored, as the timeline holds it; undefined when the send is not held. */
  acknowledged(frame: ServerFrameOf<'ack'>): Message | undefined;
  /** True when a refusal naming a send is the outbox's to deal with. */
  refused(frame: ServerFrameOf<'error'>): boolean;
  /** The server said welcome on a socket: sending may start. */
  resume(): void;
  /** The server asked to slow down: nothing new goes out for `ms`. */
  pause(ms: number): void;
  /** The socket closed: what was in flight goes again on the next one. */
  suspend(): void;
  retry(id: string): void;
  discard(id: string): void;
}

/**
 * The outbox itself is loaded on demand (see OUTBOX_PREFETCH_MS); until then
 * there is nothing unsent, and this keeps the connection's news (online,
 * paused) to hand it over when it comes.
 */
export function createDelivery(ctx: SliceContext, options: DeliveryOptions): Delivery {
  const $outbox = atom<readonly OutboxEntry[]>([]);
  let storage = options.storage;
  let outbox: Outbox | undefined;
  let loading: Promise<Outbox> | undefined;
  let online = false;
  let started = false;
  let closed = false;
  let pausedUntil = 0;
  let claimTimer: ReturnType<typeof setInterval> | undefined;
  let prefetchTimer: ReturnType<typeof setTimeout> | undefined;

  function load(): Promise<Outbox> {
    loading ??= Promise.all([
      import('./outbox.js'),
      storage ??
        import('./outbox-storage.js').then(({ defaultOutboxStorage }) => {
          storage ??= defaultOutboxStorage();
          if (closed) storage.close();
          return storage;
        }),
    ]).then(
      ([{ Outbox }, kept]) => {
        outbox = new Outbox({
          send: (frame) => ctx.transport.send(frame),
          stalled: () => ctx.transport.reconnect(),
          changed: (entries) => $outbox.set(entries),
          storage: kept,
          window: options.window,
          ackTimeoutMs: options.ackTimeoutMs,
          minPauseMs: ctx.minRetryMs,
          now: ctx.now,
        });
        const wait = pausedUntil - ctx.now();
        if (wait > 0) outbox.pause(wait);
        if (online) outbox.resume();
        // What a closed tab left is looked for at once, not at the next round.
        if (started && !options.storage) void claim();
        return outbox;
      },
      (error: unknown) => {
        // Fetched again at the next need.
        loading = undefined;
        throw error;
      },
    );
    return loading;
  }

  async function claim(): Promise<void> {
    // The default storage comes with the outbox's code.
    if (!storage) return;
    try {
      const entries = await storage.claim(ctx.user);
      if (entries.length || outbox) (outbox ?? (await load())).restore(entries);
    } catch (error) {
      console.warn('pin-messaging: could not read the stored outbox', error);
    }
  }

  return {
    stores: { $outbox },
    start() {
      started = true;
      void claim();
      claimTimer = setInterval(() => void claim(), OUTBOX_CLAIM_EVERY_MS);
      prefetchTimer = setTimeout(() => void load().catch(() => undefined), OUTBOX_PREFETCH_MS);
    },
    stop() {
      started = false;
      online = false;
      outbox?.dispose();
      clearInterval(claimTimer);
      clearTimeout(prefetchTimer);
    },
    close() {
      closed = true;
      storage?.close();
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
        // SendState.Queued, written out so that this module needs none of the outbox's code.
        state: 'queued',
        attempts: 0,
      };
      await (outbox ?? (await load())).add(entry);
      return entry.id;
    },
    pending: () =>
      (outbox?.list ?? [])
        .filter((e) => e.state !== 'failed')
        .slice(0, PENDING)
        .map((e) => ({ conv: e.conv, id: e.id })),
    acknowledged: (frame) => outbox?.acknowledged(frame, ctx.user),
    // A send's retryable refusal is the outbox's to wait out, even a late one about a message it no longer holds.
    refused: (frame) =>
      !!frame.id && (!!outbox?.refuse(frame.id, frame.code, frame.message, frame.retryAfter) || RETRYABLE_ERRORS.has(frame.code as ErrorCode)),
    resume() {
      online = true;
      outbox?.resume();
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, ctx.now() + ms);
      outbox?.pause(ms);
    },
    suspend() {
      online = false;
      outbox?.suspend();
    },
    retry: (id) => outbox?.retry(id),
    discard: (id) => outbox?.discard(id),
  };
}
