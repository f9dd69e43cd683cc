/**
 * Rows `0..length` of `previous` come again, key for key, at the start of a newer list; and its last `tail`
 * rows (when given) at its end.
 */
export interface KeptPrefix {
  previous: readonly { key: string }[];
  length: number;
  tail?: number;
}

/**
 * The geometry of a windowed list: one height per row (measured once the row
 * has been rendered, estimated before), offsets as prefix sums, and the range
 * of rows that covers a stretch of the scroll area. Pure arithmetic: the
 * element renders the range between two spacers and feeds measurements back.
 *
 * Heights live in an array by index, so summing 10,000 of them is a tight
 * loop over numbers rather than a lookup per row. When the rows change, the
 * unchanged run at the start and the one at the end (older history added
 * above, say) keep their heights; only the rows between are looked up or
 * estimated. Offsets are recomputed only from the first row that changed, so
 * appending a message to 10,000 costs a few additions; lookups are binary
 * searches.
 */
export class VirtualRows<T extends { readonly key: string }> {
  #items: readonly T[] = [];
  /** Height of each row: as measured, else as estimated. */
  #heights = new Float64Array(0);
  /** Measured heights by key, for rows that come back at another index after a change in the middle. */
  readonly #measured = new Map<string, number>();
  #offsets = new Float64Array(1);
  /** Offsets `0..valid` are up to date. */
  #valid = 0;

  readonly #estimate: (item: T) => number;

  constructor(estimate: (item: T) => number) {
    this.#estimate = estimate;
  }

  get count(): number {
    return this.#items.length;
  }

