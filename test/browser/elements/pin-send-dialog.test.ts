import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { emulateMedia, sendKeys, setViewport } from '@web/test-runner-commands';
import '../../../src/elements/pin-send-dialog/define.js';
import type { PinSendDialog } from '../../../src/elements/pin-send-dialog/define.js';
import { PinSentEvent } from '../../../src/elements/internal/events.js';
import type { ChatClient } from '../../../src/state/client.js';
import { TestChat } from '../../../src/testing/index.js';

const PIN = {
  url: 'https://shop.example.com/lamp',
  image: 'https://img.example.com/lamp.jpg',
  title: 'Brass reading lamp',
};
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

let chat: TestChat;
let clients: ChatClient[];

function client(user?: string): ChatClient {
  const c = chat.client(user);
  clients.push(c);
  return c;
}

async function online(...cs: ChatClient[]): Promise<void> {
  await waitUntil(() => cs.every((c) => c.$status.get() === 'online'), 'clients online', { timeout: 3000 });
}

/** A pin card with a declarative trigger, and the dialog. */
async function page(c: ChatClient, pin: Record<string, string> = PIN): Promise<{ dialog: PinSendDialog; trigger: HTMLButtonElement }> {
  const root = await fixture<HTMLElement>(html`<div>
    <button
      data-pin-send
      data-pin-url=${pin.url}
      data-pin-image=${pin.image}
      data-pin-title=${pin.title}
    >
      Send this pin
    </button>
    <pin-send-dialog .client=${c}></pin-send-dialog>
  </div>`);
  return { dialog: root.querySelector('pin-send-dialog')!, trigger: root.querySelector('button')! };
}

const $ = <T extends Element = HTMLElement>(dialog: PinSendDialog, selector: string) =>
  dialog.shadowRoot!.querySelector<T>(selector);
const $$ = (dialog: PinSendDialog, selector: string) => [...dialog.shadowRoot!.querySelectorAll<HTMLElement>(selector)];
const focused = (dialog: PinSendDialog) => dialog.shadowRoot!.activeElement as HTMLElement | null;
const optionNames = (dialog: PinSendDialog) => $$(dialog, '[role=option] .option-name').map((o) => o.textContent);
const chipNames = (dialog: PinSendDialog) => $$(dialog, '.chip-name').map((c) => c.textContent);
const announced = (dialog: PinSendDialog) => $(dialog, '[role=status]')!.textContent!.trim();

function activeName(dialog: PinSendDialog): string | null | undefined {
  const id = $(dialog, '#search')!.getAttribute('aria-activedescendant');
  return id ? dialog.shadowRoot!.getElementById(id)?.querySelector('.option-name')?.textContent : undefined;
}

/** Opens the dialog from its trigger with the keyboard and waits for the people list. */
async function openByKeyboard(dialog: PinSendDialog, trigger: HTMLElement, people = 2): Promise<void> {
  trigger.focus();
  await sendKeys({ press: 'Enter' });
  await waitUntil(() => dialog.isOpen, 'dialog opens');
  await waitUntil(() => optionNames(dialog).length >= people, 'people listed', { timeout: 3000 });
}

/** Moves the active option down until it is `name`, then toggles it with Space. */
async function pick(dialog: PinSendDialog, name: string): Promise<void> {
  for (let i = 0; i < 20 && activeName(dialog) !== name; i++) await sendKeys({ press: 'ArrowDown' });
  expect(activeName(dialog)).to.equal(name);
  await sendKeys({ press: 'Space' });
  await dialog.updateComplete;
}

function received(c: ChatClient, conv: string): boolean {
  return c.timeline(conv).get().messages.some((m) => m.body.kind === 'pin');
}

