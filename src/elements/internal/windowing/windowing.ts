import type { ReactiveControllerHost } from 'lit';
import { VirtualRows, type KeptPrefix } from './virtual-rows.js';

/** Closer than this to the bottom counts as reading the newest items. */
const NEAR_BOTTOM_PX = 48;
/** Items are rendered this far beyond the visible area (at least). */
const MIN_BUFFER_PX = 400;

/** The rendered pieces a {@link Windowing} works on, looked up when needed (they come and go with renders). */
export interface WindowParts {
  scroller(): HTMLElement | null;
  /** The elements above and below the rendered items, which stand for the items outside the range. */
  spacers(): [HTMLElement, HTMLElement] | null;
  /** Rendered items, each with `data-key`. */
  rows(): Iterable<HTMLElement>;
}

/**
 * The parts of the usual layout: a scroller that holds a spacer, the element the items render into (nothing
 * else: the markers of Lit's `repeat` are not elements), and a spacer.
 */
export function partsIn(scroller: () => HTMLElement | null): WindowParts {
  return {
    scroller,
    spacers: () => {
      const el = scroller();
      return el ? [el.firstElementChild as HTMLElement, el.lastElementChild as HTMLElement] : null;
    },
    rows: () => (scroller()?.children[1]?.children ?? []) as Iterable<HTMLElement>,
  };
}

/** What a {@link Windowing} needs to know about its items; all of it is the caller's business. */
export interface WindowItems<T> {
  /** An item's height before it has been rendered: close guesses size the first render and the scrollbar. */
  estimate(item: T): number;
  /** Whether an item may hold the reader's view in place (one that never moves when items are added above it). */
  anchors(item: T): boolean;
  /** Whether an item added below the reader's view counts in {@link Windowing.unseen}. */
  counts(item: T): boolean;
}

/**
 * A windowed list that scrolls from the bottom, like a chat history: renders
 * only the items near the viewport between two spacers, keeps the reader's
 * view still while items are added above it or change size (the first
 * anchoring item in view keeps its position), follows new items only when
 * the reader is at the bottom, and counts the items that arrived while they
 * were scrolled up. Knows nothing of what the items are.
 *
 * Its owner calls {@link prepare} before rendering and {@link settle} after
 * (a controller's `hostUpdate` and `hostUpdated`); both run before the browser
 * paints. {@link connect} and {@link disconnect} follow the host's.
 */
export class Windowing<T extends { readonly key: string }> {
  /** The reader is at the bottom: new items scroll into view. */
  stick = true;
  /** Items counted by {@link WindowItems.counts} that arrived below the reader's view. */
  unseen = 0;
  rows: readonly T[] = [];
  range = { start: 0, end: 0 };

  readonly #geometry: VirtualRows<T>;
  readonly #items: WindowItems<T>;
  #anchor: { key: string; index: number; delta: number } | undefined;
  #observer: ResizeObserver | undefined;
  #observed = new Set<Element>();
  /** The row each rendered element showed when measured; the observer reports later changes of size. */
  #sized = new WeakMap<Element, T>();
  #frame = 0;
  /** Where the last update left the scroll position. */
  #settledTop = 0;
  /** The scroller's height at the last update. */
  #viewHeight = 0;
  /** The height last written to each spacer, px (reading `style.height` back would parse it). */
  #spacerPx = new WeakMap<HTMLElement, number>();
  /** Items joined above the rendered ones: none above this one is rendered until the frame showing them is painted (see {@link prepare}). */
  #heldKey: string | undefined;
  /** The frame callback, then the task, that renders them (see {@link Windowing.#fillAfterPaint}); ids of different kinds, kept apart. */
  #fillFrame = 0;
  #fillTask: ReturnType<typeof setTimeout> | undefined;

  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #parts: WindowParts;

  constructor(host: ReactiveControllerHost & HTMLElement, parts: WindowParts, items: WindowItems<T>) {
    this.#host = host;
    this.#parts = parts;
    this.#items = items;
    this.#geometry = new VirtualRows<T>(items.estimate);
  }

  /** The items to render now. */
  get visible(): readonly T[] {
    return this.rows.slice(this.range.start, this.range.end);
  }

  connect(): void {
    this.#observer = new ResizeObserver((entries) => this.#onResize(entries));
  }

