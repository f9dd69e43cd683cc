// Accessibility beyond axe (issue #16): focus that survives forced colours, non-text contrast of
// fields and the selection circle, and what the panel's live region says (and does not say).
import { aTimeout, expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import '../../../src/elements/define.js';
import type { ChatHeadStack } from '../../../src/elements/chat-head-stack/define.js';
import type { ConversationPanel } from '../../../src/elements/conversation-panel/define.js';
import { PinConversationCloseEvent } from '../../../src/elements/internal/events.js';
import type { PinSendDialog } from '../../../src/elements/pin-send-dialog/define.js';
import { OUTAGE_MS } from '../../../src/elements/conversation-panel/notices.js';
import type { ChatClient } from '../../../src/state/client.js';
import { TestChat } from '../../../src/testing/index.js';

const PIN = { url: 'https://shop.example.com/lamp', image: 'https://img.example.com/lamp.jpg', title: 'Brass reading lamp' };

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

const inside = <T extends Element = HTMLElement>(host: Element, selector: string) => host.shadowRoot!.querySelector<T>(selector);
const all = (host: Element, selector: string) => [...host.shadowRoot!.querySelectorAll<HTMLElement>(selector)];

async function panelFor(c: ChatClient, conv: string, theme = ''): Promise<ConversationPanel> {
  const el = await fixture<ConversationPanel>(
    html`<conversation-panel .client=${c} conv=${conv} theme=${theme} style="--pin-panel-height: 480px"></conversation-panel>`,
  );
  await el.updateComplete;
  return el;
}

async function openDialog(c: ChatClient, theme = ''): Promise<PinSendDialog> {
  const dialog = await fixture<PinSendDialog>(html`<pin-send-dialog .client=${c} theme=${theme}></pin-send-dialog>`);
  await dialog.open(PIN);
  await waitUntil(() => all(dialog, '[role=option]').length >= 2, 'people listed', { timeout: 3000 });
  return dialog;
}

/** What forced colours leave of a focus indicator: the outline (they drop box-shadows). */
function outline(node: Element): string {
  const s = getComputedStyle(node);
  const width = parseFloat(s.outlineWidth);
  return s.outlineStyle === 'none' || width === 0 || s.outlineColor === 'rgba(0, 0, 0, 0)' ? 'none' : `${s.outlineStyle} ${width}px ${s.outlineColor}`;
}

/** Focuses `node` as a keyboard would show it and checks that forced colours draw an outline there that was not there before. */
async function expectVisibleFocus(node: HTMLElement, what: string): Promise<void> {
  node.blur();
  const before = outline(node);
  node.focus();
  await aTimeout(0);
  expect(node.matches(':focus-visible'), `${what} shows keyboard focus`).to.equal(true);
  const after = outline(node);
  expect(after, `${what}: focused outline under forced colours`).not.to.equal('none');
  expect(after, `${what}: focus changes something`).not.to.equal(before);
}

// WCAG relative luminance and contrast from computed `rgb(...)` colours.
function luminance(color: string): number {
  const [r, g, b] = color.match(/[\d.]+/g)!.slice(0, 3).map((v) => Number(v) / 255);
  const lin = (v: number) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}
function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** Every text the live region takes, in order (repeats end in a no-break space, which is not part of the text). */
function recordAnnouncements(el: Element): { texts: string[]; stop(): void } {
  const region = inside(el, '.visually-hidden[role="status"]')!;
  const texts: string[] = [];
  const observer = new MutationObserver(() => {
    const text = region.textContent!.replace(/\u00a0/g, '').trim();
    if (text) texts.push(text);
  });
  observer.observe(region, { childList: true, characterData: true, subtree: true });
  return { texts, stop: () => observer.disconnect() };
}

describe('accessibility beyond axe', () => {
  beforeEach(() => {
    chat = new TestChat();
    clients = [];
  });

  afterEach(() => {
    for (const c of clients) c.destroy();
  });

  describe('under forced colours', () => {
    before(() => emulateMedia({ forcedColors: 'active', reducedMotion: 'reduce' }));
    after(() => emulateMedia({ forcedColors: 'none', reducedMotion: 'no-preference' }));

    it('emulates forced colours', () => {
      expect(matchMedia('(forced-colors: active)').matches).to.equal(true);
    });

    it("shows focus on every control of the panel: header, menu, rows, a row's report flag and delete button, composer", async () => {
      const conv = chat.seed({ members: ['bob', 'ada', 'cy'], messages: 3 });
      const ada = client();
      await online(ada);
      const el = await panelFor(ada, conv);
      await waitUntil(() => all(el, '.row.message').length === 3, 'rows');
      inside<HTMLTextAreaElement>(el, 'textarea')!.value = '';
      el.focus();
      await sendKeys({ type: 'hi' });
      for (const [selector, what] of [
        ['.close', 'close'],
        ['.menu-button', 'more actions'],
        ['.members summary', 'member list'],
        ['textarea', 'composer'],
        ['.send', 'send'],
        ['.row.message[tabindex="0"]', 'message row'],
        ['.report', 'report flag'],
        ['.unsend', 'delete button'],
      ]) {
        await expectVisibleFocus(inside(el, selector)!, what);
      }
      inside(el, '.menu-button')!.focus();
      await sendKeys({ press: 'Enter' });
      await el.updateComplete;
      // Blurring an item would close the menu: arrows move focus from one to the next.
      const items = all(el, '[role="menuitem"]');
      expect(items.length).to.be.greaterThan(1);
      for (const [i, item] of items.entries()) {
        expect(el.shadowRoot!.activeElement).to.equal(item);
        expect(outline(item), `menu item ${i} focused`).not.to.equal('none');
        expect(outline(items[(i + 1) % items.length]), `menu item ${i + 1} not focused`).to.equal('none');
        await sendKeys({ press: 'ArrowDown' });
      }
    });

    it('shows focus on heads, their dismiss buttons, the "+N" and its entries, and tells a focused open head from its dismiss button', async () => {
      const people = ['bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal'];
      const t0 = Date.now() - 20 * 3_600_000;
      people.forEach((p, i) => chat.seed({ members: [p, 'ada'], messages: 1, startAt: t0 + (people.length - i) * 3_600_000 }));
      const ada = client();
      await online(ada);
      const el = await fixture<ChatHeadStack>(html`<chat-head-stack .client=${ada}></chat-head-stack>`);
      await waitUntil(() => all(el, '.head').length === 5, 'heads');
      await expectVisibleFocus(inside(el, '.head')!, 'head');
      await expectVisibleFocus(inside(el, '.dismiss')!, 'dismiss');
      const more = inside(el, '.more')!;
      await expectVisibleFocus(more, '+N');
      more.click();
      await el.updateComplete;
      for (const entry of all(el, '.entry')) await expectVisibleFocus(entry, 'overflow entry');

      // The open head: a ring that stays in forced colours, and focus drawn apart from it.
      const head = inside(el, '.head')!;
      head.click();
      await waitUntil(() => head.getAttribute('aria-expanded') === 'true', 'open');
      const ring = getComputedStyle(head.nextElementSibling!, '::after');
      expect([ring.borderTopStyle, parseFloat(ring.borderTopWidth)], 'open ring').to.deep.equal(['solid', 3]);
      head.focus();
      const headBox = head.getBoundingClientRect();
      const dismissBox = inside(el, '.dismiss')!.getBoundingClientRect();
      expect(outline(head)).not.to.equal('none');
      expect(parseFloat(getComputedStyle(head).outlineOffset), 'focus outside the open ring').to.be.greaterThan(5);
      expect(headBox.width, 'head and dismiss differ in size').to.be.greaterThan(dismissBox.width * 1.5);
      // Unread counts keep an edge.
      expect(getComputedStyle(inside(el, '.badge')!).borderTopStyle).to.equal('solid');
    });

    it("shows focus on the dialog's controls and an outline on the active option", async () => {
      const ada = client();
      await online(ada);
      const dialog = await openDialog(ada);
      const search = inside(dialog, '#search')!;
      search.focus();
      await sendKeys({ press: 'ArrowDown' });
      await sendKeys({ press: 'Enter' });
      await dialog.updateComplete;
      const active = inside(dialog, '.option.active')!;
      expect(outline(active), 'active option').not.to.equal('none');
      expect(outline(inside(dialog, '.option:not(.active)')!), 'other options').to.equal('none');
      await expectVisibleFocus(inside(dialog, '.close')!, 'dialog close');
      await expectVisibleFocus(inside(dialog, '.chip button')!, 'chip remove');
      await expectVisibleFocus(inside(dialog, '.primary')!, 'dialog send');
      await expectVisibleFocus(search, 'search');
      await expectVisibleFocus(inside(dialog, 'textarea')!, 'note');
    });
  });

  for (const theme of ['light', 'dark']) {
    it(`gives field borders and the selection circle 3:1 against their background (${theme})`, async () => {
      const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
      const ada = client();
      await online(ada);
      const el = await panelFor(ada, conv, theme);
      const ratios: Record<string, number> = {};
      const panelBg = getComputedStyle(inside(el, '.panel')!).backgroundColor;
      ratios.composer = contrast(getComputedStyle(inside(el, 'textarea')!).borderTopColor, panelBg);

      const dialog = await openDialog(ada, theme);
      const dialogBg = getComputedStyle(inside(dialog, 'dialog')!).backgroundColor;
      ratios.search = contrast(getComputedStyle(inside(dialog, '#search')!).borderTopColor, dialogBg);
      ratios.note = contrast(getComputedStyle(inside(dialog, 'textarea')!).borderTopColor, dialogBg);
      const circle = inside(dialog, '.option:not([aria-selected="true"]) .check')!;
      ratios.circle = contrast(getComputedStyle(circle).borderTopColor, dialogBg);
      // Also on the option's hover and active fill.
      ratios.circleOnFill = contrast(getComputedStyle(circle).borderTopColor, getComputedStyle(inside(dialog, '.preview')!).backgroundColor);
      for (const [what, ratio] of Object.entries(ratios)) expect(ratio, `${what} (${theme}) ${ratio.toFixed(2)}:1`).to.be.at.least(3);
    });
  }

  it('says "Sent" once and then "Seen" once for one message, however often the panel renders', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const ada = client();
    const bob = client('bob');
    await online(ada, bob);
    const el = await panelFor(ada, conv);
    await waitUntil(() => all(el, '.row.message').length === 1, 'history');
    const said = recordAnnouncements(el);
    el.focus();
    await sendKeys({ type: 'ping' });
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => inside(el, '[part="delivery"]')?.textContent === 'Sent', 'sent');
    await waitUntil(() => bob.timeline(conv).get().hi === 2, 'bob has it');
    // Renders that change nothing about delivery: typing, a message from bob.
    await sendKeys({ type: 'x' });
    await bob.sendText(conv, 'pong');
    await waitUntil(() => all(el, '.row.message').length === 3, 'reply shown');
    bob.markRead(conv);
    await waitUntil(() => inside(el, '[part="delivery"]')?.textContent === 'Seen', 'seen');
    await aTimeout(100);
    el.requestUpdate();
    await el.updateComplete;
    said.stop();
    expect(said.texts).to.deep.equal(['Sent', 'Seen']);
  });

  it('says nothing about delivery when a conversation opens', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const ada = client();
    await online(ada);
    await ada.sendText(conv, 'before');
    const el = await panelFor(ada, conv);
    await waitUntil(() => inside(el, '[part="delivery"]')?.textContent === 'Sent', 'sent');
    expect(inside(el, '.visually-hidden[role="status"]')!.textContent).to.equal('');
  });

  it('announces an outage of a few seconds once, and being back once', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const ada = client();
    await online(ada);
    const el = await panelFor(ada, conv);
    expect(inside(el, '[part="status"]')!.getAttribute('role'), 'the banner is not a live region').to.equal(null);
    const said = recordAnnouncements(el);
    chat.backend.kill();
    await waitUntil(() => ada.$status.get() === 'reconnecting', 'reconnecting');
    await aTimeout(OUTAGE_MS + 2_500);
    chat.backend.start();
    await online(ada);
    await aTimeout(300);
    said.stop();
    expect(said.texts).to.deep.equal(['Reconnecting…', 'Back online']);
  }).timeout(15_000);

  it('says nothing for a blip shorter than the outage delay', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const ada = client();
    await online(ada);
    const el = await panelFor(ada, conv);
    const said = recordAnnouncements(el);
    chat.backend.kill();
    await waitUntil(() => ada.$status.get() !== 'online', 'down');
    chat.backend.start();
    await online(ada);
    await aTimeout(OUTAGE_MS + 200);
    said.stop();
    expect(said.texts).to.deep.equal([]);
  }).timeout(10_000);

  it('names every message row by sender, time and what it says', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: [{ kind: 'text', text: 'hello there' }, { kind: 'pin', pin: PIN }] });
    const ada = client();
    await online(ada);
    await ada.sendText(conv, 'mine');
    const el = await panelFor(ada, conv);
    await waitUntil(() => all(el, '.row.message').length === 3, 'rows');
    const names = all(el, '.row.message').map((r) => r.getAttribute('aria-label') ?? '');
    expect(names[0]).to.match(/^(Bob Marley|You), .+: hello there$/);
    expect(names[1]).to.match(/^(Bob Marley|You), .+: Brass reading lamp$/);
    expect(names[2]).to.match(/^You, .+: mine$/);
  });

  it('keeps an unsent draft when Escape closes the panel, and restores it on reopening', async () => {
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const ada = client();
    await online(ada);
    const el = await panelFor(ada, conv);
    el.focus();
    await sendKeys({ type: 'half a thought' });
    const closed = oneEvent(el, PinConversationCloseEvent.type);
    await sendKeys({ press: 'Escape' });
    await closed;
    el.remove();
    const again = await panelFor(ada, conv);
    expect(inside<HTMLTextAreaElement>(again, 'textarea')!.value).to.equal('half a thought');
    // Sent, it is gone for good.
    again.focus();
    await sendKeys({ press: 'Enter' });
    again.remove();
    const third = await panelFor(ada, conv);
    expect(inside<HTMLTextAreaElement>(third, 'textarea')!.value).to.equal('');
  });

  it("reaches a group's whole member list from the keyboard", async () => {
    const conv = chat.seed({ members: ['bob', 'ada', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal'], messages: 1 });
    const ada = client();
    await online(ada);
    const el = await panelFor(ada, conv);
    await waitUntil(() => inside(el, '.members summary'), 'members');
    const summary = inside(el, '.members summary')!;
    const line = summary.getBoundingClientRect().height;
    summary.focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(inside<HTMLDetailsElement>(el, '.members')!.open).to.equal(true);
    expect(summary.getBoundingClientRect().height, 'the list wraps in full').to.be.greaterThan(line * 1.5);
    expect(summary.textContent).to.contain('Hal Ashby');
  });
});