describe('<pin-send-dialog>', () => {
  // The opening animation fades in: axe would measure half-transparent colours mid-fade.
  before(() => emulateMedia({ reducedMotion: 'reduce' }));
  after(() => emulateMedia({ reducedMotion: 'no-preference' }));

  beforeEach(() => {
    chat = new TestChat();
    clients = [];
  });

  afterEach(async () => {
    for (const c of clients) c.destroy();
    await setViewport({ width: 800, height: 600 });
  });

  it('is accessible while closed', async () => {
    const ada = client();
    const { dialog } = await page(ada);
    expect(dialog.isOpen).to.equal(false);
    await expect(dialog).to.be.accessible();
  });

  it('opens from a data-pin-send trigger as a named modal, focus in the search, Escape closes and focus returns', async () => {
    const ada = client();
    await online(ada);
    const { dialog, trigger } = await page(ada);
    await openByKeyboard(dialog, trigger);

    const box = $<HTMLDialogElement>(dialog, 'dialog')!;
    expect(box.matches(':modal')).to.equal(true);
    expect(dialog.shadowRoot!.getElementById(box.getAttribute('aria-labelledby')!)!.textContent).to.equal('Send');
    expect(focused(dialog)?.id).to.equal('search');
    expect($(dialog, '.pin-title')!.textContent).to.equal(PIN.title);
    expect($(dialog, '.domain')!.textContent).to.equal('shop.example.com');
    expect($<HTMLImageElement>(dialog, '.preview img')!.src).to.equal(PIN.image);

    // Tab stays inside the dialog: the page behind is inert.
    for (let i = 0; i < 8; i++) {
      await sendKeys({ press: 'Tab' });
      expect(document.activeElement === dialog || document.activeElement === document.body, `tab ${i}`).to.equal(true);
      expect(document.activeElement).not.to.equal(trigger);
    }

    await sendKeys({ press: 'Escape' });
    await waitUntil(() => !dialog.isOpen, 'dialog closes');
    expect(document.activeElement).to.equal(trigger);
  });

  it('lists people once connected when opened before the connection is ready', async () => {
    const ada = chat.client('ada', { latencyMs: 100 });
    clients.push(ada);
    const { dialog } = await page(ada);
    await dialog.open(PIN);
    expect(ada.$status.get()).not.to.equal('online');
    await waitUntil(() => optionNames(dialog).includes('Bob Marley'), 'people listed after connecting', { timeout: 3000 });
  });

  it('lists recent contacts first and filters as you type', async () => {
    chat.seed({ members: ['ada', 'lou'], messages: 1 });
    const ada = client();
    await online(ada);
    const { dialog, trigger } = await page(ada);
    await openByKeyboard(dialog, trigger, 5);
    await waitUntil(() => optionNames(dialog).includes('Bob Marley'), 'everyone listed');

    expect(optionNames(dialog)[0]).to.equal('Lou Reed');
    expect($$(dialog, '.group-label').map((g) => g.textContent)).to.deep.equal(['Recent', 'Everyone']);
    await expect(dialog).to.be.accessible();

    await sendKeys({ type: 'bo' });
    await waitUntil(() => optionNames(dialog).join() === 'Bob Marley', 'filtered to Bob');
    await sendKeys({ type: 'x' });
    await waitUntil(() => $(dialog, '.empty')?.textContent === 'No one found', 'nobody matches');
    expect(optionNames(dialog)).to.deep.equal([]);
  });

  it('picks two people with the keyboard only and sends each of them the pin with the note', async () => {
    const [ada, bob, cy] = [client(), client('bob'), client('cy')];
    await online(ada, bob, cy);
    const { dialog, trigger } = await page(ada);
    await openByKeyboard(dialog, trigger, 4);

    await pick(dialog, 'Bob Marley');
    await pick(dialog, 'Cy Twombly');
    expect(chipNames(dialog)).to.deep.equal(['Bob Marley', 'Cy Twombly']);
    expect(announced(dialog)).to.equal('2 people selected');
    expect($$(dialog, '[aria-selected=true] .option-name').map((o) => o.textContent)).to.deep.equal(['Bob Marley', 'Cy Twombly']);

    await sendKeys({ press: 'Tab' }); // the note
    expect(focused(dialog)?.id).to.equal('note');
    await sendKeys({ type: 'For your desk' });
    await sendKeys({ press: 'Tab' }); // "Send separately", checked by default
    expect(focused(dialog)?.closest('label')?.textContent?.trim()).to.equal('Send separately');
    await sendKeys({ press: 'Tab' });
    expect(focused(dialog)?.textContent?.trim()).to.equal('Send');
    const sent = oneEvent(dialog, PinSentEvent.type) as Promise<PinSentEvent>;
    await sendKeys({ press: 'Enter' });
    expect((await sent).detail.sent.map((s) => s.conv)).to.deep.equal(['dm:ada:bob', 'dm:ada:cy']);

    await waitUntil(() => received(bob, 'dm:ada:bob') && received(cy, 'dm:ada:cy'), 'both receive', { timeout: 3000 });
    const [m] = bob.timeline('dm:ada:bob').get().messages;
    expect(m.body).to.deep.include({ kind: 'pin', note: 'For your desk' });
    await waitUntil(() => $$(dialog, '.delivery.sent').length === 2, 'both rows say sent');
    expect($$(dialog, '.delivery-name').map((n) => n.textContent)).to.deep.equal(['Bob Marley', 'Cy Twombly']);
    expect(ada.$heads.get()).to.include.members(['dm:ada:bob', 'dm:ada:cy']);
    expect(focused(dialog)?.textContent?.trim()).to.equal('Done');
  });

  it('sends as one group with a name, typing to find each person', async () => {
    const [ada, bob] = [client(), client('bob')];
    await online(ada, bob);
    const { dialog, trigger } = await page(ada);
    await openByKeyboard(dialog, trigger);
    for (const q of ['bob', 'cy', 'dee']) {
      await sendKeys({ type: q });
      await waitUntil(() => optionNames(dialog).length === 1, `one match for ${q}`);
      await sendKeys({ press: 'Enter' });
      await dialog.updateComplete;
      expect($<HTMLInputElement>(dialog, '#search')!.value, 'search clears after a pick').to.equal('');
    }
    expect(chipNames(dialog)).to.deep.equal(['Bob Marley', 'Cy Twombly', 'Dee Dee Bridgewater']);

    const radios = $$(dialog, 'input[type=radio]') as HTMLInputElement[];
    radios[0].focus();
    await sendKeys({ press: 'ArrowDown' }); // native radio group: selects "Send as a group"
    await dialog.updateComplete;
    $(dialog, '#group-title')!.focus();
    await sendKeys({ type: 'Lamp fans' });
    $(dialog, 'footer .primary')!.focus();
    await sendKeys({ press: 'Enter' });

    await waitUntil(() => Object.values(ada.$conversations.get()).some((c) => c.kind === 'group'), 'group created', { timeout: 3000 });
    const groups = Object.values(ada.$conversations.get()).filter((c) => c.kind === 'group');
    expect(groups).to.have.length(1);
    expect([...groups[0].members].sort()).to.deep.equal(['ada', 'bob', 'cy', 'dee']);
    expect(groups[0].title).to.equal('Lamp fans');
    await waitUntil(() => received(bob, groups[0].id), 'bob receives in the group', { timeout: 3000 });
    await waitUntil(() => $$(dialog, '.delivery.sent').length === 1, 'one row, sent');
    expect($(dialog, '.delivery-name')!.textContent).to.equal('Lamp fans');
    expect(ada.$heads.get()[0]).to.equal(groups[0].id);
  });

  it('counts the sender in the 10: says how many more may be picked as the limit nears, and stops at 9 others', async () => {
    const ada = client();
    await online(ada);
    const { dialog, trigger } = await page(ada);
    await openByKeyboard(dialog, trigger, 11);
    const notes: (string | null | undefined)[] = [];
    for (let i = 0; i < 9; i++) {
      await sendKeys({ press: 'ArrowDown' });
      await sendKeys({ press: 'Space' });
      await dialog.updateComplete;
      notes.push($(dialog, '.cap')?.textContent);
    }
    expect(notes).to.deep.equal([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      '3 more people can be added (10 at most, you included)',
      '2 more people can be added (10 at most, you included)',
      '1 more person can be added (10 at most, you included)',
      'No more people can be added (10 at most, you included)',
    ]);
    expect(chipNames(dialog)).to.have.length(9);
    expect(announced(dialog)).to.equal('9 people selected. No more people can be added (10 at most, you included)');
    expect($(dialog, '#search')!.getAttribute('aria-describedby')).to.equal('cap');

    await sendKeys({ press: 'ArrowDown' });
    expect(dialog.shadowRoot!.getElementById($(dialog, '#search')!.getAttribute('aria-activedescendant')!)!.getAttribute('aria-disabled')).to.equal('true');
    await sendKeys({ press: 'Space' });
    await dialog.updateComplete;
    expect(chipNames(dialog)).to.have.length(9);
    expect(announced(dialog)).to.equal('No more people can be added (10 at most, you included)');
    await expect(dialog).to.be.accessible();

    // Removing one says so, and what may be picked again.
    await sendKeys({ press: 'Backspace' });
    await dialog.updateComplete;
    expect(announced(dialog)).to.equal('8 people selected. 1 more person can be added (10 at most, you included)');
    expect($(dialog, '.cap')!.textContent).to.equal('1 more person can be added (10 at most, you included)');
  });

  for (const picked of [2, 9]) {
    it(`shows the group name when it appears at 1280x800, with ${picked} people picked`, async () => {
      await setViewport({ width: 1280, height: 800 });
      const ada = client();
      await online(ada);
      const { dialog, trigger } = await page(ada);
      await openByKeyboard(dialog, trigger, 11);
      for (let i = 0; i < picked; i++) {
        await sendKeys({ press: 'ArrowDown' });
        await sendKeys({ press: 'Space' });
      }
      await dialog.updateComplete;
      $<HTMLInputElement>(dialog, 'input[type=radio]:not(:checked)')!.click();
      await dialog.updateComplete;
      const field = $(dialog, '#group-title')!.getBoundingClientRect();
      const body = $(dialog, '.body')!.getBoundingClientRect();
      // With two picked nothing scrolls; nine chips take more room than there is, and the body scrolls the field into view.
      if (picked === 2) expect($(dialog, '.body')!.scrollTop, 'the body did not scroll').to.equal(0);
      expect(field.top).to.be.at.least(body.top);
      expect(field.bottom, 'the field is inside the body, above the footer').to.be.at.most(body.bottom);
      expect(body.bottom).to.be.at.most(800);
      // The people list gave way, still shows two rows, and ends above the note: nothing overlaps.
      const people = $(dialog, '.people')!.getBoundingClientRect();
      expect(people.height).to.be.at.least(96);
      expect(people.bottom).to.be.at.most($(dialog, 'label[for=note]')!.getBoundingClientRect().top);
      expect($(dialog, '.cap')?.getBoundingClientRect().bottom ?? 0).to.be.at.most(people.top);
    });
  }

  it('removes chips with their labelled buttons and with Backspace in an empty search', async () => {
    const ada = client();
    await online(ada);
    const { dialog, trigger } = await page(ada);
    await openByKeyboard(dialog, trigger, 4);
    await pick(dialog, 'Bob Marley');
    await pick(dialog, 'Cy Twombly');
    await pick(dialog, 'Dee Dee Bridgewater');

    await sendKeys({ press: 'Shift+Tab' }); // the last chip's remove button
    expect(focused(dialog)?.getAttribute('aria-label')).to.equal('Remove Dee Dee Bridgewater');
    await sendKeys({ press: 'Shift+Tab' });
    expect(focused(dialog)?.getAttribute('aria-label')).to.equal('Remove Cy Twombly');
    await sendKeys({ press: 'Enter' });
    await dialog.updateComplete;
    expect(chipNames(dialog)).to.deep.equal(['Bob Marley', 'Dee Dee Bridgewater']);
    expect(focused(dialog)?.getAttribute('aria-label'), 'focus moves to the next chip').to.equal('Remove Dee Dee Bridgewater');

    $(dialog, '#search')!.focus();
    await sendKeys({ press: 'Backspace' });
    await dialog.updateComplete;
    expect(chipNames(dialog)).to.deep.equal(['Bob Marley']);
    expect(announced(dialog)).to.equal('1 person selected');
  });

  it('shows a hostile title as text and refuses a javascript: pin without a live link or image', async () => {
    const ada = client();
    await online(ada);
    const { dialog, trigger } = await page(ada, { url: 'javascript:alert(1)', image: 'javascript:alert(2)', title: HOSTILE });
    await openByKeyboard(dialog, trigger);

    expect($(dialog, '.pin-title')!.textContent).to.equal(HOSTILE);
    expect($$(dialog, 'img').filter((img) => img.getAttribute('src') === 'x')).to.have.length(0);
    expect($$(dialog, '[href], [src]').map((e) => e.getAttribute('href') ?? e.getAttribute('src'))).to.deep.equal([]);
    expect($(dialog, '.preview + .error')!.textContent).to.equal('This pin cannot be sent: its link or image is not a web address.');
    await pick(dialog, 'Bob Marley');
    expect($<HTMLButtonElement>(dialog, 'footer .primary')!.disabled).to.equal(true);
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
    await expect(dialog).to.be.accessible();
  });

  it('sends a pin with a hostile title that arrives as the same inert text', async () => {
    const [ada, bob] = [client(), client('bob')];
    await online(ada, bob);
    const { dialog } = await page(ada);
    await dialog.open({ ...PIN, title: HOSTILE });
    await waitUntil(() => optionNames(dialog).includes('Bob Marley'), 'people listed', { timeout: 3000 });
    await pick(dialog, 'Bob Marley');
    $(dialog, 'footer .primary')!.click();
    await waitUntil(() => received(bob, 'dm:ada:bob'), 'bob receives', { timeout: 3000 });
    const [m] = bob.timeline('dm:ada:bob').get().messages;
    expect(m.body.kind === 'pin' && m.body.pin.title).to.equal(HOSTILE);
    expect($$(dialog, 'img').filter((img) => img.getAttribute('src') === 'x')).to.have.length(0);
  });

  it('shows a failed delivery with the reason and retries it in place', async () => {
    chat.seed({ members: ['ada', 'bob'], messages: 1 });
    const [ada, bob] = [client(), client('bob')];
    await online(ada, bob);
    await bob.block('ada', true);
    const { dialog, trigger } = await page(ada);
    await openByKeyboard(dialog, trigger, 1);
    await pick(dialog, 'Bob Marley');
    $(dialog, 'footer .primary')!.focus();
    await sendKeys({ press: 'Enter' });

    await waitUntil(() => $(dialog, '.delivery.failed'), 'delivery fails', { timeout: 3000 });
    expect($(dialog, '.delivery-status')!.textContent!.trim()).to.equal('Could not send to Bob Marley. You cannot message this person.');
    expect(announced(dialog)).to.equal('Could not send to Bob Marley');
    const retry = $<HTMLButtonElement>(dialog, '.retry')!;
    expect(retry.getAttribute('aria-label')).to.equal('Retry sending to Bob Marley');
    await expect(dialog).to.be.accessible();

    await bob.block('ada', false);
    retry.focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => $(dialog, '.delivery.sent'), 'retry succeeds', { timeout: 3000 });
    expect($$(dialog, '.retry')).to.have.length(0);
    await waitUntil(() => bob.timeline('dm:ada:bob').get().messages.some((m) => m.body.kind === 'pin'), 'bob receives');
  });

  it('keeps sending after the dialog is closed', async () => {
    const [bob] = [client('bob')];
    const ada = chat.client('ada', { latencyMs: 80 });
    clients.push(ada);
    await online(ada, bob);
    const { dialog, trigger } = await page(ada);
    await openByKeyboard(dialog, trigger);
    await pick(dialog, 'Bob Marley');
    $(dialog, 'footer .primary')!.click();
    await waitUntil(() => ada.$outbox.get().length === 1, 'queued');
    await sendKeys({ press: 'Escape' });
    await waitUntil(() => !dialog.isOpen, 'closed');
    expect(ada.$outbox.get()).to.have.length(1);
    await waitUntil(() => received(bob, 'dm:ada:bob'), 'bob receives after closing', { timeout: 3000 });
    await waitUntil(() => ada.$outbox.get().length === 0, 'acknowledged', { timeout: 3000 });
  });

  it('is centred at 480px on a desktop and full screen on a phone', async () => {
    const ada = client();
    await online(ada);
    const { dialog } = await page(ada);
    await setViewport({ width: 1280, height: 800 });
    await dialog.open(PIN);
    let box = $(dialog, 'dialog')!.getBoundingClientRect();
    expect(box.width).to.equal(480);
    expect(Math.round(box.left + box.width / 2)).to.equal(640);
    dialog.close();

    await setViewport({ width: 390, height: 844 });
    await dialog.open(PIN);
    box = $(dialog, 'dialog')!.getBoundingClientRect();
    expect([box.left, box.top, box.width, box.height]).to.deep.equal([0, 0, 390, 844]);
  });

  it('opens the dialog a trigger names, and only that one', async () => {
    const ada = client();
    const root = await fixture<HTMLElement>(html`<div>
      <button data-pin-send="second" data-pin-url=${PIN.url} data-pin-image=${PIN.image} data-pin-title="Named">Send</button>
      <pin-send-dialog id="first" .client=${ada}></pin-send-dialog>
      <pin-send-dialog id="second" .client=${ada}></pin-send-dialog>
    </div>`);
    const [first, second] = [...root.querySelectorAll('pin-send-dialog')];
    root.querySelector('button')!.click();
    await waitUntil(() => second.isOpen, 'the named dialog opens');
    expect(first.isOpen).to.equal(false);
    expect($(second, '.pin-title')!.textContent).to.equal('Named');
  });

  it('keeps its layout with a direction override and 4,000 emoji in the title', async () => {
    const ada = client();
    await online(ada);
    const { dialog } = await page(ada);
    const title = `\u202Egnp.exe ${'\u{1F600}'.repeat(4000)}`;
    await dialog.open({ ...PIN, title });
    const shown = $(dialog, '.pin-title')!;
    expect([...shown.textContent!]).to.have.length(300);
    expect(shown.textContent!.startsWith('\u202Egnp.exe')).to.equal(true);
    const body = $(dialog, '.body')!;
    expect(body.scrollWidth).to.be.at.most(body.clientWidth);
    expect($(dialog, 'dialog')!.getBoundingClientRect().width).to.be.at.most(480);
  });

  it('releases its store subscriptions when removed', async () => {
    const ada = client();
    const { dialog } = await page(ada);
    expect(ada.$outbox.lc).to.be.greaterThan(0);
    dialog.remove();
    expect(ada.$outbox.lc).to.equal(0);
    expect(ada.$users.lc).to.equal(0);
  });
});
