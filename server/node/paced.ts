/** Longest slice of paced work in one turn of the event loop, ms. */
const SLICE_MS = 2;

/**
 * Runs bulk work a slice at a time, yielding to I/O between slices. Work that
 * comes due together (a thousand connections opened in one burst and left
 * silent time out together; a heartbeat pings every socket) would otherwise
 * run as one task, and every other person's frames would wait behind it.
 * Tasks run in the order given; one that throws is reported and skipped.
 */
export class Paced {
  private queue: ((() => void) | undefined)[] = [];
  private next = 0;
  private scheduled = false;

  constructor(private readonly failed: (error: unknown) => void) {}

  run(task: () => void): void {
    this.queue.push(task);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.drain);
  }

  /** Tasks waiting for their slice. */
  get pending(): number {
    return this.queue.length - this.next;
  }

  private readonly drain = (): void => {
    const until = performance.now() + SLICE_MS;
    while (this.next < this.queue.length) {
      const task = this.queue[this.next];
      this.queue[this.next++] = undefined;
      try {
        task!();
      } catch (error) {
        this.failed(error);
      }
      if (performance.now() >= until) break;
    }
    if (this.next < this.queue.length) {
      setImmediate(this.drain);
      return;
    }
    this.queue = [];
    this.next = 0;
    this.scheduled = false;
  };
}
