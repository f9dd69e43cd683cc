// A peer: react-virtuoso's <Virtuoso> (the list under Stream's React chat
// list) fed from the same client, set up as its docs set up a chat: aligned
// to the bottom, appends followed while at the bottom (followOutput),
// prepends kept in place by lowering firstItemIndex by the number of
// messages added. The newest message is scrolled to once mounted, through
// the list's handle: given as initialTopMostItemIndex it pulled the view
// back to the bottom whenever rows of varying height were measured, so the
// reader could not scroll up. Older history is asked for by the same glue
// as the other peers' (near the top, scrolling up). Plain createElement
// calls: the page needs no JSX set-up.
import { createElement as h, useLayoutEffect, useRef, useSyncExternalStore, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { Virtuoso, type VirtuosoHandle } from 'react-virtuoso';
import type { Message } from '../../src/protocol/index.js';
import { bubble, BUBBLE_CSS } from './bubbles.js';
import { install, type Context, type Side } from './harness.js';

document.head.append(Object.assign(document.createElement('style'), { textContent: BUBBLE_CSS }));

/** firstItemIndex must stay positive: counted down from here as older messages arrive. */
const BASE = 10_000_000;
/** Where a newly opened conversation shows: its newest message on the bottom edge. */
const NEWEST = { index: 'LAST', align: 'end' } as const;

let root: Root | undefined;
let host: HTMLElement | undefined;
let scroller: HTMLElement | undefined;
let ctx: Context | undefined;
/** The messages of the last commit. */
let committed: readonly Message[] | undefined;

const rows = () => [...host!.querySelectorAll<HTMLElement>('.b-row')];

function row(messages: readonly Message[], i: number): ReactNode {
  const b = bubble(ctx!, messages, i);
  return h(
    'div',
    { className: `b-row ${b.own ? 'own' : 'other'} ${b.first ? 'first' : ''}`, 'data-seq': b.seq },
    b.day ? h('div', { className: 'b-day' }, b.day) : null,
    h(
      'div',
      { className: 'b-msg' },
      b.first && !b.own ? h('span', { className: 'b-avatar', 'aria-hidden': true }, b.initials) : null,
      h(
        'div',
        { className: 'b-content' },
        b.first ? h('div', { className: 'b-meta' }, h('time', null, b.time)) : null,
        b.pin
          ? h(
              'figure',
              { className: 'b-pin' },
              h('img', { src: b.pin.image, alt: b.pin.title, loading: 'lazy', decoding: 'async' }),
              h('figcaption', null, h('a', { href: b.pin.url, target: '_blank', rel: 'noopener' }, b.pin.title), h('span', { className: 'b-domain' }, b.pin.domain)),
            )
          : null,
        (b.text ?? b.pin?.note) ? h('div', { className: 'b-bubble' }, b.text ?? b.pin?.note) : null,
      ),
    ),
  );
}

function Chat({ context }: { context: Context }): ReactNode {
  const $t = context.client.timeline(context.conv);
  const messages = useSyncExternalStore($t.listen.bind($t), () => $t.get().messages);
  const list = useRef<VirtuosoHandle>(null);
  useLayoutEffect(() => list.current?.scrollToIndex(NEWEST), []);
  useLayoutEffect(() => {
    committed = messages;
  }, [messages]);
  return h(Virtuoso<Message>, {
    style: { blockSize: '100%' },
    data: messages as Message[],
    firstItemIndex: BASE - messages.length,
    ref: list,
    alignToBottom: true,
    followOutput: 'auto',
    computeItemKey: (_: number, m: Message) => `${m.from}:${m.id}`,
    itemContent: (index: number) => row(messages, index - (BASE - messages.length)),
    scrollerRef: (el: HTMLElement | Window | null) => {
      if (!(el instanceof HTMLElement) || el === scroller) return;
      scroller = el;
      let lastTop = 0;
      el.addEventListener('scroll', () => {
        const top = el.scrollTop;
        if (top < lastTop && top < el.clientHeight) context.client.loadOlder(context.conv).catch(() => {});
        lastTop = top;
      });
    },
  });
}

const side: Side = {
  open(context) {
    ctx = context;
    host = document.createElement('div');
    host.style.blockSize = '100%';
    context.stage.append(host);
    root = createRoot(host);
    root.render(h(Chat, { context }));
  },
  close() {
    root?.unmount();
    host?.remove();
    root = undefined;
    host = undefined;
    scroller = undefined;
    committed = undefined;
  },
  idle: () => !!scroller && committed === ctx!.client.timeline(ctx!.conv).get().messages,
  showsNewest(newest) {
    // The newest row on the bottom edge (the scroll range comes from estimated heights too).
    const last = rows().at(-1);
    return last?.dataset.seq === String(newest.seq) && Math.abs(last.getBoundingClientRect().bottom - scroller!.getBoundingClientRect().bottom) < 2;
  },
  scrollTo(top) {
    scroller!.scrollTop = top;
  },
  viewHeight: () => scroller!.clientHeight,
  firstInView() {
    const edge = scroller!.getBoundingClientRect().top;
    const el = rows().find((r) => r.getBoundingClientRect().bottom > edge);
    return el ? { seq: Number(el.dataset.seq), top: el.getBoundingClientRect().top } : undefined;
  },
  topOf(seq) {
    return host!.querySelector<HTMLElement>(`.b-row[data-seq="${seq}"]`)?.getBoundingClientRect().top;
  },
  rendered: () => (host ? rows().length : 0),
  extent: () => (scroller ? scroller.scrollHeight : 0),
};

install(side);
