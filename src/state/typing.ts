import { atom, type WritableAtom } from 'nanostores';
import type { SliceContext } from './context.js';

const TYPING_SHOWN_MS = 6_000;
const TYPING_SEND_EVERY_MS = 3_000;

/** Who is typing where, shown for a few seconds after each signal, and the person's own signals, throttled. */
export interface Typing {
  readonly stores: { readonly $typing: WritableAtom<Readonly<Record<string, readonly string[]>>> };
  /** Tells the others that the person is typing in `conv`. */
  send(conv: string): void;
  /** Someone else's signal from the server. */
  seen(conv: string, user: string): void;
  /** Their message came: they are no longer typing it. */
  clear(conv: string, user: string): void;
  stop(): void;
}

export function createTyping(ctx: SliceContext): Typing {
  const $typing = atom<Readonly<Record<string, readonly string[]>>>({});
  const until = new Map<string, Map<string, number>>();
  const sent = new Map<string, number>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  function publish(): void {
    const now = ctx.now();
    const out: Record<string, string[]> = {};
    let next = Infinity;
    for (const [conv, users] of until) {
      for (const [user, end] of users) {
        if (end <= now) users.delete(user);
        else {
          (out[conv] ??= []).push(user);
          next = Math.min(next, end);
        }
      }
    }
    $typing.set(out);
    clearTimeout(timer);
    if (next !== Infinity) timer = setTimeout(publish, next - now);
  }

  return {
    stores: { $typing },
    send(conv) {
      if (ctx.now() - (sent.get(conv) ?? 0) < TYPING_SEND_EVERY_MS) return;
      if (ctx.send({ t: 'typing', conv })) sent.set(conv, ctx.now());
    },
    seen(conv, user) {
      if (user === ctx.user) return;
      let users = until.get(conv);
      if (!users) until.set(conv, (users = new Map()));
      users.set(user, ctx.now() + TYPING_SHOWN_MS);
      publish();
    },
    clear(conv, user) {
      if (until.get(conv)?.delete(user)) publish();
    },
    stop: () => clearTimeout(timer),
  };
}
