// Issue #16, point 3, in the demo: on a phone the full-screen panel is modal (Tab never reaches the
// page behind it; closing gives focus back to the head that opened it); on a desktop a page control
// that takes focus is never left entirely hidden under the open panel (WCAG 2.4.11).
import { expect, head, NAMES, openHead, panel, PINS, sendPin, test, type Page } from './support/demo.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** Where focus is: the chain of focused elements through shadow roots, outermost first. */
function focusPath(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const path: string[] = [];
    let at: Element | null = document.activeElement;
    while (at) {
      path.push(at.localName + (at.id ? `#${at.id}` : ''));
      at = at.shadowRoot?.activeElement ?? null;
    }
    return path;
  });
}

/** Whether the browser's accessibility tree (what screen readers read) exposes a node named `name`. */
async function inTree(page: Page, name: string): Promise<boolean> {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { ignored: boolean; name?: { value?: unknown } }[] };
  await cdp.detach();
  return nodes.some((n) => !n.ignored && n.name?.value === name);
}

test('on a phone the open panel is modal: Tab stays inside it, and closing returns focus to its head', async ({ signIn }) => {
  const gus = await signIn('gus');
  const jo = await signIn('jo', PHONE);
  await sendPin(gus, { pin: PINS.lisbon.title, to: ['jo'], note: 'Three days?' });

  const opener = head(jo, NAMES.gus);
  await opener.click();
  const open = panel(jo, NAMES.gus);
  await expect(open).toBeVisible();
  await expect(open.getByRole('textbox', { name: 'Write a message' })).toBeFocused();

  // Twice round the panel's controls: every stop is inside the panel (or, between rounds, the browser's own UI).
  const stops: string[] = [];
  for (let i = 0; i < 30; i++) {
    await jo.keyboard.press('Tab');
    const path = await focusPath(jo);
    expect(path[0] === 'body' || path.includes('conversation-panel#panel'), `Tab ${i + 1} landed on ${path.join(' > ')}`).toBe(true);
    stops.push(path.at(-1)!);
  }
  expect(new Set(stops).size, 'Tab moved through the panel').toBeGreaterThan(3);
  // Nor can a script's focus() or a screen reader's cursor reach the page: it is inert, out of the accessibility tree.
  const pageButton = jo.getByRole('button', { name: `Send “${PINS.tart.title}”` });
  expect(await pageButton.evaluate((b) => (b.focus(), document.activeElement === b))).toBe(false);
  expect(await inTree(jo, `Send “${PINS.tart.title}”`)).toBe(false);

  await open.getByRole('button', { name: 'Back' }).focus();
  await jo.keyboard.press('Enter');
  await expect(open).toBeHidden();
  await expect(opener).toBeFocused();
  expect(await inTree(jo, `Send “${PINS.tart.title}”`)).toBe(true);

  // Escape too.
  await jo.keyboard.press('Enter');
  await expect(open).toBeVisible();
  await jo.keyboard.press('Escape');
  await expect(open).toBeHidden();
  await expect(opener).toBeFocused();
});

for (const size of [
  { width: 1280, height: 800 },
  { width: 1024, height: 640 },
]) {
  test(`at ${size.width}x${size.height} no page button that takes focus is left hidden under the open panel`, async ({ signIn }) => {
    const farah = await signIn('farah');
    const emi = await signIn('emi', { viewport: size });
    await sendPin(farah, { pin: PINS.ferns.title, to: ['emi'], note: 'For the balcony' });
    await openHead(emi, NAMES.farah);

    const count = await emi.evaluate(() => document.querySelectorAll('main button').length);
    expect(count).toBeGreaterThan(10);
    let underAtFirst = 0;
    for (let i = 0; i < count; i++) {
      // The panel may have stepped aside for a control at the very end of the page: open it again.
      if (!(await panel(emi).isVisible())) await openHead(emi, NAMES.farah);
      const seen = await emi.evaluate(async (index) => {
        const button = document.querySelectorAll<HTMLElement>('main button')[index];
        const panelEl = document.querySelector('chat-head-stack')!.shadowRoot!.querySelector('#panel');
        const under = (): boolean => {
          const p = panelEl?.isConnected ? panelEl.getBoundingClientRect() : undefined;
          const r = button.getBoundingClientRect();
          return !!p && r.left >= p.left && r.right <= p.right && r.top >= p.top && r.bottom <= p.bottom;
        };
        button.focus();
        // Where the browser's own scrolling to the focused button left it, before the panel reacts.
        const before = under();
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const r = button.getBoundingClientRect();
        return { before, after: under(), focused: document.activeElement === button, onScreen: r.bottom > 0 && r.top < innerHeight };
      }, i);
      expect(seen.focused).toBe(true);
      expect(seen.after, `button ${i} hidden under the panel`).toBe(false);
      expect(seen.onScreen, `button ${i} on screen`).toBe(true);
      if (seen.before) underAtFirst++;
    }
    // The page really puts buttons under the panel at this size: the check above is not vacuous.
    expect(underAtFirst).toBeGreaterThan(0);
  });
}
