// The single-file build on a plain HTML page (no build step, one module
// script), against a real server: two people, each in a browser of their own.
import { expect, head, panel, sendTo, test, upgraded } from './support/fixtures.js';

const TAGS = ['pin-send-dialog', 'chat-head-stack'];
const PIN = 'Lemon tart with a crisp butter crust';

test('the elements upgrade on a plain page, and a pin sent there reaches the other person', async ({ signIn }) => {
  const errors: string[] = [];
  const ada = await signIn('ada', '/pages/cdn.html', { errors });
  const bob = await signIn('bob', '/pages/cdn.html', { errors });
  await expect.poll(() => upgraded(ada, TAGS)).toEqual({ 'pin-send-dialog': true, 'chat-head-stack': true });

  await ada.getByRole('button', { name: `Send “${PIN}”` }).click();
  await sendTo(ada, 'bob', 'Sunday?');

  await expect(head(bob, 'ada')).toHaveAccessibleName('Open conversation with Ada Lovelace, 1 unread message');
  await head(bob, 'ada').click();
  const card = panel(bob, 'ada').getByRole('figure');
  await expect(card.getByRole('link', { name: PIN })).toHaveAttribute('href', 'https://www.example.com/recipes/lemon-tart');
  await expect(panel(bob, 'ada')).toContainText('Sunday?');
  expect(errors).toEqual([]);
});

test('a second copy of the library on the page leaves the first one in charge, silently', async ({ signIn }) => {
  const errors: string[] = [];
  const warnings: string[] = [];
  const ada = await signIn('ada', '/pages/cdn.html', { errors });
  ada.on('console', (m) => void (m.type() === 'warning' && warnings.push(m.text())));
  await expect.poll(() => upgraded(ada, TAGS)).toEqual({ 'pin-send-dialog': true, 'chat-head-stack': true });
  const first = await ada.evaluate(() => customElements.get('pin-send-dialog'));

  // Another module instance of the same file, as two bundles of one page would load.
  const second = await ada.evaluate(async () => {
    const copy = await import(`/cdn/pin-messaging.js?copy=${Date.now()}`);
    return { version: copy.VERSION, same: customElements.get('pin-send-dialog') === copy.PinSendDialog };
  });
  expect(second.same).toBe(false);
  expect(await ada.evaluate(() => customElements.get('pin-send-dialog'))).toEqual(first);

  // The first copy still works.
  await ada.getByRole('button', { name: `Send “${PIN}”` }).click();
  await sendTo(ada, 'cy');
  expect(warnings.filter((w) => w.includes('pin-messaging'))).toEqual([]);
  expect(errors).toEqual([]);
});
