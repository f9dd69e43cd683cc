// The peer's side: <vaadin-message-list> fed from the same client by the glue
// an integrator would write: items mapped from the timeline, appended or
// prepended incrementally, older history asked for near the top.
import '@vaadin/message-list/vaadin-message-list.js';
import type { MessageList, MessageListItem } from '@vaadin/message-list/vaadin-message-list.js';
import type { Message } from '../../src/protocol/index.js';
import { install, type Context, type Side } from './harness.js';

type Lit = { hasUpdated?: boolean; isUpdatePending?: boolean };

let list: MessageList | undefined;
let shown: readonly Message[] = [];
let items: MessageListItem[] = [];
let unlisten: (() => void) | undefined;
// Made while the page is idle after loading, as the panel makes its own once it is registered:
// neither side pays for the locale data inside its first open.
let time: Intl.DateTimeFormat | undefined;
requestIdleCallback(() => (time ??= new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' })));

function toItem(ctx: Context, m: Message): MessageListItem {
  const user = ctx.client.$users.get()[m.from];
  const name = user?.name ?? m.from;
  return {
    text: m.body.kind === 'text' ? m.body.text : (m.body.note ?? m.body.pin.title ?? ''),
    time: (time ??= new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' })).format(m.at),
    userName: name,
    userAbbr: name.split(' ').map((w) => w[0]).join('').slice(0, 2),
    userColorIndex: m.from === ctx.client.user ? 1 : 2,
    ...(m.from === ctx.client.user ? { theme: 'self' } : {}),
  };
}

function show(ctx: Context, messages: readonly Message[]): void {
  if (messages === shown) return;
  const n = shown.length;
  if (n > 0 && messages.length > n && messages[n - 1] === shown[n - 1]) {
    items = [...items, ...messages.slice(n).map((m) => toItem(ctx, m))];
  } else if (n > 0 && messages.length > n && messages[messages.length - n] === shown[0]) {
    items = [...messages.slice(0, messages.length - n).map((m) => toItem(ctx, m)), ...items];
  } else {
    items = messages.map((m) => toItem(ctx, m));
  }
  shown = messages;
  list!.items = items;
}

const messageEls = () => [...list!.querySelectorAll<HTMLElement>('vaadin-message')];
const seqIn = (el: Element) => Number(/^#(\d+)/.exec(el.textContent?.trim() ?? '')?.[1] ?? Number.NaN);

const side: Side = {
  open(ctx) {
    list = document.createElement('vaadin-message-list');
    list.style.blockSize = '100%';
    // Older history when the reader scrolls up near the top. The list does not keep the view
    // still when items are prepended (see "view kept"); this glue does not either.
    let lastTop = 0;
    list.addEventListener('scroll', () => {
      const top = list!.scrollTop;
      if (top < lastTop && top < list!.clientHeight) ctx.client.loadOlder(ctx.conv).catch(() => {});
      lastTop = top;
    });
    // Connected first: items given before connecting are shown from the top, not the newest.
    ctx.stage.append(list);
    const $t = ctx.client.timeline(ctx.conv);
    show(ctx, $t.get().messages);
    unlisten = $t.listen((t) => show(ctx, t.messages));
  },
  close() {
    unlisten?.();
    list?.remove();
    list = undefined;
    shown = [];
    items = [];
  },
  idle() {
    // All Lit elements: the list, then its messages, which render in order (first and last tell).
    const done = (el: Element | null | undefined) => !!el && (el as Lit).hasUpdated === true && !(el as Lit).isUpdatePending;
    return !!list && done(list) && list.childElementCount === items.length && done(list.firstElementChild) && done(list.lastElementChild);
  },
  showsNewest(newest) {
    const last = list!.lastElementChild;
    const text = newest.body.kind === 'text' ? newest.body.text : (newest.body.note ?? newest.body.pin.title);
    return !!last && last.textContent?.trim() === text && list!.scrollHeight - list!.scrollTop - list!.clientHeight < 2;
  },
  scrollTo(top) {
    list!.scrollTop = top;
  },
  viewHeight: () => list!.clientHeight,
  firstInView() {
    const edge = list!.getBoundingClientRect().top;
    const el = messageEls().find((m) => m.getBoundingClientRect().bottom > edge);
    return el ? { seq: seqIn(el), top: el.getBoundingClientRect().top } : undefined;
  },
  topOf(seq) {
    // Texts start with their message number (see data.ts), which for the seeded history is the seq.
    return messageEls()
      .find((m) => seqIn(m) === seq)
      ?.getBoundingClientRect().top;
  },
  rendered: () => (list ? list.childElementCount : 0),
  extent: () => (list ? list.scrollHeight : 0),
};

install(side);
