import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Conversation } from '../../protocol/index.js';
import type { ChatClient, TimelineState } from '../../state/client.js';
import type { OutboxEntry } from '../../state/outbox.js';
import { whenIdle } from '../internal/idle.js';
import { partsIn, Windowing } from '../internal/windowing/windowing.js';
import { messageFor, RowBuilder, RowsAhead, type MessageRow, type Row } from './rows.js';

/** Fewer loaded messages than this: load older ones without waiting for a scroll. */
const MIN_LOADED = 20;
/** A conversation opens with rows for this many of its newest messages; the rest follow when the page is idle. */
const FIRST_ROWS = 200;
/** Older messages get their rows built for at most this long per idle period, so that no idle task is long. */
const ROWS_SLICE_MS = 5;
/** About this many characters fill a line of a bubble at the panel's default width and font. */
const CHARS_PER_LINE = 28;
const LINE_PX = 20;

/** What the history shows, read from the element's store bindings at each update. */
export interface HistorySource {
  chat(): ChatClient | undefined;
  conv(): string;
  me(): string;
  online(): boolean;
  timeline(): TimelineState;
  /** The whole outbox: a new one means the pending rows may have changed. */
  outbox(): readonly OutboxEntry[];
  /** This conversation's unsent messages. */
  pending(): OutboxEntry[];
  /** The conversation as stored (none yet for a direct one not created). */
  conversation(): Conversation | undefined;
  /** What rows render with besides themselves (strings, people, group or not): any change renders every row anew. */
  look(): readonly unknown[];
}

/**
 * A row's height before it has been rendered. Close guesses matter: the
 * first render takes as many rows as the guesses say fill the view and its
 * buffer, and the scrollbar is sized from them.
 */
function estimate(row: Row): number {
  if (row.kind === 'older') return 40;
  if (row.kind === 'day') return 36;
  const body = row.message?.body ?? row.entry?.body;
  const pin = body?.kind === 'pin';
  const text = (pin ? body.note : body?.text) ?? '';
  // A bubble is 20px of padding and its lines; a pin card is about 330px, and its note a bubble below.
  const bubble = text || !pin ? 20 + Math.max(1, Math.ceil(text.length / CHARS_PER_LINE)) * LINE_PX : 0;
  return (pin ? 330 : 0) + bubble + (row.first ? 24 : 0) + (row.delivery ? 24 : 0);
}

/**
 * The panel's history: builds the rows of the conversation's messages,
 * windows them (see {@link Windowing}), keeps the list's one tab stop on a
 * message (arrows, Home and End move it), loads older history when the reader
 * nears the top and marks the conversation read when they see its newest
 * messages. The element renders {@link visible} with {@link tabStop} and feeds
 * the list's events to the handlers here; the rest happens in its update cycle.
 *
 * Added after the element's other controllers, so that its `hostUpdate`
 * reads stores already bound to the conversation shown, and its
 * `hostUpdated` measures after the composer has grown to its text.
 */
export class HistoryController implements ReactiveController {
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #source: HistorySource;
  readonly #window: Windowing<Row>;
  readonly #scroller: () => HTMLElement | null;

  /** The conversation the rows are of; undefined before the first update. */
  #conv: string | undefined;
  #rowBuilder = new RowBuilder();
  #rowsCache: { key: unknown[]; rows: Row[] } | undefined;
  /** Set from switching conversations until the first rows with messages are built. */
  #opening = true;
  /** While older messages wait for their rows (see {@link HistoryController.#rows}): the seq of the oldest message that has one. */
  #rowsFrom: number | undefined;
  /** The rows of the older messages, built while the page is idle. */
  #ahead: RowsAhead | undefined;
  /** Cancels the idle callback that gives the next older messages their rows. */
  #cancelIdle: (() => void) | undefined;
  #look: readonly unknown[] = [];
  /** The message row last focused or clicked: it keeps the list's tab stop while rendered. */
  #active: string | undefined;
  /** A row to focus once it is rendered. */
  #focusKey: string | undefined;
  #olderRetryAt = 0;
  /** A read marker waits for this frame: see `markReadIfSeen`. */
  #readFrame = 0;

