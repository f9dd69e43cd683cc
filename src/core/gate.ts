/**
 * Holds back a sender's sends behind the first one refused for a retryable
 * reason, until that one comes again. Frames sent behind it are already on
 * the wire when the refusal reaches the client, and storing them first would
 * break the sender's order (I5); the client's outbox resends oldest first, so
 * the refused one reopens the gate and the rest follow in order.
 */
export class SendGate {
  #id: string | undefined;
  #until = 0;

  /** Whether a refused send is awaited. */
  get closed(): boolean {
    return this.#id !== undefined;
  }

  /** Closes on send `id`, to be retried from `until` (ms); a gate already closed keeps its send. */
  close(id: string, until: number): void {
    if (this.#id !== undefined) return;
    this.#id = id;
    this.#until = until;
  }

  /** 0 when send `id` may pass (the awaited one reopens the gate); else how long to wait, in ms (at least 1). */
  wait(id: string, now: number): number {
    if (this.#id === undefined) return 0;
    if (id === this.#id) {
      this.#id = undefined;
      return 0;
    }
    return Math.max(1, this.#until - now);
  }
}

/** The refusal's message for a send held back by a gate (shared with clients). */
export { GATED_MESSAGE } from '../protocol/index.js';
