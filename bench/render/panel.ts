// The panel's side: <conversation-panel> given the client and the conversation.
import type { Message } from '../../src/protocol/index.js';
import { ConversationPanel } from '../../src/elements/conversation-panel/conversation-panel.js';
import { defineElement } from '../../src/elements/internal/define.js';
import { install, VIEW, type Context, type Side } from './harness.js';

// Registered here rather than by importing define.js: package.json's `sideEffects` names only
// dist/ files, so a bundler drops a bare import of the source define.js.
defineElement('conversation-panel', ConversationPanel);

let el: ConversationPanel | undefined;
let ctx: Context | undefined;

const root = () => el!.shadowRoot!;
const scroller = () => root().querySelector<HTMLElement>('.scroller')!;
const keyOf = (m: Message) => `${m.from}:${m.id}`;

function messageRows(): HTMLElement[] {
  return [...root().querySelectorAll<HTMLElement>('.list > .row.message')];
}

function seqOf(key: string): number | undefined {
  const messages = ctx!.client.timeline(ctx!.conv).get().messages;
  for (let i = messages.length - 1; i >= 0; i--) if (keyOf(messages[i]) === key) return messages[i].seq;
  return undefined;
}

const side: Side = {
  open(context) {
    ctx = context;
    el = document.createElement('conversation-panel') as ConversationPanel;
    el.client = context.client;
    el.conv = context.conv;
    if (VIEW === 'full') {
      el.style.setProperty('--pin-panel-width', '100%');
      el.style.setProperty('--pin-panel-height', '100%');
    }
    context.stage.append(el);
  },
  close() {
    el?.remove();
    el = undefined;
  },
  idle: () => !!el && el.hasUpdated && !el.isUpdatePending,
  showsNewest(newest) {
    const rows = root().querySelectorAll<HTMLElement>('.list > .row');
    const s = scroller();
    return rows[rows.length - 1]?.dataset.key === keyOf(newest) && s.scrollHeight - s.scrollTop - s.clientHeight < 2;
  },
  scrollTo(top) {
    scroller().scrollTop = top;
  },
  viewHeight: () => scroller().clientHeight,
  firstInView() {
    const edge = scroller().getBoundingClientRect().top;
    const row = messageRows().find((r) => r.getBoundingClientRect().bottom > edge);
    const seq = row && seqOf(row.dataset.key!);
    return row && seq !== undefined ? { seq, top: row.getBoundingClientRect().top } : undefined;
  },
  topOf(seq) {
    const m = ctx!.client.timeline(ctx!.conv).get().messages.find((x) => x.seq === seq);
    const row = m && root().querySelector<HTMLElement>(`.row[data-key="${CSS.escape(keyOf(m))}"]`);
    return row ? row.getBoundingClientRect().top : undefined;
  },
  rendered: () => (el ? messageRows().length : 0),
  extent: () => (el ? scroller().scrollHeight : 0),
};

install(side);
