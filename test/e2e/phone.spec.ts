// On a phone the conversation takes the whole screen and the page behind it
// stops scrolling until the panel closes.
import type { Page } from 'playwright/test';
import { badge, expect, messages, NAMES, openHead, PINS, reply, sendPin, test } from './support/demo.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/**
 * A scroll gesture at height `y` through the browser's input
 * pipeline, resolved when it is over. (Headless Chromium ignores synthesized
 * touch scrolls, so the gesture comes from a mouse wheel.)
 */
async function scrollDown(page: Page, distance: number, y = 500): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.synthesizeScrollGesture', { x: 195, y, yDistance: -distance, gestureSourceType: 'mouse', speed: 3000 });
  await cdp.detach();
}

test('on a phone the panel is full screen, locks the page scroll and gives it back', async ({ signIn }) => {
  const hana = await signIn('hana');
  const ivan = await signIn('ivan', PHONE);

  await sendPin(hana, { pin: PINS.tart.title, to: ['ivan'], note: 'Dessert idea' });
  await expect(badge(ivan, NAMES.hana)).toHaveText('1');

  // Read a little way down the grid first: closing the panel must bring the reader back here.
  await scrollDown(ivan, 600);
  await expect.poll(() => ivan.evaluate(() => scrollY)).toBeGreaterThan(300);
  const scrolled = await ivan.evaluate(() => scrollY);

  const open = await openHead(ivan, NAMES.hana);
  await expect(messages(ivan, 'Dessert idea')).toBeVisible();
  await expect.poll(() => open.boundingBox()).toEqual({ x: 0, y: 0, width: 390, height: 844 });
  await expect(open.getByRole('button', { name: 'Back' })).toBeVisible();
  await expect(open.getByRole('textbox', { name: 'Write a message' })).toBeInViewport({ ratio: 1 });

  // The page behind does not move while the panel is open, neither when the
  // reader scrolls the history nor the panel's header (which would chain to the page).
  await scrollDown(ivan, 400);
  await scrollDown(ivan, 400, 30);
  expect(await ivan.evaluate(() => scrollY)).toBe(scrolled);

  await reply(ivan, 'Looks great');
  await expect(messages(ivan, 'Looks great')).toContainText(/Sent|Seen/);

  await open.getByRole('button', { name: 'Back' }).tap();
  await expect(open).toBeHidden();
  expect(await ivan.evaluate(() => scrollY)).toBe(scrolled);
  await scrollDown(ivan, 300);
  await expect.poll(() => ivan.evaluate(() => scrollY)).toBeGreaterThan(scrolled);
});
