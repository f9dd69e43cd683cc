// The windowing engine on its own, over items that are not messages: a small
// Lit element renders whatever the engine picks, as the panel's history does.
import { expect, fixture, html as fixtureHtml, nextFrame } from '@open-wc/testing';
import { css, html, LitElement } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { partsIn, Windowing } from '../../../src/elements/internal/windowing/windowing.js';

interface Item {
  key: string;
  size: number;
  /** Separators may move when items are added above: they never hold the view. */
  separator?: boolean;
  /** Counted when it arrives below the view. */
  counts?: boolean;
}

const items = (prefix: string, count: number, extra: Partial<Item> = {}): Item[] =>
  Array.from({ length: count }, (_, i) => ({ key: `${prefix}${i}`, size: 20, ...extra }));

class WindowedList extends LitElement {
  static override styles = css`
    .scroller {
      height: 200px;
      overflow: auto;
    }
  `;

  items: Item[] = [];
  readonly window = new Windowing<Item>(this, partsIn(() => this.renderRoot?.querySelector<HTMLElement>('.scroller') ?? null), {
    estimate: (item) => item.size,
    anchors: (item) => !item.separator,
    counts: (item) => !!item.counts,
  });

  constructor() {
    super();
    this.addController({
      hostConnected: () => this.window.connect(),
      hostDisconnected: () => this.window.disconnect(),
      hostUpdate: () => this.window.prepare(this.items),
      hostUpdated: () => this.window.settle(),
    });
  }

  get scroller(): HTMLElement {
    return this.renderRoot.querySelector('.scroller')!;
  }

  rendered(): string[] {
    return [...this.renderRoot.querySelectorAll<HTMLElement>('[data-key]')].map((el) => el.dataset.key!);
  }

  override render() {
    return html`<div class="scroller" @scroll=${this.window.onScroll}>
      <div></div>
      <div>${repeat(this.window.visible, (item) => item.key, (item) => html`<div data-key=${item.key} style="height: ${item.size}px"></div>`)}</div>
      <div></div>
    </div>`;
  }
}
customElements.define('test-windowed-list', WindowedList);

async function list(initial: Item[]): Promise<WindowedList> {
  const el = await fixture<WindowedList>(fixtureHtml`<test-windowed-list></test-windowed-list>`);
  el.items = initial;
  el.requestUpdate();
  await el.updateComplete;
  await nextFrame();
  return el;
}

async function scrollTo(el: WindowedList, top: number): Promise<void> {
  el.scroller.scrollTop = top;
  el.scroller.dispatchEvent(new Event('scroll'));
  await el.updateComplete;
}

async function show(el: WindowedList, next: Item[]): Promise<void> {
  el.items = next;
  el.requestUpdate();
  await el.updateComplete;
}

describe('Windowing', () => {
  it('renders only the items near the view, with spacers for the rest, and opens at the bottom', async () => {
    const el = await list(items('a', 1_000));
    const rendered = el.rendered();
    expect(rendered.length).to.be.within(10, 100);
    expect(rendered.at(-1)).to.equal('a999');
    expect(el.scroller.scrollHeight).to.equal(20_000);
    expect(el.scroller.scrollTop).to.equal(20_000 - 200);
    expect(el.window.stick).to.equal(true);
  });

  it('follows new items at the bottom, and counts the counted ones that arrive while the reader is scrolled up', async () => {
    const el = await list(items('a', 100));
    await show(el, [...el.items, ...items('b', 1, { counts: true })]);
    expect(el.scroller.scrollTop, 'followed').to.equal(101 * 20 - 200);
    expect(el.window.unseen).to.equal(0);

    await scrollTo(el, 400);
    expect(el.window.stick).to.equal(false);
    await show(el, [...el.items, ...items('c', 2, { counts: true }), ...items('d', 3)]);
    expect(el.scroller.scrollTop, 'the view stays').to.equal(400);
    expect(el.window.unseen, 'only the counted items').to.equal(2);

    el.window.scrollToBottom();
    await el.updateComplete;
    expect(el.window.unseen).to.equal(0);
    expect(el.scroller.scrollTop).to.equal(el.scroller.scrollHeight - 200);
  });

  it('keeps the first anchoring item in view where it was when items are added above', async () => {
    const el = await list([...items('s', 1, { separator: true }), ...items('a', 100)]);
    await scrollTo(el, 410);
    const anchor = el.renderRoot.querySelector<HTMLElement>('[data-key="a20"]')!;
    const before = anchor.getBoundingClientRect().top;

    await show(el, [...items('older', 50), ...el.items]);
    const after = el.renderRoot.querySelector<HTMLElement>('[data-key="a20"]')!.getBoundingClientRect().top;
    expect(after).to.equal(before);
    expect(el.scroller.scrollTop).to.equal(410 + 50 * 20);
    expect(el.window.unseen, 'items above are not news').to.equal(0);
  });
});
