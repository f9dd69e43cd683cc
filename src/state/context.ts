import type { ClientFrame } from '../protocol/index.js';
import type { Transport } from '../transport/types.js';

/** What every slice of the client shares: who is signed in, the clock, and the one way out. */
export interface SliceContext {
  readonly user: string;
  readonly transport: Transport;
  readonly now: () => number;
  /** Shortest wait before trying again after a `rate_limited` refusal. */
  readonly minRetryMs: number;
  /** Sends a frame the servers' schema accepts; false when the socket is not open. */
  send(frame: ClientFrame): boolean;
}

/** How long a refusal asks to wait, never shorter than the client's floor. */
export function waitOf(ctx: SliceContext, retryAfter: number | undefined): number {
  return Math.max(retryAfter ?? 1_000, ctx.minRetryMs);
}
