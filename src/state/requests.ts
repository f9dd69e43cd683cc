import { RETRYABLE_ERRORS, randomId, type ClientFrame, type ClientFrameOf, type ErrorCode, type ServerFrame, type ServerFrameOf } from '../protocol/index.js';
import { waitOf, type SliceContext } from './context.js';
import { ChatError } from './error.js';

/** The frames that ask the server something and wait for its answer, without their correlation id. */
export type RequestFrame = ClientFrameOf<'history' | 'leave' | 'mute' | 'block' | 'report' | 'contacts' | 'unsend'> extends infer F
  ? F extends unknown
    ? Omit<F, 'req'>
    : never
  : never;

/** Request correlation: each request's answer, refusal or silence settles its promise once. */
export interface Requests {
  request<T extends ServerFrame['t']>(frame: RequestFrame): Promise<ServerFrameOf<T>>;
  /** Answers a pending request; false when `req` names none. */
  settle(req: string | undefined, frame: ServerFrame): boolean;
  /** Takes an error frame naming a pending request; false when it names none. */
  refused(frame: ServerFrameOf<'error'>): boolean;
  /** Rejects every pending request (the socket is gone). */
  fail(reason: string): void;
}

type Pending = {
  resolve(frame: ServerFrame): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  frame: ClientFrame;
  deadline: number;
  retry?: ReturnType<typeof setTimeout>;
};

export function createRequests(ctx: SliceContext, timeoutMs: number): Requests {
  const pending = new Map<string, Pending>();

  function finish(req: string | undefined): Pending | undefined {
    const p = req === undefined ? undefined : pending.get(req);
    if (!p) return;
    pending.delete(req!);
    clearTimeout(p.timer);
    clearTimeout(p.retry);
    return p;
  }

  const reject = (req: string, error: ChatError): void => finish(req)?.reject(error);

  return {
    request(frame) {
      const req = randomId(12);
      const out = { ...frame, req } as ClientFrame;
      return new Promise((resolve, rejectWith) => {
        if (!ctx.send(out)) return rejectWith(new ChatError('offline', 'not connected'));
        const timer = setTimeout(() => reject(req, new ChatError('timeout', 'the server did not answer')), timeoutMs);
        pending.set(req, { resolve: resolve as (f: ServerFrame) => void, reject: rejectWith, timer, frame: out, deadline: ctx.now() + timeoutMs });
      });
    },
    settle(req, frame) {
      const p = finish(req);
      p?.resolve(frame);
      return !!p;
    },
    refused(frame) {
      const req = frame.req;
      const p = req === undefined ? undefined : pending.get(req);
      if (!p) return false;
      const wait = waitOf(ctx, frame.retryAfter);
      // Refused before it was looked at: ask again after the wait, within the request's deadline.
      if (RETRYABLE_ERRORS.has(frame.code as ErrorCode) && ctx.now() + wait < p.deadline) {
        p.retry = setTimeout(() => {
          p.retry = undefined;
          if (!ctx.send(p.frame)) reject(req!, new ChatError('offline', 'not connected'));
        }, wait);
      } else {
        reject(req!, new ChatError(frame.code, frame.message, frame.retryAfter));
      }
      return true;
    },
    fail(reason) {
      for (const req of [...pending.keys()]) reject(req, new ChatError('offline', reason));
    },
  };
}
