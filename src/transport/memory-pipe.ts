/**
 * One direction of an in-memory socket: items come out asynchronously, each
 * after its own delay, in order unless `reorder` is set (then an item with a
 * shorter delay may overtake an earlier one). Zero delays go out on
 * microtasks, so a burst of frames costs no timer ticks.
 */
export class Pipe<T> {
  private queue: { due: number; item: T }[] = [];
  private lastDue = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerDue = Infinity;
  private microtask = false;
  private closed = false;

  constructor(
    private readonly deliver: (item: T) => void,
    private readonly reorder: () => boolean,
  ) {}

  /** Queues `item` to come out after `delayMs`. `last` keeps it behind everything queued. */
  push(item: T, delayMs: number, last = false): void {
    if (this.closed) return;
    const now = performance.now();
    let due = now + delayMs;
    if (!this.reorder() || last) due = Math.max(due, this.lastDue);
    this.lastDue = Math.max(this.lastDue, due);
    let at = this.queue.length;
    while (at > 0 && this.queue[at - 1].due > due) at--;
    this.queue.splice(at, 0, { due, item });
    this.schedule();
  }

  /** Drops everything in flight and ignores later pushes. */
  close(): void {
    this.closed = true;
    this.queue = [];
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const head = this.queue[0];
    if (!head || this.microtask) return;
    const wait = head.due - performance.now();
    if (wait <= 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerDue = Infinity;
      this.microtask = true;
      queueMicrotask(this.flush);
      return;
    }
    if (this.timer !== undefined && this.timerDue <= head.due) return;
    clearTimeout(this.timer);
    this.timerDue = head.due;
    this.timer = setTimeout(this.flush, wait);
  }

  private readonly flush = (): void => {
    this.microtask = false;
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = performance.now();
    // One item per turn: whatever it triggers (a reply, a cut) settles first.
    const head = this.queue[0];
    if (head && head.due <= now) {
      this.queue.shift();
      this.deliver(head.item);
    }
    if (!this.closed) this.schedule();
  };
}
