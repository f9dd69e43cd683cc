// Keyboard-only helpers: find where focus is (through shadow roots), move it
// with Tab, and check that a sighted keyboard user can see it.
import { expect, type Locator, type Page } from 'playwright/test';

/** Whether `target` holds focus (the deepest focused element, across shadow roots). */
export function isFocused(target: Locator): Promise<boolean> {
  return target.evaluate((el) => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return active === el;
  });
}

/** A short description of the focused element, for failure messages. */
export function describeFocus(page: Page): Promise<string> {
  return page.evaluate(() => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    if (!active) return 'nothing';
    const label = active.getAttribute('aria-label') ?? active.textContent?.trim().slice(0, 40) ?? '';
    return `<${active.localName}> ${label}`;
  });
}

/**
 * Presses Tab (or Shift+Tab) until `target` has focus, as a keyboard user
 * would, checking on the way that every stop shows a focus indicator.
 */
export async function tabTo(page: Page, target: Locator, { backwards = false, max = 40 } = {}): Promise<void> {
  const key = backwards ? 'Shift+Tab' : 'Tab';
  const visited: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    await expectFocusVisible(page);
    if (await isFocused(target)) return;
    visited.push(await describeFocus(page));
  }
  throw new Error(`${key} x${max} never reached the target; focus went through:\n  ${visited.join('\n  ')}`);
}

/**
 * The focused element matches :focus-visible and something draws a ring: an
 * outline or a spread-only box-shadow on it, or on a close ancestor (a pin
 * card shows its link's focus around the whole card).
 */
export async function expectFocusVisible(page: Page): Promise<void> {
  // Polled, since rings fade in with a short transition. On failure the
  // received value names the focused element.
  await expect
    .poll(async () => {
      const focus = await page.evaluate(focusRing);
      return focus.visible ? 'a visible focus ring' : `no ring on ${focus.what}`;
    }, { timeout: 2_000 })
    .toBe('a visible focus ring');
}

function focusRing(): { what: string; visible: boolean } {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  if (!active || active === document.body) return { what: 'body', visible: false };
  const ring = (el: Element) => {
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return outline || /0px 0px 0px [1-9]/.test(style.boxShadow);
  };
  let drawn = false;
  for (let el: Element | null = active, up = 0; el && up <= 3 && !drawn; el = el.parentElement, up++) drawn = ring(el);
  const label = active.getAttribute('aria-label') ?? active.textContent?.trim().slice(0, 40) ?? '';
  return { what: `<${active.localName}> ${label}`, visible: active.matches(':focus-visible') && drawn };
}
