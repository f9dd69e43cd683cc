import { aTimeout, expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import '../../../src/elements/conversation-panel/define.js';
import type { ConversationPanel } from '../../../src/elements/conversation-panel/define.js';
import { PinConversationCloseEvent, PinLinkRequestEvent } from '../../../src/elements/internal/events.js';
import type { Body } from '../../../src/protocol/index.js';
import { ChatClient } from '../../../src/state/client.js';
import { memoryOutboxStorage } from '../../../src/state/outbox-storage.js';
import { MemoryTransport, TestChat } from '../../../src/testing/index.js';

const DAY = 86_400_000;
const PIN = { url: 'https://www.example.com/pin/7', image: 'https://img.example.com/lamp.jpg', title: 'Brass lamp' };

let chat: TestChat;
let clients: ChatClient[];

function client(user = 'ada'): ChatClient {
  const c = chat.client(user);
  clients.push(c);
  return c;
}

async function online(...cs: ChatClient[]): Promise<void> {
  await waitUntil(() => cs.every((c) => c.$status.get() === 'online'), 'clients online', { timeout: 3000 });
}

async function panel(c: ChatClient, conv: string): Promise<ConversationPanel> {
  return fixture<ConversationPanel>(
    html`<conversation-panel .client=${c} conv=${conv} style="--pin-panel-height: 480px"></conversation-panel>`,
  );
}

const $ = <T extends Element = HTMLElement>(el: ConversationPanel, selector: string) =>
  el.shadowRoot!.querySelector<T>(selector);
const $$ = <T extends Element = HTMLElement>(el: ConversationPanel, selector: string) => [
  ...el.shadowRoot!.querySelectorAll<T>(selector),
];
const texts = (el: ConversationPanel, selector: string) => $$(el, selector).map((n) => n.textContent!.trim());
const scroller = (el: ConversationPanel) => $(el, '[part="history"]')!;
const bubbles = (el: ConversationPanel) => texts(el, '.bubble');

async function settled(el: ConversationPanel): Promise<void> {
  await el.updateComplete;
  await new Promise((r) => requestAnimationFrame(() => r(undefined)));
  await el.updateComplete;
}

/** The first message row whose bottom is below the top of the history, with its position. */
function firstVisible(el: ConversationPanel): { key: string; top: number } {
  const edge = scroller(el).getBoundingClientRect().top;
  const row = $$(el, '.row.message').find((r) => r.getBoundingClientRect().bottom > edge + 1)!;
  return { key: row.dataset.key!, top: row.getBoundingClientRect().top };
}

async function scrollTo(el: ConversationPanel, top: number): Promise<void> {
  scroller(el).scrollTop = top;
  await oneEvent(scroller(el), 'scroll');
  await settled(el);
}

beforeEach(() => {
  chat = new TestChat();
  clients = [];
});

afterEach(() => {
  for (const c of clients) c.destroy();
});

describe('<conversation-panel>', () => {
  it('shows the history with a date separator per day and one header per run of messages from one sender', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 2, startAt: Date.now() - 3 * DAY });
    const ada = client();
    const bob = client('bob');
    await online(ada, bob);
    const el = await panel(ada, conv);
    await bob.sendText(conv, 'first today');
    await bob.sendText(conv, 'second today');
    await waitUntil(() => bubbles(el).includes('second today'), 'live messages shown');

    const days = texts(el, '.row.day');
    expect(days).to.have.length(2);
    expect(days[1]).to.equal('Today');
    const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' }).format(Date.now() - 3 * DAY);
    expect(days[0]).to.equal(weekday);
    const rows = $$(el, '.row.message');
    const [first, second] = rows.slice(-2);
    expect(first.classList.contains('first'), 'the run starts with a header').to.equal(true);
    expect(first.querySelector('[part~="avatar"]')).to.exist;
    const time = first.querySelector('time')!;
    const hourMinute = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
    expect(time.textContent, "the time in the reader's locale").to.equal(hourMinute.format(new Date(time.dateTime)));
    expect(second.classList.contains('first'), 'the next message joins the run').to.equal(false);
    expect(second.querySelector('[part~="avatar"]')).to.equal(null);
    // Screen readers still hear who wrote a message without a visible header.
    expect(second.querySelector('.visually-hidden')!.textContent).to.contain('Bob Marley');
    expect($(el, 'h2')!.textContent!.trim()).to.equal('Bob Marley');
    await expect(el).to.be.accessible();
  });

  it('shows a pin as a card with its image, title, source domain and the note', async () => {
    const body: Body = { kind: 'pin', pin: PIN, note: 'For the reading corner' };
    const conv = chat.seed({ members: ['bob', 'ada'], messages: [body] });
    const ada = client();
    await online(ada);
    const el = await panel(ada, conv);
    await waitUntil(() => $(el, '[part="pin"]'), 'pin card');

    const img = $<HTMLImageElement>(el, '[part="pin-image"]')!;
    expect(img.getAttribute('src')).to.equal(PIN.image);
    expect(img.alt).to.equal('Brass lamp');
    expect(img.loading).to.equal('lazy');
    const title = $<HTMLAnchorElement>(el, 'a[part="pin-title"]')!;
    expect(title.textContent!.trim()).to.equal('Brass lamp');
    expect(title.href).to.equal(PIN.url);
    expect(title.rel).to.equal('noopener noreferrer nofollow ugc');
    expect($(el, '[part="pin-domain"]')!.textContent).to.equal('Pin from example.com');
    expect(bubbles(el)).to.deep.equal(['For the reading corner']);
    await expect(el).to.be.accessible();
  });

  it('renders hostile text inertly, links only http(s) and keeps right-to-left overrides inside their run', async () => {
    const hostile = [
      '<img src=x onerror="window.__pwned=1"> </textarea><script>window.__pwned=1</script>',
      'javascript:alert(1) and JaVaScRiPt:alert(2) data:text/html,hi //evil.example/x',
      '\u202Eevil https://bücher.example/x after',
    ].map((text): Body => ({ kind: 'text', text }));
    const conv = chat.seed({ members: ['bob', 'ada'], messages: hostile });
    const ada = client();
    await online(ada);
    const el = await panel(ada, conv);
    el.style.setProperty('--pin-panel-width', '640px'); // the link and its host on one line
    await waitUntil(() => bubbles(el).length === 3, 'three messages');
    await settled(el);

    expect($(el, '.list img'), 'no element from text').to.equal(null);
    expect($(el, '.list script')).to.equal(null);
    expect(bubbles(el)[0]).to.contain('<img src=x onerror=');
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
    const links = $$<HTMLAnchorElement>(el, '.list a');
    expect(links).to.have.length(1);
    expect(links[0].protocol).to.equal('https:');
    expect(links[0].rel).to.equal('noopener noreferrer nofollow ugc');
    expect(links[0].target).to.equal('_blank');
    // The link reads as its real host, in punycode, then its path: the override before it moved nothing.
    expect(links[0].textContent).to.equal('xn--bcher-kva.example/x');
    const host = links[0].querySelector('.host')!;
    expect(host.textContent).to.equal('xn--bcher-kva.example');
    expect(host.getBoundingClientRect().left).to.be.closeTo(links[0].getBoundingClientRect().left, 1);
    await expect(el).to.be.accessible();
  });

  it('shows a link as its real host and path: bidi controls inside it show as escapes and reorder nothing', async () => {
    const long = `https://shop.example.com/${'a'.repeat(60)}/lamp.jpg`;
    const conv = chat.seed({
      members: ['bob', 'ada'],
      messages: [
        { kind: 'text', text: '\u202Eevil https://example.com/\u202Egnp.exe and https://example.com/caf\u00e9/\u2067x\u2069' },
        { kind: 'text', text: long },
        { kind: 'pin', pin: { ...PIN, title: 'https://example.com/\u202Egnp.exe' } },
      ],
    });
    const ada = client();
    await online(ada);
    const el = await panel(ada, conv);
    el.style.setProperty('--pin-panel-width', '640px'); // each link on one line
    await waitUntil(() => $$(el, '.bubble a').length === 3 && $(el, '[part="pin"]'), 'links and pin');
    await settled(el);

    const [rlo, isolates, cut] = $$<HTMLAnchorElement>(el, '.bubble a');
    const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
    for (const link of [rlo, isolates, cut]) expect(BIDI.test(link.textContent!), link.textContent!).to.equal(false);
    // The override is part of the address: it stays there, visible as the escape the href has.
    expect(rlo.textContent).to.equal('example.com/%E2%80%AEgnp.exe');
    expect(rlo.getAttribute('href')).to.equal('https://example.com/%E2%80%AEgnp.exe');
    // Read left to right, the file still ends in .exe.
    const path = rlo.lastChild as Text;
    const at = (word: string) => {
      const range = document.createRange();
      range.setStart(path, path.data.indexOf(word));
      range.setEnd(path, path.data.indexOf(word) + word.length);
      return range.getBoundingClientRect().left;
    };
    expect(at('gnp')).to.be.below(at('exe'));
    // Escaped text is shown as text, but not the isolates around it.
    expect(isolates.textContent).to.equal('example.com/café/%E2%81%A7x%E2%81%A9');
    // A long path loses its middle; the host and the file name stay whole.
    expect(cut.textContent).to.match(/^shop\.example\.com\/a{19}…a{11}\/lamp\.jpg$/);
    expect(cut.href).to.equal(long);
    // A pin's title is prose: its controls are dropped, so it cannot read backwards either.
    const title = $(el, '[part="pin-title"]')!;
    expect(title.textContent!.trim()).to.equal('https://example.com/gnp.exe');
    expect($<HTMLImageElement>(el, '[part="pin-image"]')!.alt).to.equal('https://example.com/gnp.exe');
    await expect(el).to.be.accessible();
  });

  it('wraps 4,000 emoji inside the panel without horizontal overflow', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: [{ kind: 'text', text: '\u{1F600}'.repeat(4000) }] });
    const ada = client();
    await online(ada);
    const el = await panel(ada, conv);
    await waitUntil(() => bubbles(el).length === 1, 'message');
    await settled(el);
    const s = scroller(el);
    expect(s.scrollWidth).to.be.at.most(s.clientWidth);
    expect(s.scrollHeight).to.be.above(2000);
    const bubble = $(el, '.bubble')!.getBoundingClientRect();
    expect(bubble.right).to.be.at.most(s.getBoundingClientRect().right);
    expect(bubble.left).to.be.at.least(s.getBoundingClientRect().left);
  });

  it('warns before following a link to another site; cancel stays, continue opens it without an opener', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: [{ kind: 'text', text: 'see https://shop.example.com/lamp' }] });
    const ada = client();
    await online(ada);
    const el = await panel(ada, conv);
    await waitUntil(() => $(el, '.bubble a'), 'link');
    const opened: unknown[][] = [];
    const original = window.open;
    window.open = (...args: unknown[]) => (opened.push(args), null);
    try {
      $(el, '.bubble a')!.click();
      await el.updateComplete;
      const dialog = $<HTMLDialogElement>(el, 'dialog[part="dialog"]')!;
      expect(dialog.open).to.equal(true);
      expect(dialog.textContent).to.contain('shop.example.com');
      await expect(el).to.be.accessible();
      $(el, 'dialog button[value="cancel"]')!.click();
      await waitUntil(() => !dialog.open, 'dialog closed');
      expect(opened).to.have.length(0);

      $(el, '.bubble a')!.click();
      await el.updateComplete;
      expect(dialog.open).to.equal(true);
      $(el, 'dialog button[value="confirm"]')!.click();
      await waitUntil(() => opened.length === 1, 'opened');
      expect(opened[0]).to.deep.equal(['https://shop.example.com/lamp', '_blank', 'noopener,noreferrer']);

      // A host that handles links itself cancels the request: nothing is shown or opened.
      const veto = (e: Event) => e.preventDefault();
      el.addEventListener(PinLinkRequestEvent.type, veto);
      const request = oneEvent(el, PinLinkRequestEvent.type);
      $(el, '.bubble a')!.click();
      expect((await request).detail).to.deep.equal({ url: 'https://shop.example.com/lamp', host: 'shop.example.com' });
      await el.updateComplete;
      expect(dialog.open).to.equal(false);
      expect(opened).to.have.length(1);
    } finally {
      window.open = original;
    }
  });

  it('sends on Enter, adds a line on Shift+Enter, and sends nothing while an IME composes', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const ada = client();
    const bob = client('bob');
    await online(ada, bob);
    const el = await panel(ada, conv);
    const input = $<HTMLTextAreaElement>(el, 'textarea')!;
    const send = $<HTMLButtonElement>(el, '[part="send-button"]')!;
    expect(input.getAttribute('enterkeyhint')).to.equal('send');
    expect(send.disabled, 'blank draft').to.equal(true);

    el.focus();
    expect(el.shadowRoot!.activeElement).to.equal(input);
    await sendKeys({ type: 'Hello' });
    await sendKeys({ press: 'Shift+Enter' });
    await sendKeys({ type: 'world' });
    expect(input.value).to.equal('Hello\nworld');
    await el.updateComplete;
    expect(send.disabled).to.equal(false);

    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', isComposing: true, bubbles: true, composed: true, cancelable: true }));
    await aTimeout(50);
    expect(input.value, 'composing keeps the draft').to.equal('Hello\nworld');
    expect(bubbles(el)).to.not.include('Hello\nworld');

    await sendKeys({ press: 'Enter' });
    await waitUntil(() => bubbles(el).includes('Hello\nworld'), 'sent message shown');
    expect(input.value).to.equal('');
    await waitUntil(() => bob.timeline(conv).get().messages.some((m) => m.body.kind === 'text' && m.body.text === 'Hello\nworld'), 'delivered');
  });

  it('shows a failed send with Retry, announces it, and the retry delivers it', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const ada = client();
    const bob = client('bob');
    await online(ada, bob);
    await bob.block('ada', true);
    const el = await panel(ada, conv);
    await ada.sendText(conv, 'are you there?');
    await waitUntil(() => $(el, '[data-action="retry"]'), 'retry shown');
    expect($(el, '.delivery.failed')!.textContent).to.contain('Not sent');
    expect($(el, '[role="status"].visually-hidden')!.textContent).to.contain('not sent');
    await expect(el).to.be.accessible();

    await bob.block('ada', false);
    $(el, '[data-action="retry"]')!.click();
    await waitUntil(() => texts(el, '[part="delivery"]').includes('Sent'), 'sent after retry');
    expect($(el, '[data-action="retry"]')).to.equal(null);
    expect(bubbles(el).filter((b) => b === 'are you there?')).to.have.length(1);
  });

  it('keeps the draft when queueing the message throws', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const ada = client();
    await online(ada);
    const el = await panel(ada, conv);
    ada.sendText = () => Promise.reject(new Error('storage full'));
    el.focus();
    await sendKeys({ type: 'keep me' });
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => $<HTMLTextAreaElement>(el, 'textarea')!.value === 'keep me', 'draft restored');
    expect($(el, '[role="status"].visually-hidden')!.textContent).to.contain('not sent');
  });

  it('marks the newest own message seen once the other person has read it', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const ada = client();
    const bob = client('bob');
    await online(ada, bob);
    const el = await panel(ada, conv);
    await ada.sendText(conv, 'ping');
    await waitUntil(() => texts(el, '[part="delivery"]').includes('Sent'), 'sent');
    await waitUntil(() => bob.timeline(conv).get().hi === 2, 'bob has it');
    bob.markRead(conv);
    await waitUntil(() => texts(el, '[part="delivery"]').includes('Seen'), 'seen');
  });

  it('marks messages read while the newest are in view, not while the reader is scrolled up', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 120 });
    const ada = client();
    const bob = client('bob');
    await online(ada, bob);
    const el = await panel(ada, conv);
    await waitUntil(() => ada.timeline(conv).get().messages.length > 40 && !ada.timeline(conv).get().loadingOlder, 'loaded');
    await waitUntil(() => ada.$conversations.get()[conv].unread === 0, 'read on open');

    await scrollTo(el, 100);
    await bob.sendText(conv, 'unseen yet');
    await waitUntil(() => ada.$conversations.get()[conv].unread === 1, 'unread while scrolled up');
    await aTimeout(100);
    expect(ada.$conversations.get()[conv].unread).to.equal(1);

    el.scrollToLatest();
    await waitUntil(() => ada.$conversations.get()[conv].unread === 0, 'read at the bottom');
    await waitUntil(() => (bob.$conversations.get()[conv].reads.ada ?? 0) === 121, 'bob learns it was read');
  });

  it('shows who is typing and tells the others while the person types', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const ada = client();
    const bob = client('bob');
    await online(ada, bob);
    const el = await panel(ada, conv);
    const bobSees = await panel(bob, conv);
    el.focus();
    await sendKeys({ type: 'h' });
    await waitUntil(() => $(bobSees, '[part="typing"]')!.textContent!.includes('Ada Lovelace typing'), 'typing shown');
    expect($(el, '[part="typing"]')!.textContent!.trim()).to.equal('');
  });

  it('loads older history on scroll up without moving the message the reader is looking at', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 300 });
    const ada = client();
    await online(ada);
    const el = await panel(ada, conv);
    await waitUntil(() => ada.timeline(conv).get().messages.length > 40 && !ada.timeline(conv).get().loadingOlder, 'first page');
    await settled(el);
    const loaded = ada.timeline(conv).get().messages.length;
    const s = scroller(el);
    expect(s.scrollHeight - s.scrollTop - s.clientHeight, 'opens at the bottom').to.be.below(2);

    await scrollTo(el, 60);
    const before = firstVisible(el);
    await waitUntil(() => ada.timeline(conv).get().messages.length > loaded && !ada.timeline(conv).get().loadingOlder, 'older page');
    await settled(el);
    const row = $(el, `.row[data-key="${before.key}"]`)!;
    expect(Math.abs(row.getBoundingClientRect().top - before.top)).to.be.below(2);
    expect(s.scrollTop).to.be.above(500);
  });

  it('follows new messages at the bottom, and shows a pill instead when the reader has scrolled up', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 120 });
    const ada = client();
    const bob = client('bob');
    await online(ada, bob);
    const el = await panel(ada, conv);
    await waitUntil(() => ada.timeline(conv).get().messages.length > 40 && !ada.timeline(conv).get().loadingOlder, 'loaded');
    await settled(el);
    const s = scroller(el);

    await bob.sendText(conv, 'at the bottom');
    await waitUntil(() => bubbles(el).includes('at the bottom'), 'shown');
    await settled(el);
    expect(s.scrollHeight - s.scrollTop - s.clientHeight).to.be.below(2);
    expect($(el, '[part="new-messages"]')).to.equal(null);

    await scrollTo(el, s.scrollTop - 600);
    const before = firstVisible(el);
    await bob.sendText(conv, 'while away');
    await waitUntil(() => $(el, '[part="new-messages"]'), 'pill');
    await settled(el);
    const row = $(el, `.row[data-key="${before.key}"]`)!;
    expect(Math.abs(row.getBoundingClientRect().top - before.top), 'view did not move').to.be.below(2);
    await expect(el).to.be.accessible();

    $(el, '[part="new-messages"]')!.click();
    await settled(el);
    await settled(el);
    expect(s.scrollHeight - s.scrollTop - s.clientHeight).to.be.below(2);
    expect($(el, '[part="new-messages"]')).to.equal(null);
    expect(bubbles(el)).to.include('while away');
  });

  it('keeps the message the reader is looking at when the rows above it change height', async () => {
    const long = 'a line long enough to wrap differently at another width ';
    const bodies = Array.from({ length: 120 }, (_, i): Body => ({ kind: 'text', text: `Message ${i + 1}: ${long.repeat(1 + (i % 3))}` }));
    const conv = chat.seed({ members: ['bob', 'ada'], messages: bodies });
    const ada = client();
    await online(ada);
    const el = await panel(ada, conv);
    await waitUntil(() => ada.timeline(conv).get().messages.length > 40 && !ada.timeline(conv).get().loadingOlder, 'loaded');
    await settled(el);
    const s = scroller(el);
    await scrollTo(el, s.scrollTop - 500);
    const before = firstVisible(el);
    const height = s.scrollHeight;

    // Narrower: every row wraps into more lines, the ones above the view included.
    el.style.setProperty('--pin-panel-width', '280px');
    await waitUntil(() => s.scrollHeight > height + 100, 'rows grew');
    await settled(el);
    await settled(el);
    const row = $(el, `.row[data-key="${before.key}"]`)!;
    expect(Math.abs(row.getBoundingClientRect().top - before.top), 'view did not move').to.be.below(2);
  });

  it('opens a 10,000-message conversation rendering only the rows near the viewport', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 10_000, startAt: Date.now() - 20 * DAY });
    const ada = client();
    await online(ada);
    while (ada.timeline(conv).get().hasOlder) await ada.loadOlder(conv, 200);
    expect(ada.timeline(conv).get().messages).to.have.length(10_000);

    const started = performance.now();
    const el = await panel(ada, conv);
    await el.updateComplete;
    const openMs = performance.now() - started;
    // The render benchmark measures open time precisely; this only catches rendering every row.
    expect(openMs, `opened in ${openMs.toFixed(1)} ms`).to.be.below(1500);
    expect($$(el, '.row').length).to.be.within(5, 80);
    expect(bubbles(el)).to.include('Message 10000');

    const s = scroller(el);
    // The older messages get their rows when the page is next idle (about 90 px each).
    await waitUntil(() => s.scrollHeight > 500_000, 'rows for every message');
    await scrollTo(el, s.scrollHeight / 2);
    await settled(el);
    expect($$(el, '.row').length).to.be.within(5, 80);
    const middle = Number(/Message (\d+)/.exec(bubbles(el)[0])![1]);
    expect(middle).to.be.within(3_000, 7_000);
  }).timeout(30_000);

  it('opens a long history with rows for its newest messages; the older ones follow when idle, or at once on scrolling up to them', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1_500 });
    const ada = client();
    await online(ada);
    while (ada.timeline(conv).get().messages.length < 1_000) await ada.loadOlder(conv, 200);
    const loaded = ada.timeline(conv).get().messages.length;
    // Idle callbacks are held here, so that the test decides when the page is idle.
    const idle = window.requestIdleCallback;
    const held: IdleRequestCallback[] = [];
    window.requestIdleCallback = (callback) => held.push(callback);
    try {
      const scrolled = await panel(ada, conv);
      await settled(scrolled);
      const s = scroller(scrolled);
      const first = s.scrollHeight;
      expect(held, 'the older rows wait for an idle period').to.have.length(1);
      expect(first, 'rows for about 200 messages').to.be.below(40_000);
      expect(bubbles(scrolled)).to.include(`Message 1500`);

      // Scrolled up to the oldest message with a row: every loaded message gets its row at once,
      // the message at the top stays where it was, and nothing is asked of the server yet.
      await scrollTo(scrolled, 0);
      const before = firstVisible(scrolled);
      await settled(scrolled);
      await settled(scrolled);
      expect(s.scrollHeight).to.be.above(first * 3);
      const row = $(scrolled, `.row[data-key="${before.key}"]`)!;
      expect(Math.abs(row.getBoundingClientRect().top - before.top), 'view did not move').to.be.below(2);
      expect(ada.timeline(conv).get().messages).to.have.length(loaded);

      // Left at the bottom, the rows come when the page is idle; the view stays on the newest message.
      const waiting = await panel(ada, conv);
      await settled(waiting);
      expect(scroller(waiting).scrollHeight).to.equal(first);
      expect(held).to.have.length(2);
      held[1]({ didTimeout: false, timeRemaining: () => 50 });
      await settled(waiting);
      await settled(waiting);
      const w = scroller(waiting);
      expect(w.scrollHeight).to.be.above(first * 3);
      expect(w.scrollHeight - w.scrollTop - w.clientHeight, 'still at the bottom').to.be.below(2);
      expect(bubbles(waiting)).to.include(`Message 1500`);
    } finally {
      window.requestIdleCallback = idle;
    }
  });

  it('moves between messages with the arrow keys, one tab stop for the whole list', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 6 });
    const ada = client();
    await online(ada);
    const el = await panel(ada, conv);
    await waitUntil(() => bubbles(el).length === 6, 'messages');
    await settled(el);
    const stops = $$(el, '.row.message').filter((r) => r.tabIndex === 0);
    expect(stops).to.have.length(1);
    expect(stops[0].textContent).to.contain('Message 6');
    stops[0].focus();
    await sendKeys({ press: 'ArrowUp' });
    await settled(el);
    expect(el.shadowRoot!.activeElement!.textContent).to.contain('Message 5');
    await sendKeys({ press: 'ArrowUp' });
    await sendKeys({ press: 'ArrowDown' });
    await settled(el);
    expect(el.shadowRoot!.activeElement!.textContent).to.contain('Message 5');
    expect($$(el, '.row.message').filter((r) => r.tabIndex === 0)).to.have.length(1);
    await sendKeys({ press: 'Home' });
    await settled(el);
    expect(el.shadowRoot!.activeElement!.textContent).to.contain('Message 1');
  });

  it('mutes from the actions menu with the keyboard, and asks before leaving a group', async () => {
    const conv = chat.seed({ members: ['ada', 'bob', 'cy'], title: 'Cabin', messages: 2 });
    const ada = client();
    await online(ada);
    const el = await panel(ada, conv);
    await waitUntil(() => bubbles(el).length === 2, 'messages');
    expect($(el, '[part="members"]')!.textContent).to.contain('3 members');
    expect($(el, '[part="members"]')!.textContent).to.contain('Cy Twombly');

    $(el, '[part="menu-button"]')!.focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect($(el, '[part="menu-button"]')!.getAttribute('aria-expanded')).to.equal('true');
    expect(el.shadowRoot!.activeElement!.textContent).to.equal('Mute');
    await expect(el).to.be.accessible();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => ada.$conversations.get()[conv].muted, 'muted');

    $(el, '[part="menu-button"]')!.click();
    await el.updateComplete;
    await sendKeys({ press: 'ArrowDown' });
    expect(el.shadowRoot!.activeElement!.textContent).to.equal('Leave conversation');
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    const dialog = $<HTMLDialogElement>(el, 'dialog[part="dialog"]')!;
    expect(dialog.open).to.equal(true);
    const closed = oneEvent(el, PinConversationCloseEvent.type);
    $(el, 'dialog button[value="confirm"]')!.click();
    expect((await closed).detail.conv).to.equal(conv);
    expect(ada.$conversations.get()[conv]).to.equal(undefined);
  });

  it('reports a message after confirming', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const ada = client();
    await online(ada);
    const el = await panel(ada, conv);
    await waitUntil(() => $(el, '[data-action="report"]'), 'report button');
    const report = $(el, '[data-action="report"]')!;
    expect(report.getAttribute('aria-label')).to.equal('Report message from Bob Marley');
    expect(getComputedStyle(report).opacity, 'hidden until hovered or focused').to.equal('0');
    // From the message, Tab reaches its report button, which then shows.
    $(el, '.row.message')!.focus();
    await sendKeys({ press: 'Tab' });
    expect(el.shadowRoot!.activeElement).to.equal(report);
    expect(getComputedStyle(report).opacity).to.equal('1');
    expect(getComputedStyle(report).contentVisibility).to.equal('visible');
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    $(el, 'dialog button[value="confirm"]')!.click();
    await waitUntil(() => $(el, '[role="status"].visually-hidden')!.textContent!.includes('Thanks'), 'report confirmed');
    expect(chat.backend.storage.reports().map((r) => [r.reporter, r.seq])).to.deep.equal([['ada', 1]]);
  });

  it('shows the empty and loading states, and reconnecting with pending messages', async () => {
    const ada = client();
    await online(ada);
    const el = await panel(ada, 'dm:ada:bob');
    await waitUntil(() => $(el, '[part="empty"]')?.textContent === 'No messages yet. Say hello!', 'empty state');
    await expect(el).to.be.accessible();

    const transport = new MemoryTransport({ backend: chat.backend, user: 'ada' });
    const offline = new ChatClient({ user: 'ada', transport, outboxStorage: memoryOutboxStorage() });
    clients.push(offline);
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 3 });
    const loading = await panel(offline, conv);
    expect($(loading, '[part="empty"]')!.textContent).to.equal('Loading messages…');
    await expect(loading).to.be.accessible();
    await online(offline);
    await waitUntil(() => bubbles(loading).length === 3, 'loaded');
    chat.backend.kill();
    await waitUntil(() => offline.$status.get() === 'reconnecting', 'reconnecting');
    await offline.sendText(conv, 'later');
    await waitUntil(() => $(loading, '[part="status"]')!.textContent!.startsWith('Offline'), 'offline banner');
    expect(texts(loading, '[part="delivery"]')).to.include('Sending');
    await expect(loading).to.be.accessible();
    chat.backend.start();
    await waitUntil(() => texts(loading, '[part="delivery"]').includes('Sent'), 'sent after reconnect', { timeout: 4000 });
    expect($(loading, '[part="status"]')!.textContent).to.equal('');
  });

  it('mirrors for right-to-left pages and takes its strings from one object', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 2 });
    const ada = client();
    await online(ada);
    const wrapper = await fixture<HTMLDivElement>(html`<div dir="rtl">
      <conversation-panel .client=${ada} conv=${conv} theme="dark" .strings=${{ writeMessage: 'כתבו הודעה', back: 'חזרה' }}></conversation-panel>
    </div>`);
    const el = wrapper.querySelector('conversation-panel')!;
    await waitUntil(() => bubbles(el).length === 2, 'messages');
    await settled(el);
    const [theirs, mine] = $$(el, '.bubble').map((b) => b.getBoundingClientRect());
    const box = scroller(el).getBoundingClientRect();
    // Own messages sit at the inline end: the left in right-to-left.
    expect(mine.left - box.left).to.be.below(box.right - mine.right);
    expect(box.right - theirs.right).to.be.below(theirs.left - box.left);
    expect($(el, 'textarea')!.getAttribute('placeholder')).to.equal('כתבו הודעה');
    expect($(el, '[part="back-button"]')!.getAttribute('aria-label')).to.equal('חזרה');
    await expect(el).to.be.accessible();
  });

  it('takes the whole screen on a phone and locks the page scroll until closed', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 3 });
    const ada = client();
    await online(ada);
    document.documentElement.style.overflow = 'clip';
    await setViewport({ width: 390, height: 844 });
    try {
      const host = await fixture<HTMLDivElement>(html`<div></div>`);
      const el = document.createElement('conversation-panel');
      el.client = ada;
      el.conv = conv;
      el.addEventListener(PinConversationCloseEvent.type, () => el.remove());
      host.append(el);
      await settled(el);
      const rect = el.getBoundingClientRect();
      expect([rect.left, rect.top, rect.width, rect.height]).to.deep.equal([0, 0, 390, 844]);
      expect(getComputedStyle(document.documentElement).overflow).to.equal('hidden');
      const back = $(el, '[part="back-button"]')!;
      expect(getComputedStyle(back).display).to.not.equal('none');
      expect(getComputedStyle($(el, '[part="close-button"]')!).display).to.equal('none');
      await expect(el).to.be.accessible();
      back.click();
      expect(el.isConnected).to.equal(false);
      expect(document.documentElement.style.overflow).to.equal('clip');
    } finally {
      document.documentElement.style.overflow = '';
      await setViewport({ width: 800, height: 600 });
    }
  });

  it('closes on Escape and releases every store subscription when removed', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 2 });
    const ada = client();
    await online(ada);
    const listeners = () => [ada.$users, ada.$outbox, ada.$conversations, ada.$typing].map((s) => (s as unknown as { lc: number }).lc);
    const idle = listeners();
    const el = await panel(ada, conv);
    await waitUntil(() => bubbles(el).length === 2, 'messages');
    expect(listeners()).to.not.deep.equal(idle);
    el.focus();
    const closed = oneEvent(el, PinConversationCloseEvent.type);
    await sendKeys({ press: 'Escape' });
    expect((await closed).detail.conv).to.equal(conv);
    el.remove();
    expect(listeners()).to.deep.equal(idle);
  });
});

