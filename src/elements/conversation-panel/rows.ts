import type { Message } from '../../protocol/index.js';
import type { OutboxEntry } from '../../state/outbox.js';
import { DeliveryState, outboxState } from '../internal/delivery.js';
import type { KeptPrefix } from '../internal/windowing/virtual-rows.js';

/** How long after a message the same sender's next one still joins its group. */
const GROUP_GAP_MS = 5 * 60_000;

export interface OlderRow {
  kind: 'older';
  key: string;
}

export interface DayRow {
  kind: 'day';
  key: string;
  at: number;
}

export interface MessageRow {
  kind: 'message';
  key: string;
  from: string;
  at: number;
  own: boolean;
  /** First of a run from one sender: shows the name, avatar and time. */
  first: boolean;
  message: Message | undefined;
  entry: OutboxEntry | undefined;
  /** Only on unsent messages and on the newest stored own message. */
  delivery: DeliveryState | undefined;
}

/** One row of the history: what the list windows over. */
export type Row = OlderRow | DayRow | MessageRow;

export interface RowInput {
  messages: readonly Message[];
  pending: readonly OutboxEntry[];
  me: string;
  hasOlder: boolean;
  /** Highest read marker among the other members. */
  seenUpTo: number;
}

const OLDER: OlderRow = { kind: 'older', key: 'older' };

/** Where a build stands: the day and run the next message may continue. */
export interface Cursor {
  dayStart: number;
  dayEnd: number;
  from: string;
  at: number;
  /** Index of the newest own stored message's row. */
  lastOwn: number;
}

const START: Cursor = { dayStart: Infinity, dayEnd: -Infinity, from: '', at: -Infinity, lastOwn: -1 };

/**
 * Builds the rows: a loader row when older history exists, a date separator
 * before each new day, the stored messages, then the person's unsent
 * messages with their state. Consecutive messages from one sender within
 * {@link GROUP_GAP_MS} on the same day share one header.
 *
 * Runs on every change of the history, so it does as little as it can: when
 * messages were only appended (the usual change), it continues from where
 * the last build stopped instead of starting over; when older messages were
 * added above (a page of older history), it builds their rows and joins them
 * to the ones it has, which stay the same objects. Since messages come
 * sorted, the local day's bounds are computed once per day, not per message.
 */
export class RowBuilder {
  #input: RowInput | undefined;
  /** Rows of the stored messages, without delivery states. */
  #stored: Row[] = [];
  #cursor: Cursor = START;
  /** The newest own stored message's row with its delivery state, and the row it was made from. */
  #delivered: { from: MessageRow; row: MessageRow } | undefined;
  /** Rows built ahead for the messages above the ones shown: the build that shows them joins these. */
  ahead: RowsAhead | undefined;
  /**
   * The last rows built, how many of them are stored rows (the rest are unsent messages), and what of the
   * build before they kept (same keys, same order).
   */
  #last: { rows: Row[]; stored: number; kept: KeptPrefix | undefined } | undefined;

  /**
   * What the newest build kept of the one before: the previous rows and the
   * length of their prefix (an append) or of their suffix (older messages
   * joined above) that the new rows repeat key for key. A list can skip
   * comparing those rows one by one (10,000 of them on every new message).
   */
  get kept(): KeptPrefix | undefined {
    return this.#last?.kept;
  }

