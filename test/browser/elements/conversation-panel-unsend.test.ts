// Deleting (unsending) one's own message from the panel (issue #11): the delete button beside it,
// reached from the keyboard, a confirmation since it cannot be undone, the tombstone live for both
// people, and a failure both shown and said.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../../src/elements/conversation-panel/define.js';
import type { ConversationPanel } from '../../../src/elements/conversation-panel/define.js';
import type { ChatClient } from '../../../src/state/client.js';
import { TestChat } from '../../../src/testing/index.js';

let chat: TestChat;
let clients: ChatClient[];

function client(user: string): ChatClient {
  const c = chat.client(user);
  clients.push(c);
  return c;
}

async function online(...cs: ChatClient[]): Promise<void> {
  await waitUntil(() => cs.every((c) => c.$status.get() === 'online'), 'clients online', { timeout: 3000 });
}

async function panel(c: ChatClient, conv: string): Promise<ConversationPanel> {
  return fixture<ConversationPanel>(html`<conversation-panel .client=${c} conv=${conv} style="--pin-panel-height: 480px"></conversation-panel>`);
}

const $ = <T extends Element = HTMLElement>(el: Element, selector: string) => el.shadowRoot!.querySelector<T>(selector);
const $$ = (el: Element, selector: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(selector)];
/** Each message row's visible text, in order. */
const rows = (el: Element) => $$(el, '.row.message').map((r) => (r.querySelector('.bubble') ?? r).textContent!.trim());
const active = (el: Element) => el.shadowRoot!.activeElement as HTMLElement | null;
const said = (el: Element) => $(el, '[role="status"].visually-hidden')!.textContent!.trim();

beforeEach(() => {
  chat = new TestChat();
  clients = [];
});

afterEach(() => {
  for (const c of clients) c.destroy();
});

describe('<conversation-panel> deleting one\'s own message', () => {
  /** Ada and Bob, five messages taking turns (Ada's are 1, 3 and 5), each with the conversation open. */
  async function talking(): Promise<{ conv: string; ada: ChatClient; mine: ConversationPanel; theirs: ConversationPanel }> {
    const conv = chat.seed({ members: ['ada', 'bob'], messages: 5 });
    const ada = client('ada');
    const bob = client('bob');
    await online(ada, bob);
    const mine = await panel(ada, conv);
    const theirs = await panel(bob, conv);
    await waitUntil(() => rows(mine).length === 5 && rows(theirs).length === 5, 'both histories');
    // Bob has read it all: the "Seen" this says is said before the test acts.
    await waitUntil(() => $(mine, '[part="delivery"]')?.textContent!.trim() === 'Seen', 'seen');
    await mine.updateComplete;
    return { conv, ada, mine, theirs };
  }

  it('offers delete on one\'s own messages only, and report on the others\'', async () => {
    const { mine } = await talking();
    const buttons = $$(mine, '.row.message').map((r) => r.querySelector<HTMLElement>('[data-action]')?.dataset.action);
    expect(buttons).to.deep.equal(['unsend', 'report', 'unsend', 'report', 'unsend']);
    const del = $(mine, '[data-action="unsend"]')!;
    expect(del.getAttribute('aria-label')).to.equal('Delete message');
    expect(del.getAttribute('part')).to.equal('unsend-button');
    expect(getComputedStyle(del).opacity, 'hidden until hovered or focused').to.equal('0');
    await expect(mine).to.be.accessible();
  });

  it('deletes from the keyboard after confirming; the tombstone shows live for both people', async () => {
    const { conv, mine, theirs } = await talking();
    // Shift+Tab from the composer reaches the list's one tab stop, the newest message; arrows move up to message 3.
    mine.focus();
    while (!active(mine)?.matches('.row')) await sendKeys({ press: 'Shift+Tab' });
    await sendKeys({ press: 'ArrowUp' });
    await sendKeys({ press: 'ArrowUp' });
    await mine.updateComplete;
    expect(active(mine)?.getAttribute('aria-label')).to.match(/^You, .+: Message 3$/);
    await sendKeys({ press: 'Tab' });
    const del = active(mine)!;
    expect(del.dataset.action, 'Tab goes from the message to its delete button').to.equal('unsend');
    expect(getComputedStyle(del).opacity).to.equal('1');

    // It cannot be undone: a question first, which Cancel (focused first) and Escape both decline.
    await sendKeys({ press: 'Enter' });
    await mine.updateComplete;
    const dialog = $<HTMLDialogElement>(mine, 'dialog[part="dialog"]')!;
    expect(dialog.open).to.equal(true);
    expect($(mine, '#dialog-title')!.textContent).to.equal('Delete this message for everyone?');
    expect($(mine, '#dialog-detail')!.textContent).to.equal('This cannot be undone.');
    expect(active(mine)?.textContent).to.equal('Cancel');
    await sendKeys({ press: 'Escape' });
    await mine.updateComplete;
    expect(dialog.open).to.equal(false);
    expect(chat.backend.storage.getMessage(conv, 3)?.hidden).to.equal(undefined);
    expect(rows(mine)[2]).to.equal('Message 3');

    del.focus();
    await sendKeys({ press: 'Enter' });
    await mine.updateComplete;
    await sendKeys({ press: 'Tab' });
    expect(active(mine)?.textContent).to.equal('Delete');
    await sendKeys({ press: 'Enter' });

    await waitUntil(() => rows(mine)[2] === 'Message deleted', 'tombstone for the sender');
    await waitUntil(() => rows(theirs)[2] === 'Message deleted', 'tombstone for the other person, live');
    expect(chat.backend.storage.getMessage(conv, 3)?.hidden).to.equal('deleted');
    expect(rows(mine), 'the rest as they were').to.deep.equal(['Message 1', 'Message 2', 'Message deleted', 'Message 4', 'Message 5']);
    expect(said(mine)).to.equal('Message deleted');
    // Focus, on the delete button that went with the message, is on its tombstone: Tab goes on from there.
    await waitUntil(() => active(mine)?.matches('.row.message.deleted'), 'focus on the tombstone');
    expect(active(mine)!.dataset.key).to.equal($$(mine, '.row.message')[2].dataset.key);
    // Named for screen readers by who and when; nothing left of the text, nor a button to act on it.
    const tomb = $$(theirs, '.row.message')[2];
    expect(tomb.getAttribute('aria-label')).to.match(/^Ada Lovelace, .+: Message deleted$/);
    expect(tomb.getAttribute('part')).to.equal('message hidden-message');
    expect(tomb.querySelector('button, .bubble')).to.equal(null);
    expect($$(mine, '.row.message')[2].classList.contains('own'), "on the sender's side").to.equal(true);
    await expect(mine).to.be.accessible();
    await expect(theirs).to.be.accessible();
  });

  it('shows and says that deleting failed, and keeps the message', async () => {
    const { ada, mine } = await talking();
    ada.unsend = () => Promise.reject(new Error('forbidden'));
    $(mine, '[data-action="unsend"]')!.click();
    await mine.updateComplete;
    $<HTMLButtonElement>(mine, 'dialog button[value="confirm"]')!.click();
    const banner = $(mine, '[part="status"]')!;
    await waitUntil(() => banner.textContent!.trim() === 'That did not work. Please try again.', 'failure shown');
    expect(banner.classList.contains('failed')).to.equal(true);
    expect(getComputedStyle(banner).display).not.to.equal('none');
    expect(said(mine)).to.equal('That did not work. Please try again.');
    expect(rows(mine)[0]).to.equal('Message 1');
  });
});