/**
 * What the server sends someone who blocked `hiddenFrom` and shares a group with them: that person's
 * messages with `hidden: 'blocked'` and an empty body, in their place in the order.
 */
class BlockerTransport extends MemoryTransport {
  constructor(
    options: ConstructorParameters<typeof MemoryTransport>[0],
    public hiddenFrom: string,
  ) {
    super(options);
  }

  protected override emitMessage(data: string): void {
    const hide = (_: string, v: { from?: string; seq?: number; body?: unknown }) =>
      v?.from === this.hiddenFrom && typeof v.seq === 'number' && v.body ? { ...v, hidden: 'blocked', body: { kind: 'text', text: '' } } : v;
    super.emitMessage(JSON.stringify(JSON.parse(data), hide));
  }
}

describe('<conversation-panel> in a group with someone the reader blocked', () => {
  const NOTICE = 'Someone you blocked is in this group. Their messages are hidden.';

  /** Ada blocked Eve; Bob, Eve and Ada share a group where each said something, Eve a pin. */
  async function blockedGroup(): Promise<{ conv: string; ada: ChatClient; el: ConversationPanel; transport: BlockerTransport }> {
    const conv = chat.seed({
      members: ['bob', 'eve', 'ada'],
      title: 'Lamps',
      messages: [
        { kind: 'text', text: 'before' },
        { kind: 'pin', pin: PIN, note: 'look https://evil.example/x' },
        { kind: 'text', text: 'after' },
      ],
    });
    chat.backend.storage.setBlocked('ada', 'eve', true);
    const transport = new BlockerTransport({ backend: chat.backend, user: 'ada' }, 'eve');
    const ada = new ChatClient({ user: 'ada', transport, outboxStorage: memoryOutboxStorage() });
    clients.push(ada);
    const el = await panel(ada, conv);
    await online(ada);
    await waitUntil(() => $$(el, '.row.message').length === 3, 'three rows');
    await settled(el);
    return { conv, ada, el, transport };
  }

  it("shows the blocked person's message collapsed and labelled in its place, with none of its content", async () => {
    const { conv, el, transport } = await blockedGroup();
    const rows = $$(el, '.row.message');
    // In its place between the messages before and after it.
    expect(rows[0].textContent).to.contain('before');
    expect(rows[1].textContent!.trim()).to.equal('Message from someone you blocked');
    expect(rows[2].textContent).to.contain('after');
    const hidden = rows[1];
    expect(hidden.getAttribute('part')).to.contain('hidden-message');
    // No sender, body, link, pin image or report flag.
    for (const selector of ['a', 'img', '.bubble', '[part~="pin"]', '[part~="avatar"]', '[data-action="report"]']) {
      expect(hidden.querySelector(selector), selector).to.equal(null);
    }
    expect(hidden.textContent).to.not.contain('Eve');
    expect(hidden.getBoundingClientRect().height, 'collapsed').to.be.below(rows[0].getBoundingClientRect().height);

    // A live message from her takes its place at the end, hidden too.
    const eve = client('eve');
    await online(eve);
    await eve.sendText(conv, 'new and unseen');
    await waitUntil(() => $$(el, '.row.message').length === 4, 'fourth row');
    expect($$(el, '.row.message')[3].textContent!.trim()).to.equal('Message from someone you blocked');
    expect(el.shadowRoot!.textContent).to.not.contain('new and unseen');

    // Unblocked, her next message shows under her name: it does not continue the run of a placeholder.
    chat.backend.storage.setBlocked('ada', 'eve', false);
    transport.hiddenFrom = '';
    await eve.sendText(conv, 'hello again');
    await waitUntil(() => bubbles(el).includes('hello again'), 'visible again');
    const last = $$(el, '.row.message').at(-1)!;
    expect(last.classList.contains('first')).to.equal(true);
    expect(last.querySelector('[part="sender"]')!.textContent).to.equal('Eve Arden');
    await expect(el).to.be.accessible();
  });

  it('tells the reader once per conversation that someone they blocked is in the group', async () => {
    const direct = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const { conv, ada, el } = await blockedGroup();
    const status = () => $(el, '.visually-hidden[role="status"]')!;
    await waitUntil(() => status().textContent === NOTICE, 'announced');
    expect(texts(el, '[part="blocked-notice"]')).to.deep.equal([NOTICE]);

    let repeated = 0;
    const observer = new MutationObserver(() => (repeated += status().textContent!.includes('blocked') ? 1 : 0));
    observer.observe(status(), { childList: true, characterData: true, subtree: true });
    try {
      // New messages, another conversation and back: the notice stays, the announcement is not repeated.
      const bob = client('bob');
      await online(bob);
      await bob.sendText(conv, 'one more');
      await waitUntil(() => $$(el, '.row.message').length === 4, 'new message');
      el.conv = direct;
      await waitUntil(() => $$(el, '.row.message').length === 1, 'direct conversation');
      expect($(el, '[part="blocked-notice"]'), 'no notice where nobody is blocked').to.equal(null);
      el.conv = conv;
      await waitUntil(() => $$(el, '.row.message').length === 4, 'back in the group');
      await settled(el);
      // Another panel of the same person's chat does not say it again either.
      const other = await panel(ada, conv);
      await waitUntil(() => $(other, '[part="blocked-notice"]'), 'notice in the other panel');
      await settled(other);
      expect($(other, '.visually-hidden[role="status"]')!.textContent).to.equal('');
    } finally {
      observer.disconnect();
    }
    expect(repeated).to.equal(0);
    expect(texts(el, '[part="blocked-notice"]')).to.deep.equal([NOTICE]);
    await expect(el).to.be.accessible();
  });
});
