// What screenshots showed (issue #13, item 7): a group's header cut three names short with "You" in
// the middle, and the report flag floated far from its message.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import '../../../src/elements/conversation-panel/define.js';
import type { ConversationPanel } from '../../../src/elements/conversation-panel/define.js';
import { fitNames } from '../../../src/elements/conversation-panel/parts.js';
import type { Body } from '../../../src/protocol/index.js';
import type { ChatClient } from '../../../src/state/client.js';
import { TestChat } from '../../../src/testing/index.js';

const PIN = { url: 'https://www.example.com/pin/7', image: 'https://img.example.com/lamp.jpg', title: 'Brass lamp' };

let chat: TestChat;
let clients: ChatClient[];

async function panelFor(members: string[], width = 360, messages: Body[] = []): Promise<ConversationPanel> {
  const conv = chat.seed({ members, messages });
  const ada = chat.client('ada');
  clients.push(ada);
  await waitUntil(() => ada.$status.get() === 'online', 'online', { timeout: 3000 });
  const el = await fixture<ConversationPanel>(
    html`<conversation-panel .client=${ada} conv=${conv} style="--pin-panel-width: ${width}px; --pin-panel-height: 520px"></conversation-panel>`,
  );
  await waitUntil(() => el.shadowRoot!.querySelector('h2')!.textContent!.trim(), 'title');
  await el.updateComplete;
  return el;
}

const $ = <T extends Element = HTMLElement>(el: Element, selector: string) => el.shadowRoot!.querySelector<T>(selector)!;
const $$ = (el: Element, selector: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(selector)];

/** The names the header shows (whole ones only), and what follows them. */
function shown(el: ConversationPanel): { names: string[]; more: string; clipped: boolean } {
  const box = $(el, '.names');
  const names = [...box.children].filter((n) => !(n as HTMLElement).hidden).map((n) => n.textContent!.replace(/^, /, ''));
  return { names, more: $(el, '.more').textContent!, clipped: box.scrollWidth > box.clientWidth };
}

beforeEach(() => {
  chat = new TestChat();
  clients = [];
});

afterEach(() => {
  for (const c of clients) c.destroy();
});

describe("<conversation-panel> a group's header", () => {
  it('shows the names that fit whole, then "+N" for the rest, and leaves the reader out', async () => {
    const el = await panelFor(['bob', 'ada', 'cy', 'dee', 'eve', 'fay']);
    const { names, more, clipped } = shown(el);
    expect(names.length, 'some names fit').to.be.greaterThan(0);
    expect(names).to.deep.equal(['Bob Marley', 'Cy Twombly', 'Dee Dee Bridgewater', 'Eve Arden', 'Fay Wray'].slice(0, names.length));
    expect(more).to.equal(`+${5 - names.length}`);
    expect(clipped, 'no name is cut').to.equal(false);
    expect($(el, 'h2').textContent, 'never "You"').not.to.contain('You');
    // Screen readers hear every name once; the fitted line is for the eyes.
    expect($(el, 'h2 .visually-hidden').textContent).to.equal('Bob Marley, Cy Twombly, Dee Dee Bridgewater, Eve Arden, Fay Wray');
    expect($(el, '.fit').getAttribute('aria-hidden')).to.equal('true');
    await expect(el).to.be.accessible();
  });

  it('shows every name when they fit, and fewer on a narrower panel', async () => {
    const wide = await panelFor(['bob', 'ada', 'cy'], 480);
    expect(shown(wide)).to.deep.equal({ names: ['Bob Marley', 'Cy Twombly'], more: '', clipped: false });
    const narrow = await panelFor(['bob', 'ada', 'cy', 'dee'], 240);
    const { names, more } = shown(narrow);
    expect(names.length).to.be.lessThan(3);
    expect(more).to.equal(`+${3 - names.length}`);
  });

  it('fits again from scratch: a "+N" left from a narrower fit takes no room from names that fit now', async () => {
    const el = await panelFor(['bob', 'ada', 'cy'], 480);
    const fit = $(el, '.fit');
    const box = $(el, '.names');
    // Just room for both names: any "+N" beside them would push the second one out.
    fit.style.width = `${box.scrollWidth + 4}px`;
    $(el, '.more').textContent = '+1';
    fitNames(box);
    expect(shown(el)).to.deep.equal({ names: ['Bob Marley', 'Cy Twombly'], more: '', clipped: false });
  });

  it('keeps "+N" in view when even the first name does not fit whole', async () => {
    const el = await panelFor(['long', 'ada', 'bob', 'cy']);
    const { names, more } = shown(el);
    expect(names).to.deep.equal(['Maximiliana Wolfeschlegelsteinhausenbergerdorff-Alcázar de la Cruz']);
    expect(more).to.equal('+2');
    const header = $(el, '.heading').getBoundingClientRect();
    const plus = $(el, '.more').getBoundingClientRect();
    expect(plus.width).to.be.greaterThan(0);
    expect(plus.right).to.be.at.most(header.right + 0.5);
  });

  it('lists every member with the reader last, in full once opened', async () => {
    const el = await panelFor(['bob', 'ada', 'cy']);
    const summary = $(el, '.members summary');
    expect(summary.textContent!.replace(/\s+/g, ' ').trim()).to.equal('3 members · Bob Marley, Cy Twombly, You');
  });

  it('shows a titled group by its title', async () => {
    const conv = chat.seed({ members: ['bob', 'ada', 'cy'], title: 'Balcony plans' });
    const ada = chat.client('ada');
    clients.push(ada);
    const el = await fixture<ConversationPanel>(html`<conversation-panel .client=${ada} conv=${conv}></conversation-panel>`);
    await waitUntil(() => $(el, 'h2').textContent!.trim() === 'Balcony plans', 'title');
    expect(el.shadowRoot!.querySelector('.names')).to.equal(null);
  });
});