  build(input: RowInput): Row[] {
    const { messages, pending, me } = input;
    const prev = this.#input;
    const n = prev?.messages.length ?? 0;
    const appended =
      prev !== undefined &&
      n > 0 &&
      prev.me === me &&
      prev.hasOlder === input.hasOlder &&
      messages.length >= n &&
      messages[0] === prev.messages[0] &&
      messages[n - 1] === prev.messages[n - 1] &&
      unchanged(prev.messages, messages, n);
    // Appending keeps every stored row: only pending rows, which follow them, may go.
    const keptRows = appended ? this.#stored.length : 0;
    const added = messages.length - n;
    const prepended =
      !appended &&
      prev !== undefined &&
      n > 0 &&
      added > 0 &&
      prev.me === me &&
      messages[added] === prev.messages[0] &&
      messages.at(-1) === prev.messages[n - 1];
    // Joining older rows above keeps the stored rows below the join.
    let keptTail = 0;
    if (prepended) {
      keptTail = this.#prepend(messages, added, input.hasOlder, me);
    } else {
      if (!appended) {
        this.#stored = input.hasOlder ? [OLDER] : [];
        this.#cursor = { ...START };
      }
      addMessages(this.#stored, this.#cursor, me, messages, appended ? n : 0, messages.length);
    }
    this.#input = input;
    this.ahead = undefined;

    const rows = this.#stored.slice();
    const unsent = shown(pending, messages, me);
    const lastOwn = rows[this.#cursor.lastOwn] as MessageRow | undefined;
    if (lastOwn && unsent.length === 0) {
      const delivery = lastOwn.message!.seq <= input.seenUpTo ? DeliveryState.Seen : DeliveryState.Sent;
      // The same row while nothing changed: a new object would render it again on every new message.
      if (this.#delivered?.from !== lastOwn || this.#delivered.row.delivery !== delivery) this.#delivered = { from: lastOwn, row: { ...lastOwn, delivery } };
      rows[this.#cursor.lastOwn] = this.#delivered.row;
    }
    const cursor = { ...this.#cursor };
    for (const e of unsent) {
      const row = add(rows, cursor, me, me, Math.max(e.createdAt, cursor.at), me + ':' + e.id, undefined, e);
      row.delivery = outboxState(e);
    }
    const last = this.#last;
    const stored = this.#stored.length;
    // The suffix holds when the unsent rows after the stored ones are those of the last build.
    const tail = last && keptTail > 0 && sameKeys(last.rows, last.stored, rows, stored) ? keptTail + rows.length - stored : 0;
    this.#last = { rows, stored, kept: last && (keptRows > 0 || tail > 0) ? { previous: last.rows, length: keptRows, tail } : undefined };
    return rows;
  }

  /**
   * Rows for `messages[0..count]` (built {@link RowBuilder.ahead} when it fits), joined above the stored rows of the
   * messages after them. Returns how many stored rows at the end are kept, key for key.
   */
  #prepend(messages: readonly Message[], count: number, hasOlder: boolean, me: string): number {
    const ahead = this.ahead;
    this.ahead = undefined;
    let built: Row[];
    let c: Cursor;
    // The history is contiguous by seq: its ends tell whether these are the rows of `messages[0..count]`.
    if (ahead && ahead.count === count && ahead.me === me && ahead.messages[0] === messages[0] && ahead.messages[count - 1] === messages[count - 1]) {
      ahead.step(Infinity);
      ({ rows: built, cursor: c } = ahead);
    } else {
      built = [];
      c = { ...START };
      addMessages(built, c, me, messages, 0, count);
    }
    const lead = hasOlder ? 1 : 0;
    const rest = this.#stored;
    let from = rest[0] === OLDER ? 1 : 0;
    // The stored rows start with their first day's separator. When the new rows have opened that day
    // already, it goes, and the first message below the join heads a run only if it does not continue one.
    const sameDay = rest[from].key === `d:${c.dayStart}`;
    if (sameDay) from += 1;
    const joined = (hasOlder ? [OLDER as Row] : []).concat(built, rest.slice(from));
    const headLength = lead + built.length;
    if (sameDay) {
      const next = joined[headLength] as MessageRow;
      const first = startsRun(c, next.from, next.at);
      if (first !== next.first) joined[headLength] = { ...next, first };
    }
    this.#stored = joined;
    this.#cursor.lastOwn =
      this.#cursor.lastOwn >= 0 ? this.#cursor.lastOwn + headLength - from
      : c.lastOwn >= 0 ? c.lastOwn + lead
      : -1;
    return rest.length - from;
  }
}

/**
 * Rows for the oldest `count` messages of a long history, built ahead a
 * slice at a time while the page is idle (see the history controller), so
 * that none of its idle tasks is long and the list renders once, when they
 * are all built, instead of once per slice. Given to {@link RowBuilder.ahead},
 * they are joined above the rows shown by the next build that shows them.
 */
export class RowsAhead {
  /** Rows of the messages built so far, without a loader row. */
  readonly rows: Row[] = [];
  readonly cursor: Cursor = { ...START };
  #next = 0;

  constructor(
    readonly messages: readonly Message[],
    readonly count: number,
    readonly me: string,
  ) {}

  /** Builds rows for about `budgetMs` (all of them with Infinity); returns whether all are built. */
  step(budgetMs: number): boolean {
    const started = performance.now();
    while (this.#next < this.count && performance.now() - started < budgetMs) {
      const from = this.#next;
      this.#next = Math.min(this.count, from + 256);
      addMessages(this.rows, this.cursor, this.me, this.messages, from, this.#next);
    }
    return this.#next >= this.count;
  }
}

/**
 * Rows for `messages[from..to]`. A function of its own, like the geometry's loops: building 10,000 rows
 * gets it optimized, and appending calls it with the same kinds of values, so that code stays.
 */
function addMessages(rows: Row[], c: Cursor, me: string, messages: readonly Message[], from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const m = messages[i];
    add(rows, c, me, m.from, m.at, m.from + ':' + m.id, m, undefined);
    // A placeholder shows no sender, so the sender's next message (once unblocked) heads a run of its own.
    if (m.hidden) c.from = '';
  }
}

/**
 * The pending entries whose message is not in the history already. Between a
 * history page that holds one's own message and the ack that empties its
 * outbox entry both are there, with one key: a list keyed by it must see it
 * once. Walks the history only while something is pending, newest first.
 */
function shown(pending: readonly OutboxEntry[], messages: readonly Message[], me: string): readonly OutboxEntry[] {
  if (pending.length === 0) return pending;
  const ids = new Set(pending.map((e) => e.id));
  let found: Set<string> | undefined;
  for (let i = messages.length - 1; i >= 0 && (found?.size ?? 0) < ids.size; i--) {
    const m = messages[i];
    if (m.from === me && ids.has(m.id)) (found ??= new Set()).add(m.id);
  }
  return found ? pending.filter((e) => !found.has(e.id)) : pending;
}

/** Whether the rows of `a` from `i` on and those of `b` from `j` on have the same keys (a few unsent messages). */
function sameKeys(a: readonly Row[], i: number, b: readonly Row[], j: number): boolean {
  if (a.length - i !== b.length - j) return false;
  for (; i < a.length; i++, j++) if (a[i].key !== b[j].key) return false;
  return true;
}

/**
 * Whether the first `n` messages are the same objects: a message replaced in
 * place (it became a tombstone) makes the build start over. Comparing 10,000
 * references takes microseconds; a rebuild happens once per deletion.
 */
function unchanged(before: readonly Message[], after: readonly Message[], n: number): boolean {
  for (let i = 1; i < n - 1; i++) if (before[i] !== after[i]) return false;
  return true;
}

/** Whether a message from `from` at `at` heads a new run after the one the cursor stands on (the same day assumed). */
function startsRun(c: Cursor, from: string, at: number): boolean {
  return from !== c.from || at - c.at > GROUP_GAP_MS;
}

function add(rows: Row[], c: Cursor, me: string, from: string, at: number, key: string, message?: Message, entry?: OutboxEntry): MessageRow {
  let first = startsRun(c, from, at);
  if (at < c.dayStart || at >= c.dayEnd) {
    const d = new Date(at);
    c.dayStart = d.setHours(0, 0, 0, 0);
    c.dayEnd = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
    rows.push({ kind: 'day', key: `d:${c.dayStart}`, at });
    first = true;
  }
  const own = from === me;
  const row: MessageRow = { kind: 'message', key, from, at, own, first, message, entry, delivery: undefined };
  // A tombstone shows no delivery state: the newest own message still there does.
  if (own && message && !message.hidden) c.lastOwn = rows.length;
  rows.push(row);
  c.from = from;
  c.at = at;
  return row;
}

/** The message row a key moves focus to from row `index`: ArrowUp/Down to the next one, Home/End to the ends. */
export function messageFor(rows: readonly Row[], index: number, key: string): MessageRow | undefined {
  const find = (from: number, step: number): MessageRow | undefined => {
    for (let i = from; i >= 0 && i < rows.length; i += step) {
      const row = rows[i];
      if (row.kind === 'message') return row;
    }
    return undefined;
  };
  if (key === 'ArrowUp') return find(index - 1, -1);
  if (key === 'ArrowDown') return find(index + 1, 1);
  if (key === 'Home') return find(0, 1);
  if (key === 'End') return find(rows.length - 1, -1);
  return undefined;
}
