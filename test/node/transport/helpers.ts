import type { Transport } from '../../../src/transport/types.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export { seededRandom as seeded } from '../../../src/testing/index.js';

/** Resolves with the first truthy value of `check`, polling every few ms. */
export async function waitFor<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 2000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
}

// Frames are loosely typed here: tests read the fields they assert on.
export type Frame = Record<string, any>;

export interface Recording {
  opens: number[];
  closes: { code: number; reason: string; at: number }[];
  /** Parsed frames, with the number of the socket (1-based) they came on. */
  frames: (Frame & { socket: number })[];
  statuses: string[];
  of(t: string): (Frame & { socket: number })[];
}

/** Records what a transport reports; with `hello`, answers every `open` as the state bus does. */
export function record(transport: Transport, hello = true): Recording {
  const rec: Recording = {
    opens: [],
    closes: [],
    frames: [],
    statuses: [],
    of: (t) => rec.frames.filter((f) => f.t === t),
  };
  transport.addEventListener('open', () => {
    rec.opens.push(Date.now());
    if (hello) transport.send(JSON.stringify({ t: 'hello', v: 1 }));
  });
  transport.addEventListener('close', (e) => rec.closes.push({ code: e.code, reason: e.reason, at: Date.now() }));
  transport.addEventListener('message', (e) => rec.frames.push({ ...JSON.parse(e.data), socket: rec.opens.length }));
  transport.addEventListener('status', () => rec.statuses.push(transport.status));
  return rec;
}