describe('<conversation-panel> per-message buttons', () => {
  /** The gap between a button and the bubble it acts on (along the line), and how their bottoms line up. */
  function beside(button: HTMLElement, bubble: Element): { gap: number; bottoms: number } {
    const b = button.getBoundingClientRect();
    const m = bubble.getBoundingClientRect();
    return { gap: Math.max(m.left - b.right, b.left - m.right), bottoms: Math.abs(b.bottom - m.bottom) };
  }

  it("puts the report flag beside the message's last line, however wide the name above or tall the pin", async () => {
    // (A pin without a note has the flag beside the card's foot: see the pin card test.)
    const el = await panelFor(['dee', 'ada', 'bob'], 360, [
      { kind: 'text', text: 'ok' },
      { kind: 'text', text: 'mine' },
      { kind: 'pin', pin: PIN, note: 'yes' },
    ]);
    await waitUntil(() => $$(el, '.row.message').length === 3, 'rows');
    const [short, own, pin] = $$(el, '.row.message');
    // "Dee Dee Bridgewater" above a two-letter bubble: the flag follows the bubble, not the name.
    const flag = short.querySelector<HTMLElement>('[part="report-button"]')!;
    expect(beside(flag, short.querySelector('.bubble')!).gap).to.be.within(0, 8);
    expect(beside(flag, short.querySelector('.bubble')!).bottoms).to.be.below(1);
    expect(flag.getBoundingClientRect().right, 'left of the name’s end').to.be.below(short.querySelector('.name')!.getBoundingClientRect().right);
    // A pin card with a note: beside the note, at its foot, not halfway down the card.
    const pinFlag = pin.querySelector<HTMLElement>('[part="report-button"]')!;
    expect(beside(pinFlag, pin.querySelector('.bubble')!).bottoms).to.be.below(1);
    expect(beside(pinFlag, pin.querySelector('.bubble')!).gap).to.be.within(0, 8);
    expect(pinFlag.getBoundingClientRect().top, 'below the card').to.be.at.least(pin.querySelector('[part="pin"]')!.getBoundingClientRect().bottom);
    // One's own message: the delete button on the inner side, away from the edge.
    const del = own.querySelector<HTMLElement>('[part="unsend-button"]')!;
    const bubble = own.querySelector('.bubble')!.getBoundingClientRect();
    expect(del.getBoundingClientRect().right).to.be.at.most(bubble.left);
    expect(beside(del, own.querySelector('.bubble')!).gap).to.be.within(0, 8);
  });
});
