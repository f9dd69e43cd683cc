import type { Message } from '../protocol/index.js';

/**
 * The part of one conversation's history this client holds: a contiguous run
 * of messages `lo..hi` by sequence number, plus messages received ahead of a
 * gap. Only the contiguous run is shown, so nobody ever sees a hole (I4), and
 * `hi` only grows (I6).
 */
export interface Timeline {
  /** Contiguous, ascending by seq. */
  readonly messages: readonly Message[];
  /** Lowest seq held (`hi + 1` when empty). */
  readonly lo: number;
  /** Highest contiguous seq held: the resume cursor. */
  readonly hi: number;
  /** Messages above `hi + 1`, waiting for the gap below them to be filled. */
  readonly ahead: ReadonlyMap<number, Message>;
}

export const EMPTY_TIMELINE: Timeline = { messages: [], lo: 1, hi: 0, ahead: new Map() };

/** A timeline that starts at the conversation's newest message (what a welcome tells). */
export function seedTimeline(last: Message | undefined, lastSeq: number): Timeline {
  if (last && last.seq === lastSeq) return { messages: [last], lo: last.seq, hi: last.seq, ahead: new Map() };
  return { messages: [], lo: lastSeq + 1, hi: lastSeq, ahead: new Map() };
}

/** True when older messages exist that this timeline does not hold. */
export function hasOlder(t: Timeline): boolean {
  return t.lo > 1;
}

/** True when messages arrived above a hole: the caller must ask for `after: hi`. */
export function hasGap(t: Timeline): boolean {
  return t.ahead.size > 0;
}

/**
 * Merges messages (any order, duplicates allowed) into a timeline and returns
 * a new one, or the same object when nothing changed. Messages right below
 * `lo` extend the run downwards (older history); messages above `hi` extend it
 * upwards as far as they are contiguous; the rest wait in `ahead`.
 */
export function mergeMessages(t: Timeline, incoming: readonly Message[]): Timeline {
  if (incoming.length === 0) return t;
  let ahead: Map<number, Message> | undefined;
  const below: Message[] = [];
  for (const m of incoming) {
    if (m.seq > t.hi) {
      if (!t.ahead.has(m.seq) && !ahead?.has(m.seq)) (ahead ??= new Map(t.ahead)).set(m.seq, m);
    } else if (m.seq < t.lo) {
      below.push(m);
    }
  }
  let lo = t.lo;
  let older: Message[] = [];
  if (below.length > 0) {
    below.sort((a, b) => b.seq - a.seq);
    for (const m of below) {
      if (m.seq === lo - 1) {
        older.push(m);
        lo = m.seq;
      }
    }
    older = older.reverse();
  }
  let hi = t.hi;
  const newer: Message[] = [];
  if (ahead) {
    for (let next = ahead.get(hi + 1); next; next = ahead.get(hi + 1)) {
      newer.push(next);
      ahead.delete(hi + 1);
      hi += 1;
    }
  }
  if (older.length === 0 && newer.length === 0 && !ahead) return t;
  // An empty timeline seeded at lastSeq+1 learns its real bottom from the first message it gets.
  if (t.messages.length === 0 && older.length === 0 && newer.length > 0) lo = newer[0].seq;
  return {
    // concat copies in one block; a spread of 10,000 messages is a loop, slow until the JIT has warmed up.
    messages: older.length || newer.length ? older.concat(t.messages, newer) : t.messages,
    lo,
    hi,
    ahead: ahead ?? t.ahead,
  };
}
