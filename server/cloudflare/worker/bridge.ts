/**
 * The bridge between an object's asynchronous world and the synchronous core,
 * used by the inbox and the conversation objects alike. What the core will
 * read that lives in other objects is fetched first (by the inbox: pages,
 * lost acks, search results; for a conversation: the facts its sender's inbox
 * forwarded); then the frame runs through the core in one synchronous call,
 * with the fetched data staged in the ports and everything the core sends
 * captured in the turn, so the object can finish the frame's side effects
 * (tell another inbox of a block, route deliveries) before any of it leaves.
 */
export class Bridge<Fetched, Turn> {
  private current: Turn | undefined;

  /** `stage` puts the fetched data where the ports read it; called with undefined after the frame. */
  constructor(private readonly stage: (fetched: Fetched | undefined) => void) {}

  /** The frame being handled, while the core runs; undefined between frames. */
  get turn(): Turn | undefined {
    return this.current;
  }

  /** Runs `handle` (the core on one frame) with `fetched` staged and `turn` current; returns the turn. */
  run(fetched: Fetched, turn: Turn, handle: () => void): Turn {
    this.stage(fetched);
    this.current = turn;
    try {
      handle();
    } finally {
      this.current = undefined;
      this.stage(undefined);
    }
    return turn;
  }
}
