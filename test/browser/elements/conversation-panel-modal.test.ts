// Issue #16, point 3: full screen on a phone, the panel is modal (the page behind inert); wider, a
// page control that takes focus under the floating panel is not left hidden there (WCAG 2.4.11).
import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import '../../../src/elements/conversation-panel/define.js';
import type { ConversationPanel } from '../../../src/elements/conversation-panel/define.js';
import { PinConversationCloseEvent } from '../../../src/elements/internal/events.js';
import type { ChatClient } from '../../../src/state/client.js';
import { TestChat } from '../../../src/testing/index.js';

let chat: TestChat;
let ada: ChatClient;
let conv: string;

const frame = (el: ConversationPanel) => el.shadowRoot!.querySelector<HTMLDialogElement>('.frame')!;
const nextFrame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
/** The focused element, looking inside shadow roots. */
function deepActive(): Element | null {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a;
}

beforeEach(async () => {
  chat = new TestChat();
  conv = chat.seed({ members: ['bob', 'ada'], messages: 3 });
  ada = chat.client('ada');
  await waitUntil(() => ada.$status.get() === 'online', 'online', { timeout: 3000 });
});

afterEach(() => ada.destroy());

describe('<conversation-panel> on a phone', () => {
  before(() => setViewport({ width: 390, height: 844 }));
  after(() => setViewport({ width: 800, height: 600 }));

  it('is a modal dialog: the page behind takes no focus, and gets it back when the panel goes', async () => {
    const page = await fixture<HTMLDivElement>(html`<div>
      <button id="before">Page button</button>
      <conversation-panel .client=${ada} conv=${conv}></conversation-panel>
      <a id="after" href="#x">Page link</a>
    </div>`);
    const el = page.querySelector('conversation-panel')!;
    await el.updateComplete;
    expect(frame(el).matches(':modal')).to.equal(true);
    expect(frame(el).getAttribute('aria-labelledby')).to.equal('title');
    // Focus moved into the panel on opening; Tab goes round the panel and never to the page.
    expect(deepActive() && el.shadowRoot!.contains(deepActive())).to.equal(true);
    for (let i = 0; i < 12; i++) {
      await sendKeys({ press: 'Tab' });
      const at = deepActive();
      expect(at === document.body || el.shadowRoot!.contains(at), `Tab ${i + 1} stays in the panel`).to.equal(true);
    }
    page.querySelector<HTMLElement>('#before')!.focus();
    expect(deepActive()?.id, 'the page is inert').not.to.equal('before');
    await expect(el).to.be.accessible();

    // Hidden, it is not modal: the page is usable again.
    el.hidden = true;
    await el.updateComplete;
    expect(frame(el).matches(':modal')).to.equal(false);
    page.querySelector<HTMLElement>('#before')!.focus();
    expect(document.activeElement?.id).to.equal('before');
  });

  it('asks the host to close it on Escape or a close request, staying modal until the host does', async () => {
    const el = await fixture<ConversationPanel>(html`<conversation-panel .client=${ada} conv=${conv}></conversation-panel>`);
    await el.updateComplete;
    el.focus();
    let events = 0;
    el.addEventListener(PinConversationCloseEvent.type, () => events++);
    const closed = oneEvent(el, PinConversationCloseEvent.type);
    await sendKeys({ press: 'Escape' });
    await closed;
    await nextFrame();
    await el.updateComplete;
    expect(events, 'one request').to.equal(1);
    expect(frame(el).matches(':modal'), 'not closed behind the host’s back').to.equal(true);
    // A close request that is no Escape keypress (Android's back gesture) asks the host the same way.
    frame(el).dispatchEvent(new Event('cancel', { cancelable: true }));
    expect(events).to.equal(2);
    expect(frame(el).open).to.equal(true);
    el.remove();
  });
});

describe('<conversation-panel> across the phone breakpoint', () => {
  after(() => setViewport({ width: 800, height: 600 }));

  it('becomes modal and stops being so as the screen turns, focus staying where it was', async () => {
    await setViewport({ width: 800, height: 600 });
    const el = await fixture<ConversationPanel>(html`<conversation-panel .client=${ada} conv=${conv}></conversation-panel>`);
    await el.updateComplete;
    el.focus();
    const composer = el.shadowRoot!.querySelector('textarea')!;
    expect(el.shadowRoot!.activeElement === composer).to.equal(true);
    for (const [width, modal] of [[390, true], [800, false]] as const) {
      await setViewport({ width, height: 700 });
      await waitUntil(() => frame(el).matches(':modal') === modal, `modal: ${modal} at ${width}px`);
      await el.updateComplete;
      // (Compared as a boolean: a failing comparison of two elements makes the runner serialize them whole.)
      expect(el.shadowRoot!.activeElement === composer, `focus at ${width}px`).to.equal(true);
    }
  });
});

describe('<conversation-panel> floating over a wider page', () => {
  /** A page with a button every 100px, a panel fixed in its lower-left corner over them. */
  async function floating(pageHeight: number): Promise<{ el: ConversationPanel; buttons: HTMLButtonElement[]; scroller: HTMLElement }> {
    const rows = Array.from({ length: Math.floor(pageHeight / 100) }, (_, i) => i);
    const page = await fixture<HTMLDivElement>(html`<div>
      <div class="scroller" style="position: fixed; inset: 0; overflow: auto">
        ${rows.map((i) => html`<button style="display: block; height: 40px; margin: 30px 40px" id=${`b${i}`}>Button ${i}</button>`)}
      </div>
      <conversation-panel .client=${ada} conv=${conv} style="position: fixed; left: 16px; bottom: 16px; --pin-panel-height: 400px"></conversation-panel>
    </div>`);
    const el = page.querySelector('conversation-panel')!;
    await el.updateComplete;
    return { el, buttons: [...page.querySelectorAll('button')], scroller: page.querySelector<HTMLElement>('.scroller')! };
  }

  const covered = (node: Element, panel: Element) => {
    const r = node.getBoundingClientRect();
    const p = panel.getBoundingClientRect();
    return r.left >= p.left && r.right <= p.right && r.top >= p.top && r.bottom <= p.bottom;
  };

  it('scrolls a page control that takes focus under it to just above it', async () => {
    const { el, buttons } = await floating(3000);
    expect(frame(el).matches(':modal')).to.equal(false);
    const under = buttons.filter((b) => covered(b, el));
    expect(under.length, 'the panel covers some buttons').to.be.greaterThan(0);
    for (const button of under) {
      button.focus();
      await nextFrame();
      expect(covered(button, el), `${button.id} clear of the panel`).to.equal(false);
      expect(button.getBoundingClientRect().bottom).to.be.at.most(el.getBoundingClientRect().top);
      expect(button.getBoundingClientRect().top, 'still on screen').to.be.at.least(0);
    }
  });

  it('steps aside (asks the host to close it) when nothing can scroll the control clear', async () => {
    const { el, buttons, scroller } = await floating(600);
    scroller.scrollTop = scroller.scrollHeight;
    const last = buttons.filter((b) => covered(b, el)).at(-1);
    expect(last, 'a button under the panel at the end of the page').to.exist;
    const closed = oneEvent(el, PinConversationCloseEvent.type);
    last!.focus();
    await closed;
  });

  it('leaves focus inside the panel, and controls it does not cover, alone', async () => {
    const { el, buttons, scroller } = await floating(3000);
    const clear = buttons.find((b) => !covered(b, el) && b.getBoundingClientRect().top > 0)!;
    const top = scroller.scrollTop;
    clear.focus();
    el.focus();
    await nextFrame();
    expect(scroller.scrollTop).to.equal(top);
  });
});
