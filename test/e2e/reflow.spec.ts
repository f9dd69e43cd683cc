// Reflow (WCAG 1.4.10): at 320x256 CSS px (a 1280x1024 screen at 400% zoom)
// the head stack fits the screen: fewer heads, the rest in the "+N" menu,
// which opens inside the screen and scrolls inside itself. Every head, x and
// menu entry is reached with the keyboard alone and is inside the screen (and
// inside the menu's visible part) when it has focus.
import type { Page } from 'playwright/test';
import { expect, NAMES, sendPin, PINS, test, type Person } from './support/demo.js';
import { describeFocus, expectFocusVisible } from './support/keyboard.js';

const PEOPLE: Person[] = ['ana', 'ben', 'chloe', 'dev', 'emi', 'farah'];

/** The focused element inside the stack: its name, and whether it is inside the screen and its scrolling menu. */
function focusedInStack(page: Page) {
  return page.evaluate(() => {
    const stack = document.querySelector('chat-head-stack')!;
    const active = stack.shadowRoot!.activeElement;
    if (document.activeElement !== stack || !active) return undefined;
    const inside = (r: DOMRect, box: { top: number; left: number; bottom: number; right: number }) =>
      r.top >= box.top - 0.5 && r.left >= box.left - 0.5 && r.bottom <= box.bottom + 0.5 && r.right <= box.right + 0.5;
    const r = active.getBoundingClientRect();
    const screen = { top: 0, left: 0, bottom: innerHeight, right: document.documentElement.clientWidth };
    const menu = active.closest('.menu')?.getBoundingClientRect();
    return {
      name: active.getAttribute('aria-label') ?? '',
      inScreen: inside(r, screen) && r.width > 0,
      inMenu: !menu || (inside(r, menu) && inside(menu, screen)),
    };
  });
}

test('at 320x256 every head, its x and every "+N" entry is reached by keyboard, inside the screen', async ({ signIn }) => {
  const gus = await signIn('gus');
  await sendPin(gus, { pin: PINS.tart.title, to: PEOPLE, note: 'Zoomed in' });
  await gus.setViewportSize({ width: 320, height: 256 });
  const stack = gus.locator('chat-head-stack');
  const more = stack.getByRole('button', { name: /^\d+ more conversations$/ });
  await expect(more).toBeVisible();

  // Tab from the page's last control enters the stack: each head and its x, front first, then "+N".
  await gus.evaluate(() => [...document.querySelectorAll<HTMLElement>('main a[href], main button')].at(-1)!.focus());
  const reached: string[] = [];
  for (let i = 0; i < 20; i++) {
    await gus.keyboard.press('Tab');
    const focus = await focusedInStack(gus);
    if (!focus) break;
    await expectFocusVisible(gus);
    expect(focus.inScreen, `${focus.name} is inside the screen`).toBe(true);
    reached.push(focus.name);
  }
  const heads = reached.filter((name) => name.startsWith('Open conversation with '));
  expect(reached.at(-1), 'the stack ends with "+N"').toMatch(/^\d+ more conversations$/);
  expect(heads.length, 'some heads still show').toBeGreaterThanOrEqual(1);
  expect(heads.length, 'fewer heads than at full height').toBeLessThan(5);
  expect(reached.filter((name) => name.startsWith('Dismiss ')), 'each head with its x').toHaveLength(heads.length);

  // The menu: opened with Enter, every entry visited with Tab inside the screen, then Escape back to "+N".
  await more.focus();
  await gus.keyboard.press('Enter');
  const menu = stack.getByRole('list', { name: /more conversations$/ });
  await expect(menu).toBeVisible();
  const entries = await menu.getByRole('button').count();
  const listed: string[] = [];
  for (let i = 0; i < entries; i++) {
    if (i > 0) await gus.keyboard.press('Tab');
    const focus = await focusedInStack(gus);
    expect(focus, `entry ${i + 1} of ${entries} has focus (${await describeFocus(gus)})`).toBeDefined();
    await expectFocusVisible(gus);
    expect(focus!.inScreen, `${focus!.name} is inside the screen`).toBe(true);
    expect(focus!.inMenu, `${focus!.name} is inside the menu's visible part`).toBe(true);
    listed.push(focus!.name);
  }
  expect(Number((await more.getAttribute('aria-label'))!.split(' ')[0])).toBe(entries);
  await gus.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(more).toBeFocused();

  // Between the heads and the menu, every conversation Gus just started.
  const all = [...heads, ...listed].join('\n');
  for (const person of PEOPLE) expect(all).toContain(`Open conversation with ${NAMES[person]}`);
});
