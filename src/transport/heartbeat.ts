/** Liveness check of an open socket. */
export interface HeartbeatOptions {
  /** A ping goes out this often while the socket is open. */
  intervalMs: number;
  /** The socket is dropped when nothing at all arrives this long after a ping. Keep it <= intervalMs. */
  timeoutMs: number;
}

/**
 * Detects silent half-open connections (a peer gone without a FIN, a NAT
 * that forgot the flow): the socket still reports OPEN and `send` still
 * succeeds, yet nothing arrives. Any frame counts as a sign of life, so a
 * busy socket never waits for the pong itself. A dead socket is noticed at
 * most `intervalMs + timeoutMs` after the last frame arrived.
 */
export class Heartbeat {
  #interval: ReturnType<typeof setInterval> | undefined;
  #deadline: ReturnType<typeof setTimeout> | undefined;
  #count = 0;

  readonly #options: HeartbeatOptions | false;
  readonly #ping: (frame: string) => void;
  readonly #dead: () => void;

  constructor(options: HeartbeatOptions | false, ping: (frame: string) => void, dead: () => void) {
    this.#options = options;
    this.#ping = ping;
    this.#dead = dead;
  }

  /** The socket opened. */
  start(): void {
    this.stop();
    if (!this.#options) return;
    const { intervalMs, timeoutMs } = this.#options;
    this.#interval = setInterval(() => {
      if (this.#deadline !== undefined) return;
      this.#deadline = setTimeout(() => {
        this.stop();
        this.#dead();
      }, timeoutMs);
      this.#ping(`{"t":"ping","n":${++this.#count}}`);
    }, intervalMs);
  }

  /** A frame arrived. */
  seen(): void {
    clearTimeout(this.#deadline);
    this.#deadline = undefined;
  }

  /** The socket closed. */
  stop(): void {
    clearInterval(this.#interval);
    // No deadline either, as after a frame.
    this.seen();
  }
}
