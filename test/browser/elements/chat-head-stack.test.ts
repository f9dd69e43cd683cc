import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { resetMouse, sendKeys, sendMouse, setViewport } from '@web/test-runner-commands';
import '../../../src/elements/chat-head-stack/define.js';
import type { ChatHeadStack } from '../../../src/elements/chat-head-stack/define.js';
import { PinMessageEvent } from '../../../src/elements/internal/events.js';
import type { ChatClient } from '../../../src/state/client.js';
import { SAMPLE_PEOPLE, TestChat } from '../../../src/testing/index.js';

const HOUR = 3_600_000;
let chat: TestChat;
let clients: ChatClient[] = [];

function client(user = 'ada'): ChatClient {
  const c = chat.client(user);
  clients.push(c);
  return c;
}

/** A stack for `me`, once the client has its welcome. */
async function stackFor(me: ChatClient, extra: Partial<ChatHeadStack> = {}): Promise<ChatHeadStack> {
  await waitUntil(() => me.$status.get() === 'online', 'client online');
  const el = await fixture<ChatHeadStack>(html`<chat-head-stack .client=${me}></chat-head-stack>`);
  Object.assign(el, extra);
  await el.updateComplete;
  return el;
}

const $ = <T extends Element = HTMLElement>(el: ChatHeadStack, selector: string) =>
  el.shadowRoot!.querySelector<T & Element>(selector);
const $$ = <T extends Element = HTMLElement>(el: ChatHeadStack, selector: string) => [
  ...el.shadowRoot!.querySelectorAll<T & Element>(selector),
];
const heads = (el: ChatHeadStack) => $$<HTMLButtonElement>(el, '.head');
const labels = (el: ChatHeadStack) => heads(el).map((b) => b.getAttribute('aria-label'));
const announced = (el: ChatHeadStack) => $$(el, '[role="log"] p').map((p) => p.textContent);
const focused = (el: ChatHeadStack) => el.shadowRoot!.activeElement;

function center(node: Element): [number, number] {
  const r = node.getBoundingClientRect();
  return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];
}