  disconnect(): void {
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    cancelAnimationFrame(this.#fillFrame);
    clearTimeout(this.#fillTask);
    this.#fillFrame = 0;
    this.#fillTask = undefined;
    this.#heldKey = undefined;
    this.#observer?.disconnect();
    this.#observer = undefined;
    this.#observed.clear();
  }

  /** Starts over with other items (another conversation, say). */
  reset(): void {
    this.stick = true;
    this.unseen = 0;
    this.#anchor = undefined;
    this.#heldKey = undefined;
    this.rows = [];
    this.#settledTop = 0;
    this.remeasure();
    this.#geometry.forget();
  }

  /** Measures every rendered item at the next settle (their content may have changed without their items). */
  remeasure(): void {
    this.#sized = new WeakMap();
  }

  /**
   * Takes the new items, remembers where the reader is, and picks the items to render. `kept` vouches for
   * a prefix of the items held (see {@link VirtualRows.setRows}).
   */
  prepare(rows: readonly T[], kept?: KeptPrefix): void {
    const scroller = this.#parts.scroller();
    // The reader may have scrolled up since the last frame, before its scroll event arrived.
    if (this.stick && scroller && scroller.scrollTop < this.#settledTop - 1) this.stick = this.#atBottom(scroller);
    this.#anchor = this.stick || !scroller ? undefined : this.#captureAnchor(scroller.scrollTop);
    const first = this.#anchor && rows !== this.rows ? this.#firstAnchoring() : undefined;
    if (rows !== this.rows) {
      if (!this.stick) this.unseen += arrivedBelow(this.rows, rows, this.#items.counts);
      this.rows = rows;
      this.#geometry.setRows(rows, kept);
    }
    const range = this.#rangeFor(this.#targetTop(), scroller?.clientHeight);
    // Items joined above the rendered ones (older history, say) while the reader stays put: the
    // first anchoring item rendered before now sits further down. Rendering the new items in the
    // buffer above at once would make the frame that shows the join create, lay out and measure them
    // too; when the view is covered without them, they follow once that frame is painted (see settle).
    if (first && this.#geometry.indexOf(first.item.key, range.start) > first.index) this.#heldKey = first.item.key;
    const held = this.#heldKey === undefined ? -1 : this.#geometry.indexOf(this.#heldKey, range.start);
    this.range = held > range.start && held < range.end ? { start: held, end: range.end } : range;
  }

  /** Measures what was rendered, sizes the spacers and restores the reader's view. */
  settle(): void {
    const scroller = this.#parts.scroller();
    const spacers = this.#parts.spacers();
    if (!scroller || !spacers) return;
    // The spacers stand for the rows outside the range, which measuring the rendered ones does not
    // change: sized first, the browser lays everything out once, at the first measurement below.
    const { start, end } = this.range;
    this.#sizeSpacer(spacers[0], this.#geometry.offsetOf(start));
    this.#sizeSpacer(spacers[1], this.#geometry.total - this.#geometry.offsetOf(end));
    const seen = new Set<Element>();
    let index = start;
    for (const el of this.#parts.rows()) {
      const key = el.dataset.key!;
      // Rendered rows are the range, in order; look the key up only if that ever fails.
      if (this.#geometry.keyAt(index) !== key) index = this.#geometry.indexOf(key, index);
      // Only new and changed rows: an appended item measures one row, not all rendered ones.
      const row = this.rows[index];
      if (this.#sized.get(el) !== row) {
        this.#geometry.measureAt(index, el.getBoundingClientRect().height);
        this.#sized.set(el, row);
      }
      index++;
      seen.add(el);
      if (!this.#observed.has(el)) this.#observer?.observe(el);
    }
    for (const el of this.#observed) if (!seen.has(el)) this.#observer?.unobserve(el);
    if (!this.#observed.has(scroller)) this.#observer?.observe(scroller);
    seen.add(scroller);
    this.#observed = seen;

    this.#viewHeight = scroller.clientHeight;
    const top = this.stick ? scroller.scrollHeight - this.#viewHeight : this.#targetTop();
    // Only write when it moves: writing interrupts a fling on touch screens.
    if (Math.abs(scroller.scrollTop - top) >= 1) scroller.scrollTop = top;
    this.#settledTop = scroller.scrollTop;
    if (this.stick) this.unseen = 0;
    if (this.#covers(scroller)) this.#heldKey = undefined;
    else if (this.#heldKey !== undefined && this.#covers(scroller, 0)) this.#fillAfterPaint();
    else {
      this.#heldKey = undefined;
      this.#host.requestUpdate();
    }
  }

  /** Scroll handler for the scroller. */
  readonly onScroll = (): void => {
    const scroller = this.#parts.scroller();
    if (!scroller) return;
    const stick = this.#atBottom(scroller);
    if (stick !== this.stick || (stick && this.unseen > 0)) {
      this.stick = stick;
      if (stick) this.unseen = 0;
      this.#host.requestUpdate();
    }
    if (!this.#covers(scroller)) this.#host.requestUpdate();
  };

  /** Jumps to the newest item and follows new ones again. */
  scrollToBottom(): void {
    this.stick = true;
    this.unseen = 0;
    this.#host.requestUpdate();
  }

  /** Scrolls so that row `key` is rendered and in view. */
  reveal(key: string): void {
    const scroller = this.#parts.scroller();
    const i = this.#geometry.indexOf(key, this.range.start);
    if (!scroller || i < 0) return;
    const top = this.#geometry.offsetOf(i);
    const bottom = this.#geometry.offsetOf(i + 1);
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (bottom > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = bottom - scroller.clientHeight;
    this.stick = this.#atBottom(scroller);
    this.#host.requestUpdate();
  }

  /** Whether the reader is near the top of what is loaded (time to load older history). */
  nearTop(): boolean {
    const scroller = this.#parts.scroller();
    return !!scroller && scroller.clientHeight > 0 && scroller.scrollTop < scroller.clientHeight;
  }

  /** Writes a spacer's height only when it changes: each write invalidates the scroller's style. */
  #sizeSpacer(spacer: HTMLElement, px: number): void {
    if (this.#spacerPx.get(spacer) === px) return;
    spacer.style.height = `${px}px`;
    this.#spacerPx.set(spacer, px);
  }

  #onResize(entries: ResizeObserverEntry[]): void {
    const scroller = this.#parts.scroller();
    let changed = false;
    for (const entry of entries) {
      const el = entry.target as HTMLElement;
      if (!el.isConnected) continue;
      if (el === scroller) {
        // Its first report (on being observed) is no change.
        if (Math.abs(el.clientHeight - this.#viewHeight) >= 0.5) changed = true;
        continue;
      }
      const i = this.#geometry.indexOf(el.dataset.key ?? '', this.range.start);
      const height = entry.borderBoxSize?.[0]?.blockSize ?? el.getBoundingClientRect().height;
      // Measured again by the next update, which first finds the reader's view from the old heights.
      if (i >= 0 && this.#geometry.differs(i, height)) {
        changed = true;
        this.#sized.delete(el);
      }
    }
    // Not from inside this callback: the update observes new rows, and observing within the
    // same frame is reported by the browser as a ResizeObserver loop.
    if (changed && !this.#frame) {
      this.#frame = requestAnimationFrame(() => {
        this.#frame = 0;
        this.#host.requestUpdate();
      });
    }
  }

  /**
   * Renders the items held back above the view once the current frame has been painted: in a task
   * after the next frame's callbacks (a frame callback alone may run before this frame's paint, when
   * the change came in a scroll event).
   */
  #fillAfterPaint(): void {
    if (this.#fillFrame || this.#fillTask) return;
    this.#fillFrame = requestAnimationFrame(() => {
      this.#fillFrame = 0;
      this.#fillTask = setTimeout(() => {
        this.#fillTask = undefined;
        this.#heldKey = undefined;
        this.#host.requestUpdate();
      });
    });
  }

  /** The first anchoring row at or below the top edge, and how far below the edge it starts. */
  #captureAnchor(scrollTop: number): { key: string; index: number; delta: number } | undefined {
    for (let i = this.#geometry.indexAt(scrollTop); i < this.rows.length; i++) {
      // Only anchoring items: others (a loader, separators) may move when older items arrive.
      if (!this.#items.anchors(this.rows[i])) continue;
      if (this.#geometry.offsetOf(i + 1) <= scrollTop) continue;
      return { key: this.rows[i].key, index: i, delta: this.#geometry.offsetOf(i) - scrollTop };
    }
    return undefined;
  }

  /** The first rendered item that may anchor the view, and its index. */
  #firstAnchoring(): { item: T; index: number } | undefined {
    for (let i = this.range.start; i < Math.min(this.range.end, this.rows.length); i++) {
      if (this.#items.anchors(this.rows[i])) return { item: this.rows[i], index: i };
    }
    return undefined;
  }

  /** Where the top of the view should be, given the anchor or the bottom. */
  #targetTop(): number {
    const scroller = this.#parts.scroller();
    const height = scroller?.clientHeight || this.#host.clientHeight || 520;
    if (this.stick) return Math.max(0, this.#geometry.total - height);
    const i = this.#anchor ? this.#geometry.indexOf(this.#anchor.key, this.#anchor.index) : -1;
    if (this.#anchor && i >= 0) return Math.max(0, this.#geometry.offsetOf(i) - this.#anchor.delta);
    return scroller?.scrollTop ?? 0;
  }

  #rangeFor(top: number, height = this.#host.clientHeight || 520): { start: number; end: number } {
    const buffer = Math.max(height, MIN_BUFFER_PX);
    return this.#geometry.range(top - buffer, top + height + buffer);
  }

  /** True while the rendered rows cover the view with at least `spare` px to spare (half a buffer unless given). */
  #covers(scroller: HTMLElement, spare = Math.max(scroller.clientHeight, MIN_BUFFER_PX) / 2): boolean {
    if (this.rows.length === 0) return true;
    const top = Math.max(0, scroller.scrollTop - spare);
    const bottom = Math.min(this.#geometry.total, scroller.scrollTop + scroller.clientHeight + spare);
    return this.#geometry.offsetOf(this.range.start) <= top && this.#geometry.offsetOf(this.range.end) >= bottom;
  }

  #atBottom(scroller: HTMLElement): boolean {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  }
}

/** Counted items appended after the previous last one. */
function arrivedBelow<T extends { readonly key: string }>(before: readonly T[], after: readonly T[], counts: (item: T) => boolean): number {
  const last = before[before.length - 1];
  if (!last) return 0;
  let count = 0;
  for (let i = after.length - 1; i >= 0 && after[i].key !== last.key; i--) {
    if (counts(after[i])) count += 1;
    if (i === 0) return 0; // the old last item is gone: other items, not new ones
  }
  return count;
}
