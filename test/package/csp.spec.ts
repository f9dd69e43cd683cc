// The elements on a page with a strict Content-Security-Policy and Trusted
// Types enforced (STRICT_CSP): sending, receiving, reading and replying
// must not cause a single violation.
import type { Page } from 'playwright/test';
import { expect, head, panel, sendTo, test, upgraded } from './support/fixtures.js';
import { STRICT_CSP } from './support/site.js';

const PIN = 'Lemon tart with a crisp butter crust';

const violations = (page: Page) => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

test('no CSP or Trusted Types violation while two people exchange a pin and replies', async ({ signIn, site }) => {
  const response = await fetch(`${site.origin}/pages/csp.html`);
  expect(response.headers.get('content-security-policy')).toBe(STRICT_CSP);

  const errors: string[] = [];
  const ada = await signIn('ada', '/pages/csp.html', { errors });
  const bob = await signIn('bob', '/pages/csp.html', { errors });
  await expect.poll(() => upgraded(ada, ['pin-send-dialog', 'chat-head-stack'])).toEqual({
    'pin-send-dialog': true,
    'chat-head-stack': true,
  });
  expect(await violations(ada)).toEqual([]);

  await ada.getByRole('button', { name: `Send “${PIN}”` }).click();
  await sendTo(ada, 'bob', 'Recipe at https://www.example.com/recipes/lemon-tart');

  await expect(head(bob, 'ada')).toHaveAccessibleName('Open conversation with Ada Lovelace, 1 unread message');
  await head(bob, 'ada').click();
  const open = panel(bob, 'ada');
  await expect(open.getByRole('figure').getByRole('img', { name: PIN }).first()).toBeVisible();
  // A link reads as its real host and path, and opens the normalised URL.
  const link = open.getByRole('link', { name: 'example.com/recipes/lemon-tart' });
  await expect(link).toBeVisible();
  await expect(link).toHaveAttribute('href', 'https://www.example.com/recipes/lemon-tart');
  const composer = open.getByRole('textbox', { name: 'Write a message' });
  await composer.fill('Yes please');
  await composer.press('Enter');
  await expect(head(ada, 'bob')).toHaveAccessibleName('Open conversation with Bob Marley, 1 unread message');
  await head(ada, 'bob').click();
  await expect(panel(ada, 'bob')).toContainText('Yes please');

  // Avatars (initials on a colour) and every other styled node were drawn.
  await expect(bob.locator('chat-head-stack [part~="avatar"]').first()).toBeVisible();
  expect(await violations(ada)).toEqual([]);
  expect(await violations(bob)).toEqual([]);
  expect(errors).toEqual([]);
});

test('the recorder on the CSP page does hear a violation', async ({ signIn }) => {
  const ada = await signIn('ada', '/pages/csp.html');
  await ada.evaluate(() => document.body.setAttribute('style', 'color: red'));
  await expect.poll(() => violations(ada)).toHaveLength(1);
});