  /** `scroller` holds the list between two spacers (see {@link partsIn}). */
  constructor(host: ReactiveControllerHost & HTMLElement, source: HistorySource, scroller: () => HTMLElement | null) {
    this.#host = host;
    this.#source = source;
    this.#scroller = scroller;
    this.#window = new Windowing(host, partsIn(scroller), {
      estimate,
      anchors: (row) => row.kind === 'message',
      counts: (row) => row.kind === 'message' && row.from !== source.me() && !row.message?.hidden,
    });
    host.addController(this);
  }

  /** Every row of the conversation, rendered or not. */
  get rows(): readonly Row[] {
    return this.#window.rows;
  }

  /** The rows to render now. */
  get visible(): readonly Row[] {
    return this.#window.visible;
  }

  /** The reader is at the bottom: new messages scroll into view. */
  get stick(): boolean {
    return this.#window.stick;
  }

  /** Messages from others that arrived below the reader's view. */
  get unseen(): number {
    return this.#window.unseen;
  }

  hostConnected(): void {
    this.#window.connect();
    document.addEventListener('visibilitychange', this.#onVisibility);
    if (this.#rowsFrom !== undefined) this.#scheduleOlderRows();
  }

  hostDisconnected(): void {
    this.#window.disconnect();
    document.removeEventListener('visibilitychange', this.#onVisibility);
    cancelAnimationFrame(this.#readFrame);
    this.#readFrame = 0;
    this.#cancelIdle?.();
  }

  hostUpdate(): void {
    const conv = this.#source.conv();
    if (conv !== this.#conv) {
      this.#conv = conv;
      this.#window.reset();
      this.#cancelIdle?.();
      this.#rowsFrom = undefined;
      this.#ahead = undefined;
      this.#opening = true;
      this.#active = undefined;
    }
    const look = this.#source.look();
    if (look.some((v, i) => v !== this.#look[i])) {
      // Every row renders anew and may change height.
      this.#look = look;
      this.#window.remeasure();
    }
    this.#window.prepare(this.#rows(), this.#rowBuilder.kept);
  }

  hostUpdated(): void {
    this.#window.settle();
    if (this.#focusKey) {
      const row = this.#scroller()?.querySelector<HTMLElement>(`.row[data-key="${CSS.escape(this.#focusKey)}"]`);
      if (row) {
        this.#focusKey = undefined;
        row.focus({ preventScroll: true });
      }
    }
    this.#loadOlderIfNeeded();
    this.#markReadIfSeen();
  }

  /** Scroll handler for the scroller. */
  readonly onScroll = (): void => {
    this.#window.onScroll();
    this.#loadOlderIfNeeded();
    this.#markReadIfSeen();
  };

  readonly onFocusIn = (event: FocusEvent): void => {
    const row = (event.target as HTMLElement).closest?.<HTMLElement>('.row.message');
    if (row?.dataset.key) this.activate(row.dataset.key);
  };

  /** Roving focus: one tab stop for the list, arrows move between messages. */
  readonly onKeydown = (event: KeyboardEvent): void => {
    const target = event.target as HTMLElement;
    if (!target.matches('.row.message')) return;
    const rows = this.rows;
    const here = rows.findIndex((r) => r.key === target.dataset.key);
    const next = messageFor(rows, here, event.key);
    if (!next) return;
    event.preventDefault();
    this.activate((this.#focusKey = next.key));
    this.#window.reveal(next.key);
    if (event.key === 'ArrowUp' && here <= 1) this.#loadOlderIfNeeded(true);
  };

  /** A click in the list: its row takes the tab stop; returns that message's row and the action button clicked, if any. */
  clicked(event: MouseEvent): { row?: MessageRow; button?: HTMLButtonElement } {
    const path = event.composedPath();
    const button = path.find((n): n is HTMLButtonElement => n instanceof HTMLButtonElement && !!n.dataset.action);
    const key = path.find((n): n is HTMLElement => n instanceof HTMLElement && !!n.dataset.key)?.dataset.key;
    if (!key) return {};
    this.activate(key);
    return { row: this.rows.find((r): r is MessageRow => r.kind === 'message' && r.key === key), button };
  }

  /** Makes row `key` the one that holds the list's tab stop. */
  activate(key: string | undefined): void {
    if (key === this.#active) return;
    this.#active = key;
    this.#host.requestUpdate();
  }

  /** Moves focus to row `key` once it is rendered (a row that replaced the one focused: a tombstone). */
  focusRow(key: string): void {
    this.activate((this.#focusKey = key));
    this.#host.requestUpdate();
  }

  /** The row that takes the list's tab stop: the active one when rendered, else one in view. */
  tabStop(): string | undefined {
    const visible = this.visible.filter((r) => r.kind === 'message');
    if (this.#active && visible.some((r) => r.key === this.#active)) return this.#active;
    return (this.stick ? visible[visible.length - 1] : visible[Math.floor(visible.length / 2)])?.key;
  }

  /** Jumps to the newest message and follows new ones again; with `focus`, that message takes the focus. */
  scrollToBottom(focus = false): void {
    this.#window.scrollToBottom();
    const last = focus ? this.rows.findLast((r) => r.kind === 'message') : undefined;
    if (last) this.activate((this.#focusKey = last.key));
  }

  readonly #onVisibility = (): void => this.#markReadIfSeen();

  /**
   * The rows to show. A long history opens with rows for its newest
   * {@link FIRST_ROWS} messages only: building rows and height estimates for
   * 10,000 messages in code the JIT has not optimized yet takes about 8 ms,
   * which the first frame would otherwise wait for. The older messages get
   * theirs built in slices of {@link ROWS_SLICE_MS} while the page is idle,
   * or all at once when the reader scrolls up to them; they are joined above
   * the rows shown in one update, like a page of older history, and the view
   * stays where it is.
   */
  #rows(): Row[] {
    const source = this.#source;
    const timeline = source.timeline();
    const all = timeline.messages;
    const conv = source.conv();
    const me = source.me();
    if (this.#opening && all.length > 0) {
      this.#opening = false;
      if (all.length > FIRST_ROWS) {
        this.#rowsFrom = all[all.length - FIRST_ROWS].seq;
        this.#ahead = new RowsAhead(all, all.length - FIRST_ROWS, me);
        this.#scheduleOlderRows();
      }
    }
    // The timeline is contiguous by seq, so the first message with a row is found by arithmetic.
    const from = this.#rowsFrom === undefined || all.length === 0 ? 0 : Math.max(0, this.#rowsFrom - all[0].seq);
    const reads = source.conversation()?.reads ?? {};
    let seenUpTo = 0;
    for (const [user, seq] of Object.entries(reads)) if (user !== me) seenUpTo = Math.max(seenUpTo, seq);
    const key = [all, timeline.hasOlder, source.outbox(), conv, me, seenUpTo, from];
    if (this.#rowsCache && key.every((k, i) => k === this.#rowsCache!.key[i])) return this.#rowsCache.rows;
    if (this.#rowsCache?.key[3] !== conv) this.#rowBuilder = new RowBuilder();
    const rows = this.#rowBuilder.build({
      messages: from > 0 ? all.slice(from) : all,
      pending: source.pending(),
      me,
      // The messages still waiting for rows sit behind the same loader row as unloaded history.
      hasOlder: timeline.hasOlder || from > 0,
      seenUpTo,
    });
    this.#rowsCache = { key, rows };
    return rows;
  }

  #scheduleOlderRows(): void {
    this.#cancelIdle = whenIdle(() => this.#addOlderRows(false));
  }

  /**
   * Builds the next slice of the older messages' rows (all of them when `now`); once all are built,
   * shows them. Only then: every update of the list costs a render, a layout and a paint.
   */
  #addOlderRows(now: boolean): void {
    this.#cancelIdle?.();
    const ahead = this.#ahead;
    if (this.#rowsFrom === undefined || !ahead) return;
    if (!ahead.step(now ? Infinity : ROWS_SLICE_MS)) {
      this.#scheduleOlderRows();
      return;
    }
    this.#rowsFrom = undefined;
    this.#ahead = undefined;
    this.#rowBuilder.ahead = ahead;
    this.#host.requestUpdate();
  }

  #loadOlderIfNeeded(force = false): void {
    // Loaded messages still without rows come first.
    if (this.#rowsFrom !== undefined) {
      if (force || this.#window.nearTop()) this.#addOlderRows(true);
      return;
    }
    const source = this.#source;
    const chat = source.chat();
    const conv = source.conv();
    const timeline = source.timeline();
    if (!chat || !conv || !timeline.hasOlder || timeline.loadingOlder) return;
    if (!source.online() || Date.now() < this.#olderRetryAt) return;
    // Too little to fill a screen or to scroll: load more whatever the scroll position.
    if (!force && timeline.messages.length >= MIN_LOADED && !this.#window.nearTop()) return;
    chat.loadOlder(conv).catch(() => (this.#olderRetryAt = Date.now() + 2_000));
  }

  /**
   * Marks the conversation read once the newest messages have been painted.
   * Not at once: marking patches the store and sends a frame (which an
   * in-page backend then handles), work the reader does not need before the
   * new message shows. Sent in a task after the next frame instead, a frame
   * or two later, and coalesced; the conditions are checked again then.
   */
  #markReadIfSeen(): void {
    if (this.#readFrame || !this.#seesNewest()) return;
    this.#readFrame = requestAnimationFrame(() =>
      setTimeout(() => {
        this.#readFrame = 0;
        if (this.#seesNewest()) this.#source.chat()!.markRead(this.#source.conv());
      }),
    );
  }

  /** Whether the newest messages are in view and not marked read yet. */
  #seesNewest(): boolean {
    const source = this.#source;
    const conv = source.conv();
    if (!source.chat() || !conv || !this.#window.stick || this.#host.hidden) return false;
    // Before the first render there is no scroller yet: the panel's own box tells whether it is shown.
    if (document.visibilityState !== 'visible' || !(this.#scroller() ?? this.#host).clientHeight) return false;
    const c = source.conversation();
    if (!c || !source.online()) return false;
    return (c.reads[source.me()] ?? 0) < Math.min(source.timeline().hi, c.lastSeq);
  }
}