  /** Total height of all rows. */
  get total(): number {
    return this.offsetOf(this.#items.length);
  }

  /**
   * Replaces the rows, keeping the heights of the unchanged rows at both ends and the offsets of those at the start.
   * `kept` vouches that the first `kept.length` rows (and the last `kept.tail`) repeat `kept.previous` key for key:
   * when that is the list held, those rows are not compared again (older history joined above 10,000 rows
   * would otherwise compare them all from the end).
   */
  setRows(items: readonly T[], kept?: KeptPrefix): void {
    const old = this.#items;
    const oldHeights = this.#heights;
    const m = old.length;
    const n = items.length;
    const same = Math.min(m, n);
    const vouched = kept !== undefined && kept.previous === old;
    const start = vouched ? Math.min(kept.length, same) : 0;
    const head = sameRun(old, items, start, same, 1);
    const tail = sameRun(old, items, vouched ? Math.min(kept.tail ?? 0, same - head) : 0, same - head, -1);

    let heights = oldHeights;
    if (heights.length < n || heights.length > 4 * n + 64) {
      heights = new Float64Array(Math.ceil(n * 1.5) + 16);
      heights.set(oldHeights.subarray(0, head));
    }
    // The tail moves when rows were added or removed before it (set() copies overlapping ranges correctly).
    if (tail > 0 && (heights !== oldHeights || n !== m)) heights.set(oldHeights.subarray(m - tail, m), n - tail);
    // The row before the first change may have changed too (its delivery state, say): take it again.
    const from = Math.max(0, head - 1);
    // Of the rows between, only those that were between in the old list can have been measured. Looking
    // up only those matters: when older rows join above the ones shown, the rows between are thousands of
    // new ones and at most a few old ones (the day separator at the join), and hashing 10,000 keys made of
    // two strings takes longer than estimating their heights (5-10 ms here).
    const gone = m - head - tail;
    const measured = gone > 64 ? this.#measured : measuredAmong(old, head, m - tail, this.#measured);
    guessHeights(heights, items, from, Math.min(head, n - tail), this.#measured, this.#estimate);
    guessHeights(heights, items, Math.max(from, head), n - tail, measured, this.#estimate);
    this.#heights = heights;
    this.#items = items;
    this.#valid = Math.min(this.#valid, from);
    if (this.#offsets.length < n + 1 || this.#offsets.length > 4 * n + 64) {
      const offsets = new Float64Array(Math.ceil(n * 1.5) + 17);
      offsets.set(this.#offsets.subarray(0, this.#valid + 1));
      this.#offsets = offsets;
    }
  }

  keyAt(index: number): string | undefined {
    return this.#items[index]?.key;
  }

  /** The index of row `key`, searching outwards from `hint` (usually where it was). */
  indexOf(key: string, hint = 0): number {
    const n = this.#items.length;
    const start = Math.max(0, Math.min(hint, n - 1));
    for (let d = 0; d < n; d++) {
      const below = start + d;
      const above = start - d - 1;
      if (below < n && this.#items[below].key === key) return below;
      if (above >= 0 && this.#items[above].key === key) return above;
      if (below >= n && above < 0) break;
    }
    return -1;
  }

  /** Records the height of the rendered row at `index`; returns true when it differs from what was assumed. */
  measureAt(index: number, height: number): boolean {
    const item = this.#items[index];
    if (!item) return false;
    const assumed = this.#heights[index];
    if (Math.abs(assumed - height) < 0.5) return false;
    this.#heights[index] = height;
    this.#measured.set(item.key, height);
    this.#valid = Math.min(this.#valid, index);
    return true;
  }

  /** True when the rendered row at `index` is no longer `height` tall. */
  differs(index: number, height: number): boolean {
    return index >= 0 && index < this.#items.length && Math.abs(this.#heights[index] - height) >= 0.5;
  }

  /** Forgets every measurement (another conversation). */
  forget(): void {
    this.#measured.clear();
    this.#items = [];
    this.#heights = new Float64Array(0);
    this.#valid = 0;
  }

  /** Distance from the top of the list to the top of row `index` (`count` gives the total). */
  offsetOf(index: number): number {
    const i = Math.max(0, Math.min(index, this.#items.length));
    if (i > this.#valid) this.#valid = prefixSums(this.#offsets, this.#heights, this.#valid, i);
    return this.#offsets[i];
  }

  /** The row that contains `y` (clamped to the list). */
  indexAt(y: number): number {
    const n = this.#items.length;
    if (n === 0) return 0;
    this.offsetOf(n);
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#offsets[mid] <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Rows `[start, end)` that intersect `[top, bottom]`. */
  range(top: number, bottom: number): { start: number; end: number } {
    if (this.#items.length === 0) return { start: 0, end: 0 };
    const start = this.indexAt(Math.max(0, top));
    const end = Math.min(this.#items.length, Math.max(this.indexAt(bottom) + 1, start + 1));
    return { start, end };
  }
}

// The loops over all rows live in small functions of their own. Opening 10,000 rows gets them optimized,
// and an append calls them again with the same kinds of values, so the optimized code stays. Inside the
// larger methods, the first append's other branches would throw it away (and have it compiled again).

/** How many rows, from `start` on (counted from the end when `step` is -1), both lists have with the same keys. */
function sameRun<T extends { readonly key: string }>(a: readonly T[], b: readonly T[], start: number, limit: number, step: 1 | -1): number {
  const ea = step === 1 ? 0 : a.length - 1;
  const eb = step === 1 ? 0 : b.length - 1;
  let i = start;
  for (; i < limit; i++) {
    const x = a[ea + step * i];
    const y = b[eb + step * i];
    if (x !== y && x.key !== y.key) break;
  }
  return i;
}

const EMPTY: ReadonlyMap<string, number> = new Map();

/** The measured heights of rows `from..to` of `rows`. */
function measuredAmong<T extends { readonly key: string }>(rows: readonly T[], from: number, to: number, measured: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
  let found: Map<string, number> | undefined;
  for (let i = from; i < to; i++) {
    const h = measured.get(rows[i].key);
    if (h !== undefined) (found ??= new Map()).set(rows[i].key, h);
  }
  return found ?? EMPTY;
}

/** Heights of rows `from..to`: as measured before (by key), else estimated. */
function guessHeights<T extends { readonly key: string }>(
  heights: Float64Array,
  items: readonly T[],
  from: number,
  to: number,
  measured: ReadonlyMap<string, number>,
  estimate: (item: T) => number,
): void {
  const lookup = measured.size > 0;
  for (let i = from; i < to; i++) {
    const item = items[i];
    heights[i] = (lookup ? measured.get(item.key) : undefined) ?? estimate(item);
  }
}

/** Fills `offsets[from + 1..to]` with running sums of `heights`; returns `to`. */
function prefixSums(offsets: Float64Array, heights: Float64Array, from: number, to: number): number {
  let y = offsets[from];
  for (let i = from; i < to; i++) {
    y += heights[i];
    offsets[i + 1] = y;
  }
  return to;
}
