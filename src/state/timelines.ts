import { atom, type WritableAtom } from 'nanostores';
import { RETRYABLE_ERRORS, type Conversation, type ErrorCode, type Message, type ServerFrameOf } from '../protocol/index.js';
import { CURSORS, HISTORY_PAGE } from '../protocol/limit-values.js';
import { waitOf, type SliceContext } from './context.js';
import { ChatError } from './error.js';
import type { Requests } from './requests.js';
import { EMPTY_TIMELINE, hasGap, hasOlder, mergeMessages, seedTimeline, type Timeline } from './timeline.js';

export interface TimelineState extends Timeline {
  readonly hasOlder: boolean;
  readonly loadingOlder: boolean;
}

// History pages asked for at once to fill gaps; the rest wait their turn (a resume past the
// server's replay budget leaves every stale conversation to page, and each page is paced).
const GAP_REQUESTS = 4;

/**
 * Timelines and gap filling: one store per conversation's loaded history, the
 * pages asked for to close a gap or finish a replay (a few at a time), and
 * older pages on demand.
 */
export interface Timelines {
  /** One conversation's history; the same store for the same id until a welcome reseeds it. */
  get(conv: string): WritableAtom<TimelineState>;
  merge(conv: string, messages: readonly Message[]): void;
  /** A held message changed in place (it became a tombstone): the row of the same seq is replaced. */
  replace(conv: string, m: Message): void;
  /** An unrequested page: the replay after `hello`. */
  replayed(frame: ServerFrameOf<'history'>): void;
  loadOlder(conv: string, limit: number): Promise<void>;
  /** A welcome restated every conversation: drop the others, and reseed what fell out of step. */
  reseed(conversations: readonly Conversation[]): void;
  /** Where each known conversation's history stands: the hello's resume cursors. */
  cursors(): Record<string, number>;
  /** Messages from others above `seq` among those held. */
  unreadAbove(conv: string, seq: number): number;
  delete(conv: string): void;
  /** Stops filling gaps (the socket is gone; the next hello resumes from the same cursors). */
  stop(): void;
}

export function createTimelines(ctx: SliceContext, requests: Requests, conversation: (conv: string) => Conversation | undefined): Timelines {
  const timelines = new Map<string, WritableAtom<TimelineState>>();
  /** Conversations with a gap-filling page asked for, and those waiting their turn. */
  const asked = new Set<string>();
  const queue = new Set<string>();
  const timers = new Set<ReturnType<typeof setTimeout>>();

  function get(conv: string): WritableAtom<TimelineState> {
    let $t = timelines.get(conv);
    if (!$t) timelines.set(conv, ($t = atom(seeded(conversation(conv)))));
    return $t;
  }

  function merge(conv: string, messages: readonly Message[]): void {
    const $t = get(conv);
    const before = $t.get();
    const merged = mergeMessages(before, messages);
    if (merged !== before) $t.set(withFlags(merged, before.loadingOlder));
    if (hasGap(merged)) fillGap(conv);
  }

  /** Asks for what is missing above the contiguous run (a gap, or the rest of a replay). */
  function fillGap(conv: string, more = false): void {
    if (asked.has(conv) || (!more && !hasGap(get(conv).get()))) return;
    queue.add(conv);
    next();
  }

  function next(): void {
    for (const conv of queue) {
      if (asked.size >= GAP_REQUESTS) return;
      queue.delete(conv);
      asked.add(conv);
      requests
        .request<'history'>({ t: 'history', conv, after: get(conv).get().hi, limit: HISTORY_PAGE })
        .then((reply) => {
          asked.delete(conv);
          merge(conv, reply.messages);
          if (reply.hasMore) fillGap(conv, true);
        })
        .catch((error: unknown) => {
          asked.delete(conv);
          // Cut off with its socket: the next hello resumes from the same cursor. Refused for
          // a while (paced past its deadline) or unanswered: the gap is still there, ask again.
          const code = error instanceof ChatError ? error.code : '';
          if (code === 'offline' || !(code === 'timeout' || RETRYABLE_ERRORS.has(code as ErrorCode))) return;
          const timer = setTimeout(() => {
            timers.delete(timer);
            fillGap(conv, true);
          }, waitOf(ctx, (error as ChatError).retryAfter));
          timers.add(timer);
        })
        .finally(next);
    }
  }

  function replace(conv: string, m: Message): void {
    const $t = timelines.get(conv);
    if (!$t) return;
    const t = $t.get();
    const index = t.messages.findIndex((held) => held.seq === m.seq);
    if (index >= 0) {
      const messages = [...t.messages];
      messages[index] = m;
      $t.set({ ...t, messages });
    } else if (t.ahead.has(m.seq)) {
      $t.set({ ...t, ahead: new Map(t.ahead).set(m.seq, m) });
    }
  }

  return {
    get,
    merge,
    replace,
    replayed(frame) {
      merge(frame.conv, frame.messages);
      if (frame.hasMore) fillGap(frame.conv, true);
    },
    async loadOlder(conv, limit) {
      const $t = get(conv);
      const t = $t.get();
      if (t.loadingOlder || !t.hasOlder) return;
      $t.set({ ...t, loadingOlder: true });
      try {
        const reply = await requests.request<'history'>({ t: 'history', conv, before: t.lo, limit });
        merge(conv, reply.messages);
      } finally {
        $t.set({ ...$t.get(), loadingOlder: false });
      }
    },
    reseed(conversations) {
      const ids = new Set(conversations.map((c) => c.id));
      for (const conv of timelines.keys()) if (!ids.has(conv)) timelines.delete(conv);
      for (const c of conversations) {
        const $t = timelines.get(c.id);
        if (!$t || $t.get().hi > c.lastSeq) timelines.set(c.id, atom(seeded(c)));
        // Asked for before the welcome (a panel opened at page load): learn where the history ends.
        else if ($t.get().messages.length === 0 && $t.get().hi < c.lastSeq) $t.set(seeded(c));
      }
    },
    cursors() {
      const cursors: Record<string, number> = {};
      for (const [conv, $t] of timelines) {
        if (Object.keys(cursors).length >= CURSORS) break;
        if (conversation(conv)) cursors[conv] = $t.get().hi;
      }
      return cursors;
    },
    unreadAbove(conv, seq) {
      return get(conv)
        .get()
        .messages.filter((m) => m.seq > seq && m.from !== ctx.user && !m.hidden).length;
    },
    delete: (conv) => timelines.delete(conv),
    stop() {
      asked.clear();
      queue.clear();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

/** A timeline holding what a conversation record carries (its newest message), or an empty one. */
function seeded(c: Conversation | undefined): TimelineState {
  return withFlags(c ? seedTimeline(c.last, c.lastSeq) : EMPTY_TIMELINE);
}

function withFlags(t: Timeline, loadingOlder = false): TimelineState {
  return { ...t, hasOlder: hasOlder(t), loadingOlder };
}
