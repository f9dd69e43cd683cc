// A peer: @lit-labs/virtualizer's <lit-virtualizer> (its flow layout, the
// element as its own scroller) fed from the same client by the glue an
// integrator would write: newest at the bottom, appends followed while the
// reader is at the bottom, older history asked for near the top and the
// view kept in place when it is prepended (the list has no anchoring of its
// own: its layout can only pin an item to an edge).
import '@lit-labs/virtualizer';
import type { LitVirtualizer } from '@lit-labs/virtualizer/LitVirtualizer.js';
import { flow } from '@lit-labs/virtualizer/layouts/flow.js';
import { html, nothing } from 'lit';
import type { Message } from '../../src/protocol/index.js';
import { bubble, BUBBLE_CSS } from './bubbles.js';
import { install, type Context, type Side } from './harness.js';

document.head.append(Object.assign(document.createElement('style'), { textContent: BUBBLE_CSS }));

let list: LitVirtualizer<Message> | undefined;
let ctx: Context | undefined;
let shown: readonly Message[] = [];
let unlisten: (() => void) | undefined;
/** Glue still moving the view after a change (waiting for the list's layout). */
let busy = 0;

/**
 * The newest row sits on the bottom edge. Not read from scrollHeight: the list sizes its scroller
 * from estimated row heights, so the end of the scroll range may lie past the newest row.
 */
function atBottom(el: HTMLElement): boolean {
  const last = el.querySelector<HTMLElement>(`.b-row[data-seq="${shown.at(-1)?.seq}"]`);
  return !!last && Math.abs(last.getBoundingClientRect().bottom - el.getBoundingClientRect().bottom) < 2;
}
const rows = () => [...list!.querySelectorAll<HTMLElement>('.b-row')];

function render(_: Message, i: number) {
  const b = bubble(ctx!, shown, i);
  return html`<div class="b-row ${b.own ? 'own' : 'other'} ${b.first ? 'first' : ''}" data-seq=${b.seq}>
    ${b.day ? html`<div class="b-day">${b.day}</div>` : nothing}
    <div class="b-msg">
      ${b.first && !b.own ? html`<span class="b-avatar" aria-hidden="true">${b.initials}</span>` : nothing}
      <div class="b-content">
        ${b.first ? html`<div class="b-meta"><time>${b.time}</time></div>` : nothing}
        ${b.pin
          ? html`<figure class="b-pin">
              <img src=${b.pin.image} alt=${b.pin.title} loading="lazy" decoding="async" />
              <figcaption><a href=${b.pin.url} target="_blank" rel="noopener">${b.pin.title}</a><span class="b-domain">${b.pin.domain}</span></figcaption>
            </figure>`
          : nothing}
        ${b.text ?? b.pin?.note ? html`<div class="b-bubble">${b.text ?? b.pin?.note}</div>` : nothing}
      </div>
    </div>
  </div>`;
}

async function track(work: () => Promise<void>): Promise<void> {
  busy += 1;
  try {
    await work();
  } finally {
    busy -= 1;
  }
}

function show(messages: readonly Message[]): void {
  if (!list || messages === shown) return;
  const el = list;
  const n = shown.length;
  if (n > 0 && messages.length > n && messages[messages.length - n] === shown[0]) {
    // Prepended: keep the first row in view where it was.
    const added = messages.length - n;
    const edge = el.getBoundingClientRect().top;
    const anchor = rows().find((r) => r.getBoundingClientRect().top >= edge);
    const offset = anchor ? anchor.getBoundingClientRect().top - edge : 0;
    const index = anchor ? shown.findIndex((m) => m.seq === Number(anchor.dataset.seq)) : -1;
    shown = messages;
    el.items = messages as Message[];
    if (index < 0) return;
    // The list re-reads its layout's pin on every update, so each change says where the view goes.
    el.layout = flow({ pin: { index: index + added, block: 'start' } });
    const seq = anchor!.dataset.seq;
    void track(async () => {
      // The list pins that row to the top edge once it has placed it; then the row goes back to
      // where it was (its `layoutComplete` waits two more frames, and forever when nothing changes).
      for (let i = 0; i < 30; i++) {
        await new Promise(requestAnimationFrame);
        const row = el.querySelector<HTMLElement>(`.b-row[data-seq="${seq}"]`);
        if (row && Math.abs(row.getBoundingClientRect().top - el.getBoundingClientRect().top) < 1) {
          // Unpinned first, or the list puts the row back at the edge.
          el.layout = flow({ pin: null as unknown as undefined });
          await el.updateComplete;
          await new Promise(requestAnimationFrame);
          el.scrollTop -= offset;
          return;
        }
      }
    });
    return;
  }
  const follow = n > 0 && atBottom(el);
  shown = messages;
  el.items = messages as Message[];
  // Followed while at the bottom: the newest row pinned to the bottom edge until the reader scrolls.
  if (n > 0) el.layout = follow ? flow({ pin: { index: messages.length - 1, block: 'end' } }) : flow();
  if (n === 0 || follow) void track(toBottom);
}

/**
 * Puts the newest row on the bottom edge. The pin alone can stop short: it places the row by
 * estimated heights, and rows measured taller (pin cards) leave it below the view.
 */
async function toBottom(): Promise<void> {
  const el = list!;
  for (let i = 0; i < 60 && el === list; i++) {
    await new Promise(requestAnimationFrame);
    const last = el.querySelector<HTMLElement>(`.b-row[data-seq="${shown.at(-1)?.seq}"]`);
    if (!last) continue;
    const gap = last.getBoundingClientRect().bottom - el.getBoundingClientRect().bottom;
    if (Math.abs(gap) < 2) return;
    el.scrollTop += gap;
  }
}

const side: Side = {
  open(context) {
    ctx = context;
    const el = document.createElement('lit-virtualizer') as LitVirtualizer<Message>;
    list = el;
    el.scroller = true;
    el.style.blockSize = '100%';
    el.renderItem = render;
    el.keyFunction = (m) => `${m.from}:${m.id}`;
    let lastTop = 0;
    el.addEventListener('scroll', () => {
      const top = el.scrollTop;
      if (top < lastTop && top < el.clientHeight) context.client.loadOlder(context.conv).catch(() => {});
      lastTop = top;
    });
    const $t = context.client.timeline(context.conv);
    // The layout given (not left to the list, which would load it as a separate module on first
    // use) and pinned to the newest message until the reader scrolls.
    el.layout = flow({ pin: { index: Math.max(0, $t.get().messages.length - 1), block: 'end' } });
    context.stage.append(el);
    show($t.get().messages);
    unlisten = $t.listen((t) => show(t.messages));
  },
  close() {
    unlisten?.();
    list?.remove();
    list = undefined;
    shown = [];
  },
  idle: () => !!list && busy === 0 && list.hasUpdated && !list.isUpdatePending && list.items === shown,
  showsNewest(newest) {
    return shown.at(-1)?.seq === newest.seq && atBottom(list!);
  },
  scrollTo(top) {
    list!.scrollTop = top;
  },
  viewHeight: () => list!.clientHeight,
  firstInView() {
    const edge = list!.getBoundingClientRect().top;
    const el = rows().find((r) => r.getBoundingClientRect().bottom > edge);
    return el ? { seq: Number(el.dataset.seq), top: el.getBoundingClientRect().top } : undefined;
  },
  topOf(seq) {
    return list!.querySelector<HTMLElement>(`.b-row[data-seq="${seq}"]`)?.getBoundingClientRect().top;
  },
  rendered: () => (list ? rows().length : 0),
  extent: () => (list ? list.scrollHeight : 0),
};

install(side);