describe('<chat-head-stack>', () => {
  beforeEach(() => {
    chat = new TestChat();
  });

  afterEach(async () => {
    await resetMouse();
    for (const c of clients) c.destroy();
    clients = [];
  });

  it('renders heads front first, nearest the corner, with unread badges', async () => {
    const t0 = Date.now() - 10 * HOUR;
    chat.seed({ members: ['bob', 'ada'], messages: [{ kind: 'text', text: 'old' }], startAt: t0 });
    chat.seed({ members: ['cy', 'ada'], messages: [{ kind: 'text', text: 'newer' }], startAt: t0 + HOUR });
    chat.seed({ members: ['dee', 'ada', 'eve'], title: 'Trip', messages: [{ kind: 'text', text: 'newest' }], startAt: t0 + 2 * HOUR });
    const el = await stackFor(client());

    expect(labels(el)).to.deep.equal([
      'Open conversation with Trip, 1 unread message',
      'Open conversation with Cy Twombly, 1 unread message',
      'Open conversation with Bob Marley, 1 unread message',
    ]);
    expect($$(el, '.badge').map((b) => b.textContent)).to.deep.equal(['1', '1', '1']);
    // The front head is the lowest, in the lower-left corner.
    const [front, second] = heads(el).map((h) => h.getBoundingClientRect());
    expect(front.top).to.be.greaterThan(second.top);
    expect(front.left).to.be.lessThan(100);
    expect(window.innerHeight - front.bottom).to.be.lessThan(100);
    // A group shows a composite of its members.
    expect(heads(el)[0].parentElement!.querySelectorAll('.group > .avatar').length).to.equal(2);
  });

  it('shows a muted conversation without a badge', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 3 });
    const ada = client();
    await waitUntil(() => ada.$status.get() === 'online');
    await ada.mute(conv, true);
    const el = await stackFor(ada);
    expect(labels(el)).to.deep.equal(['Open conversation with Bob Marley']);
    expect($$(el, '.badge')).to.have.length(0);
  });

  it('moves a head to the front on a new message, updates its badge and announces it once', async () => {
    const t0 = Date.now() - 10 * HOUR;
    const bobConv = chat.seed({ members: ['bob', 'ada'], messages: [{ kind: 'text', text: 'old' }], startAt: t0 });
    chat.seed({ members: ['cy', 'ada'], messages: [{ kind: 'text', text: 'newer' }], startAt: t0 + HOUR });
    const ada = client();
    const bob = client('bob');
    const el = await stackFor(ada);
    expect(announced(el)).to.deep.equal([]);
    const events: PinMessageEvent[] = [];
    el.addEventListener(PinMessageEvent.type, (e) => events.push(e));

    await waitUntil(() => bob.$status.get() === 'online');
    await bob.sendText(bobConv, 'Look at\nthis lamp');
    await waitUntil(() => labels(el)[0]?.startsWith('Open conversation with Bob'), 'bob in front');
    await el.updateComplete;

    expect(labels(el)[0]).to.equal('Open conversation with Bob Marley, 2 unread messages');
    expect($(el, '.badge')?.textContent).to.equal('2');
    expect(announced(el)).to.deep.equal(['New message from Bob Marley: Look at this lamp']);
    expect(events.map((e) => e.detail)).to.deep.equal([{ conv: bobConv, from: 'bob', seq: 2 }]);
    expect($(el, '[role="log"]')!.classList.contains('visually-hidden')).to.equal(true);

    // Reading, re-rendering and loading older history announce nothing more.
    await ada.loadOlder(bobConv);
    ada.markRead(bobConv);
    el.max = 4;
    await el.updateComplete;
    expect(announced(el)).to.have.length(1);
    expect(events).to.have.length(1);
  });

  it('announces nothing for the first sync, loading older history, or a reconnect catching up', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 119 });
    const ada = client();
    // Mounted before the welcome arrives.
    const el = await fixture<ChatHeadStack>(html`<chat-head-stack .client=${ada}></chat-head-stack>`);
    await waitUntil(() => labels(el).length === 1, 'head after welcome');
    await ada.openConversation(conv);
    await ada.loadOlder(conv);
    await waitUntil(() => ada.timeline(conv).get().messages.length > 50);

    // Bob writes while ada is cut off; she learns of it from the next welcome.
    chat.backend.kill();
    await waitUntil(() => ada.$status.get() !== 'online', 'disconnected');
    chat.seed({ members: ['bob', 'ada'], messages: [{ kind: 'text', text: 'while you were away' }] });
    chat.backend.start();
    await waitUntil(() => labels(el)[0]?.endsWith('61 unread messages'), 'caught up', { timeout: 3_000 });
    expect(announced(el)).to.deep.equal([]);
  });

  it('dismisses a head with its x, and a new message brings it back', async () => {
    const t0 = Date.now() - 10 * HOUR;
    const bobConv = chat.seed({ members: ['bob', 'ada'], messages: 1, startAt: t0 + HOUR });
    chat.seed({ members: ['cy', 'ada'], messages: 1, startAt: t0 });
    const ada = client();
    const bob = client('bob');
    const el = await stackFor(ada);

    const x = $$(el, '.dismiss')[0];
    expect(x.getAttribute('aria-label')).to.equal('Dismiss Bob Marley');
    const dismissed = oneEvent(el, 'pin-head-dismiss');
    await sendMouse({ type: 'move', position: center(heads(el)[0]) });
    await sendMouse({ type: 'click', position: center(x) });
    expect((await dismissed).detail).to.deep.equal({ conv: bobConv });
    await el.updateComplete;
    expect(labels(el)).to.deep.equal(['Open conversation with Cy Twombly, 1 unread message']);
    // Dismissing is not leaving.
    expect(ada.$conversations.get()[bobConv]).to.not.equal(undefined);

    await waitUntil(() => bob.$status.get() === 'online');
    await bob.sendText(bobConv, 'still there?');
    await waitUntil(() => labels(el).length === 2, 'head back');
    expect(labels(el)[0]).to.equal('Open conversation with Bob Marley, 2 unread messages');
  });

  it('puts heads beyond max behind a "+N" button listing the rest', async () => {
    const t0 = Date.now() - 20 * HOUR;
    const people = ['bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal'];
    const ids = people.map((p, i) => chat.seed({ members: [p, 'ada'], messages: 1, startAt: t0 + (people.length - i) * HOUR }));
    const el = await stackFor(client());

    expect(heads(el)).to.have.length(5);
    const more = $(el, '.more')!;
    expect(more.textContent!.trim()).to.equal('+2');
    expect(more.getAttribute('aria-label')).to.equal('2 more conversations');
    expect(more.getAttribute('aria-expanded')).to.equal('false');

    more.focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    const entries = $$(el, '.entry');
    expect(entries.map((e) => e.textContent!.trim())).to.deep.equal(['Gus Van Sant', 'Hal Ashby']);
    expect(entries.map((e) => e.getAttribute('aria-label'))).to.deep.equal([
      'Open conversation with Gus Van Sant, 1 unread message',
      'Open conversation with Hal Ashby, 1 unread message',
    ]);
    expect(more.getAttribute('aria-expanded')).to.equal('true');
    await expect(el).to.be.accessible();

    // Escape closes the list and gives focus back to "+N".
    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    expect($$(el, '.entry')).to.have.length(0);
    expect(focused(el)).to.equal(more);

    // Picking one opens it, and its head comes to the front.
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    const opened = oneEvent(el, 'pin-conversation-open');
    await sendMouse({ type: 'click', position: center($$(el, '.entry')[1]) });
    expect((await opened).detail).to.deep.equal({ conv: ids[6] });
    await el.updateComplete;
    expect(labels(el)[0]).to.equal('Open conversation with Hal Ashby');
    expect($(el, 'conversation-panel')?.getAttribute('conv')).to.equal(ids[6]);
  });

  it('closes the "+N" list on a click elsewhere', async () => {
    const t0 = Date.now() - 20 * HOUR;
    ['bob', 'cy', 'dee'].forEach((p, i) => chat.seed({ members: [p, 'ada'], messages: 1, startAt: t0 + i * HOUR }));
    const el = await stackFor(client(), { max: 1 });
    await sendMouse({ type: 'click', position: center($(el, '.more')!) });
    await el.updateComplete;
    expect($$(el, '.entry')).to.have.length(2);
    await sendMouse({ type: 'click', position: [window.innerWidth - 10, 10] });
    await el.updateComplete;
    expect($$(el, '.entry')).to.have.length(0);
  });

  it('is reachable by keyboard: Tab visits heads and their x, Enter opens, Escape returns to the head', async () => {
    const t0 = Date.now() - 10 * HOUR;
    const bobConv = chat.seed({ members: ['bob', 'ada'], messages: 2, startAt: t0 + HOUR });
    chat.seed({ members: ['cy', 'ada'], messages: 1, startAt: t0 });
    const ada = client();
    await waitUntil(() => ada.$status.get() === 'online');
    const page = await fixture<HTMLElement>(html`<div>
      <button id="before">before</button>
      <chat-head-stack .client=${ada}></chat-head-stack>
    </div>`);
    const el = page.querySelector('chat-head-stack')!;
    await el.updateComplete;
    page.querySelector<HTMLButtonElement>('#before')!.focus();

    await sendKeys({ press: 'Tab' });
    expect(focused(el)).to.equal(heads(el)[0]);
    await sendKeys({ press: 'Tab' });
    expect(focused(el)?.getAttribute('aria-label')).to.equal('Dismiss Bob Marley');
    expect(getComputedStyle(focused(el)!).opacity).to.not.equal('0');
    await sendKeys({ press: 'Tab' });
    expect(focused(el)).to.equal(heads(el)[1]);
    await sendKeys({ press: 'Shift+Tab' });
    await sendKeys({ press: 'Shift+Tab' });
    expect(focused(el)).to.equal(heads(el)[0]);

    const opened = oneEvent(el, 'pin-conversation-open');
    await sendKeys({ press: 'Enter' });
    expect((await opened).detail).to.deep.equal({ conv: bobConv });
    await el.updateComplete;
    const panel = $(el, 'conversation-panel')!;
    expect(panel.getAttribute('conv')).to.equal(bobConv);
    expect(heads(el)[0].getAttribute('aria-expanded')).to.equal('true');
    // Opening marks the conversation read.
    await waitUntil(() => ada.$conversations.get()[bobConv].unread === 0, 'read');
    await el.updateComplete;
    expect(labels(el)[0]).to.equal('Open conversation with Bob Marley');

    // Focus went into the panel (its composer); Escape there closes it and puts focus back on its head.
    expect(panel.matches(':focus-within')).to.equal(true);
    const closed = oneEvent(el, 'pin-conversation-close');
    await sendKeys({ press: 'Escape' });
    expect((await closed).detail).to.deep.equal({ conv: bobConv });
    await el.updateComplete;
    expect($(el, 'conversation-panel')).to.equal(null);
    expect(focused(el)).to.equal(heads(el)[0]);
    expect(heads(el)[0].getAttribute('aria-expanded')).to.equal('false');
  });

  it('closes the panel when its head is clicked again or the panel closes itself', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const el = await stackFor(client());
    await sendMouse({ type: 'click', position: center(heads(el)[0]) });
    await el.updateComplete;
    expect($(el, 'conversation-panel')).to.not.equal(null);
    const closed = oneEvent(el, 'pin-conversation-close');
    await sendMouse({ type: 'click', position: center(heads(el)[0]) });
    expect((await closed).detail).to.deep.equal({ conv });
    await el.updateComplete;
    expect($(el, 'conversation-panel')).to.equal(null);

    await sendMouse({ type: 'click', position: center(heads(el)[0]) });
    await el.updateComplete;
    const panel = $(el, 'conversation-panel')!;
    await (panel as HTMLElementTagNameMap['conversation-panel']).updateComplete;
    const closeButton = panel.shadowRoot!.querySelector('[part~="close-button"]')!;
    await sendMouse({ type: 'click', position: center(closeButton) });
    await el.updateComplete;
    expect($(el, 'conversation-panel')).to.equal(null);
    expect(heads(el)[0].getAttribute('aria-expanded')).to.equal('false');
  });

  it('leaves the page usable: the empty part of its box clicks through and the page scrolls', async () => {
    const t0 = Date.now() - 10 * HOUR;
    ['bob', 'cy', 'dee'].forEach((p, i) => chat.seed({ members: [p, 'ada'], messages: 1, startAt: t0 + i * HOUR }));
    const ada = client();
    await waitUntil(() => ada.$status.get() === 'online');
    const page = await fixture<HTMLElement>(html`<div>
      <button id="behind" style="position: fixed; inset: 0; width: 100%; height: 100%; z-index: 1">behind</button>
      <div style="height: 5000px"></div>
      <chat-head-stack .client=${ada}></chat-head-stack>
    </div>`);
    const el = page.querySelector('chat-head-stack')!;
    const behind = page.querySelector<HTMLButtonElement>('#behind')!;
    await el.updateComplete;

    // Between two heads, inside the stack's box.
    const [a, b] = heads(el).map((h) => h.getBoundingClientRect());
    const gap: [number, number] = [Math.round(a.left + a.width / 2), Math.round((b.bottom + a.top) / 2)];
    const box = el.getBoundingClientRect();
    expect(gap[1]).to.be.within(box.top, box.bottom);
    expect(document.elementFromPoint(...gap)?.id).to.equal('behind');
    // A head itself is the stack's.
    expect(document.elementFromPoint(...center(heads(el)[0]))?.localName).to.equal('chat-head-stack');

    // With a panel open, the area above the heads beside it is the page's too.
    await sendMouse({ type: 'click', position: center(heads(el)[0]) });
    await el.updateComplete;
    const panelBox = $(el, 'conversation-panel')!.getBoundingClientRect();
    const top = el.getBoundingClientRect();
    expect(panelBox.height).to.be.greaterThan(200);
    expect(document.elementFromPoint(Math.round(a.left + 4), Math.round(top.top + 8))?.id).to.equal('behind');

    let clicks = 0;
    behind.addEventListener('click', () => clicks++);
    await sendMouse({ type: 'click', position: gap });
    expect(clicks).to.equal(1);

    // The page scrolls with the keyboard, and nothing locked its scrolling.
    window.scrollTo(0, 0);
    document.body.focus();
    await sendKeys({ press: 'PageDown' });
    await waitUntil(() => window.scrollY > 0, 'page scrolled');
    expect(getComputedStyle(document.documentElement).overflowY).to.not.equal('hidden');
    window.scrollTo(0, 0);
  });

  it('follows `side` and right-to-left pages, and reads its offsets from custom properties', async () => {
    chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const ada = client();
    await waitUntil(() => ada.$status.get() === 'online');
    const page = await fixture<HTMLElement>(html`<div dir="rtl">
      <chat-head-stack .client=${ada} style="--pin-stack-inset-inline: 40px; --pin-stack-inset-block: 30px"></chat-head-stack>
    </div>`);
    const el = page.querySelector('chat-head-stack')!;
    await el.updateComplete;
    let r = el.getBoundingClientRect();
    expect(Math.round(document.documentElement.clientWidth - r.right)).to.equal(40);
    expect(Math.round(window.innerHeight - r.bottom)).to.equal(30);

    page.dir = 'ltr';
    el.side = 'right';
    await el.updateComplete;
    r = el.getBoundingClientRect();
    expect(Math.round(document.documentElement.clientWidth - r.right)).to.equal(40);
    el.side = 'left';
    await el.updateComplete;
    expect(Math.round(el.getBoundingClientRect().left)).to.equal(40);
  });

  it('puts the unread total in the page title only when asked, and restores it', async () => {
    const t0 = Date.now() - 10 * HOUR;
    const bobConv = chat.seed({ members: ['bob', 'ada'], messages: [{ kind: 'text', text: 'a' }], startAt: t0 });
    chat.seed({ members: ['cy', 'ada'], messages: [{ kind: 'text', text: 'b' }, { kind: 'text', text: 'mine' }, { kind: 'text', text: 'c' }], startAt: t0 });
    const original = document.title;
    document.title = 'My pins';
    try {
      const ada = client();
      const el = await stackFor(ada);
      expect(document.title).to.equal('My pins');

      el.setAttribute('title-badge', '');
      await el.updateComplete;
      expect(document.title).to.equal('(3) My pins');

      ada.markRead(bobConv);
      await el.updateComplete;
      expect(document.title).to.equal('(2) My pins');

      el.removeAttribute('title-badge');
      await el.updateComplete;
      expect(document.title).to.equal('My pins');

      el.setAttribute('title-badge', '');
      await el.updateComplete;
      expect(document.title).to.equal('(2) My pins');
      el.remove();
      expect(document.title).to.equal('My pins');
    } finally {
      document.title = original;
    }
  });

  describe('sound', () => {
    let starts = 0;
    const RealAudioContext = window.AudioContext;

    beforeEach(() => {
      starts = 0;
      // A silent stand-in that counts the notes played.
      class FakeAudioContext {
        currentTime = 0;
        destination = {};
        resume = async () => undefined;
        close = async () => undefined;
        createGain = () => ({ gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect: (n: unknown) => n });
        createOscillator = () => ({ frequency: { value: 0 }, connect: (n: unknown) => n, start: () => starts++, stop() {} });
      }
      (window as { AudioContext: unknown }).AudioContext = FakeAudioContext;
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    });

    afterEach(() => {
      window.AudioContext = RealAudioContext;
      delete (document as { hidden?: boolean }).hidden;
    });

    async function messageFromBob(conv: string, bob: ChatClient, text: string): Promise<void> {
      await waitUntil(() => bob.$status.get() === 'online');
      await bob.sendText(conv, text);
    }

    it('rings for a new message while hidden, only when `sound` is on, once across two tabs', async () => {
      const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
      const bob = client('bob');
      const quiet = await stackFor(client());
      await messageFromBob(conv, bob, 'one');
      await waitUntil(() => announced(quiet).length === 1);
      expect(starts).to.equal(0);
      quiet.remove();

      // One tab alone.
      const alone = await stackFor(client(), { sound: true });
      await messageFromBob(conv, bob, 'two');
      await waitUntil(() => starts > 0, 'a tone');
      const oneTab = starts;
      alone.remove();

      // Two tabs of the same person: the same single tone.
      starts = 0;
      const tabA = await stackFor(client(), { sound: true });
      const tabB = await stackFor(client(), { sound: true });
      await messageFromBob(conv, bob, 'three');
      await waitUntil(() => announced(tabA).length === 1 && announced(tabB).length === 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(starts).to.equal(oneTab);
    });

    it('stays silent while the tab is visible', async () => {
      delete (document as { hidden?: boolean }).hidden;
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
      const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
      const bob = client('bob');
      const el = await stackFor(client(), { sound: true });
      await messageFromBob(conv, bob, 'hello');
      await waitUntil(() => announced(el).length === 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(starts).to.equal(0);
    });
  });

  it('renders hostile names and messages inertly', async () => {
    chat = new TestChat({
      users: [...SAMPLE_PEOPLE, { id: 'mal', name: '<img src=x onerror=alert(1)>\u202Eevil\u202C' }],
    });
    const conv = chat.seed({ members: ['mal', 'ada'], messages: 1 });
    const ada = client();
    const mal = client('mal');
    const el = await stackFor(ada);
    await waitUntil(() => mal.$status.get() === 'online');
    await mal.sendText(conv, '<script>alert(1)</script>' + '\u{1F600}'.repeat(3900));
    await waitUntil(() => announced(el).length === 1);
    expect(el.shadowRoot!.querySelector('img[src="x"], script')).to.equal(null);
    expect(labels(el)[0]).to.contain('<img src=x onerror=alert(1)>');
    expect(announced(el)[0]).to.match(/^New message from <img src=x onerror=alert\(1\)>.*: <script>alert\(1\)<\/script>\u{1F600}+…$/u);
    // The stack keeps its size.
    expect(el.getBoundingClientRect().width).to.be.lessThan(120);
  });

  it('releases the client when removed: no more events or announcements', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const bob = client('bob');
    const el = await stackFor(client());
    el.remove();
    let events = 0;
    const count = () => events++;
    document.addEventListener(PinMessageEvent.type, count);
    await waitUntil(() => bob.$status.get() === 'online');
    await bob.sendText(conv, 'anyone?');
    await new Promise((resolve) => setTimeout(resolve, 100));
    document.removeEventListener(PinMessageEvent.type, count);
    expect(events).to.equal(0);
    expect(announced(el)).to.deep.equal([]);
  });

  it('puts the x beside its head: over no face of a group avatar, 24 px or more, clear of the head\'s focus outline', async () => {
    const t0 = Date.now() - 10 * HOUR;
    [['bob', 'ada'], ['bob', 'cy', 'ada'], ['bob', 'cy', 'dee', 'ada'], ['bob', 'cy', 'dee', 'eve', 'ada']].forEach((members, i) =>
      chat.seed({ members, messages: 1, startAt: t0 + i * HOUR }),
    );
    const ada = client();
    await waitUntil(() => ada.$status.get() === 'online');
    for (const dir of ['ltr', 'rtl']) {
      const page = await fixture<HTMLElement>(html`<div dir=${dir}>
        <button id="before">before</button>
        <chat-head-stack .client=${ada}></chat-head-stack>
      </div>`);
      const el = page.querySelector('chat-head-stack')!;
      await el.updateComplete;
      expect($$(el, '.group.n2, .group.n3, .group.n4')).to.have.length(3);
      page.querySelector<HTMLElement>('#before')!.focus();
      for (const head of heads(el)) {
        await sendKeys({ press: 'Tab' });
        expect(focused(el), 'Tab reaches each head').to.equal(head);
        const x = head.parentElement!.querySelector('.dismiss')!.getBoundingClientRect();
        expect(x.width).to.be.at.least(24);
        expect(x.height).to.be.at.least(24);
        expect(x.left).to.be.at.least(0);
        expect(x.right).to.be.at.most(document.documentElement.clientWidth);
        const away = (c: { x: number; y: number }) => Math.hypot(Math.max(x.left - c.x, 0, c.x - x.right), Math.max(x.top - c.y, 0, c.y - x.bottom));
        const centre = (r: DOMRect) => ({ x: r.left + r.width / 2, y: r.top + r.height / 2 });
        for (const face of head.parentElement!.querySelectorAll('.avatar')) {
          const r = face.getBoundingClientRect();
          expect(away(centre(r)), `${dir}: the x covers no face`).to.be.at.least(r.width / 2);
        }
        // The head's outline (what forced colours paint) and the x do not touch: each focus is told apart.
        const style = getComputedStyle(head);
        expect(head.matches(':focus-visible')).to.equal(true);
        const ring = head.offsetWidth / 2 + parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth);
        expect(away(centre(head.getBoundingClientRect())), `${dir}: the x is outside the head's outline`).to.be.at.least(ring);
        await sendKeys({ press: 'Tab' });
        expect(focused(el)?.className).to.equal('dismiss');
      }
    }
  });

  it('fits any viewport height: fewer heads as it shrinks, the rest and the "+N" menu inside the screen', async () => {
    const t0 = Date.now() - 20 * HOUR;
    const people = ['bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jon', 'kim', 'lou', 'max'];
    people.forEach((p, i) => chat.seed({ members: [p, 'ada'], messages: 1, startAt: t0 + (people.length - i) * HOUR }));
    try {
      await setViewport({ width: 320, height: 256 });
      const el = await stackFor(client());
      await waitUntil(() => heads(el).length === 2, 'two heads at 256 px');
      const inView = (node: Element) => {
        const r = node.getBoundingClientRect();
        return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= document.documentElement.clientWidth;
      };
      for (const node of [...heads(el), $(el, '.more')!]) expect(inView(node)).to.equal(true);
      expect($(el, '.more')!.textContent!.trim()).to.equal('+10');

      $(el, '.more')!.click();
      await el.updateComplete;
      const menu = $(el, '.menu')!;
      expect(inView(menu), 'the menu is inside the screen').to.equal(true);
      expect(menu.scrollHeight, 'and scrolls inside itself').to.be.greaterThan(menu.clientHeight);
      for (const entry of $$(el, '.entry')) {
        entry.focus();
        const r = entry.getBoundingClientRect();
        const m = menu.getBoundingClientRect();
        expect(r.top >= m.top - 1 && r.bottom <= m.bottom + 1, `${entry.textContent} scrolled into the menu's view`).to.equal(true);
        expect(inView(entry)).to.equal(true);
      }

      // With the "+N" button alone in the corner the menu has no room below it: it opens upwards, still inside.
      el.max = 0; // the menu is still open
      await el.updateComplete;
      const up = $(el, '.menu')!;
      expect(up.classList.contains('up')).to.equal(true);
      expect(inView(up), 'the upward menu is inside the screen').to.equal(true);
      expect(up.getBoundingClientRect().bottom).to.be.closeTo($(el, '.more')!.getBoundingClientRect().bottom, 1);
      expect(up.scrollHeight).to.be.greaterThan(up.clientHeight);
      el.max = 5;
      $(el, '.more')!.click();
      await el.updateComplete;

      // Taller again: up to `max` heads come back.
      await setViewport({ width: 800, height: 600 });
      await waitUntil(() => heads(el).length === 5, 'five heads at 600 px');
    } finally {
      await setViewport({ width: 800, height: 600 });
    }
  });

  it('publishes the strip its heads cover only when asked (`reserve`), for the page to keep clear', async () => {
    chat.seed({ members: ['bob', 'ada'], messages: 1 });
    chat.seed({ members: ['cy', 'ada', 'dee'], messages: 1 });
    const ada = client();
    await waitUntil(() => ada.$status.get() === 'online');
    const root = document.documentElement.style;
    const page = await fixture<HTMLElement>(html`<div>
      <style>
        .content {
          padding-inline-start: var(--pin-reserve-inline, 0px);
          padding-block-end: var(--pin-reserve-block, 0px);
        }
      </style>
      <div class="content"><p id="text">Page text</p></div>
      <chat-head-stack .client=${ada}></chat-head-stack>
    </div>`);
    const el = page.querySelector('chat-head-stack')!;
    await el.updateComplete;
    await new Promise((resolve) => requestAnimationFrame(resolve));
    expect(root.getPropertyValue('--pin-reserve-inline'), 'off by default').to.equal('');
    expect(document.documentElement.hasAttribute('style'), 'no change to the page').to.equal(false);
    const text = page.querySelector('#text')!;
    const list = $(el, '.heads')!.getBoundingClientRect();
    expect(text.getBoundingClientRect().left, 'the page is under the heads').to.be.lessThan(list.right);

    el.setAttribute('reserve', '');
    await waitUntil(() => root.getPropertyValue('--pin-reserve-inline') !== '', 'published');
    const heads = $(el, '.heads')!.getBoundingClientRect();
    expect(root.getPropertyValue('--pin-reserve-inline')).to.equal(`${Math.ceil(heads.right + heads.left)}px`);
    expect(root.getPropertyValue('--pin-reserve-block')).to.equal(`${Math.ceil(2 * document.documentElement.clientHeight - heads.top - heads.bottom)}px`);
    expect(text.getBoundingClientRect().left, 'the page text clears the heads and their x').to.be.at.least(heads.right + heads.left - 1);

    // The strip follows the heads: one fewer, a shorter strip.
    const before = parseFloat(root.getPropertyValue('--pin-reserve-block'));
    $$(el, '.dismiss')[0].click();
    await waitUntil(() => parseFloat(root.getPropertyValue('--pin-reserve-block')) < before, 'shorter after a dismiss');

    // On the other edge, measured from there.
    el.side = 'end';
    await el.updateComplete;
    await waitUntil(() => {
      const r = $(el, '.heads')!.getBoundingClientRect();
      return root.getPropertyValue('--pin-reserve-inline') === `${Math.ceil(2 * document.documentElement.clientWidth - r.left - r.right)}px`;
    }, 'measured from the end edge');

    el.reserve = false;
    await el.updateComplete;
    expect(root.getPropertyValue('--pin-reserve-inline'), 'withdrawn when turned off').to.equal('');
    el.reserve = true;
    await waitUntil(() => root.getPropertyValue('--pin-reserve-inline') !== '', 'published again');
    el.remove();
    expect(root.getPropertyValue('--pin-reserve-inline'), 'withdrawn on removal').to.equal('');
    expect(root.getPropertyValue('--pin-reserve-block')).to.equal('');
  });

  it('passes axe with heads, badges and an open panel', async () => {
    chat.seed({ members: ['bob', 'ada'], messages: 2 });
    chat.seed({ members: ['cy', 'ada', 'dee'], title: 'Trip', messages: 3 });
    const el = await stackFor(client());
    await expect(el).to.be.accessible();
    await sendMouse({ type: 'click', position: center(heads(el)[0]) });
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });
});
