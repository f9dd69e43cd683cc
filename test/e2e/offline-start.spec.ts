// A page opened or reloaded while the chat server is down: the person still
// sees their chat heads, unread badges and queued messages, the demo still
// shows its pins and people, and everything catches up once the server is
// back, each message arriving once. This spec runs its own server and Vite,
// so stopping the server leaves the rest of the run alone.
import { SAMPLE_USERS } from '../../server/shared/sample-users.js';
import { pins } from '../../demo/pins.js';
import {
  badge,
  expect,
  head,
  messages,
  NAMES,
  openHead,
  PINS,
  reply,
  sendPin,
  test,
  type Page,
} from './support/demo.js';
import { SplitDemo } from './support/stack.js';

const demo = new SplitDemo();
test.beforeAll(async () => {
  test.setTimeout(90_000);
  await demo.start();
});
test.afterAll(() => demo.stop());

/**
 * How many conversations the page has kept for `person`, read from IndexedDB:
 * writes trail the screen by up to a second, and a reload must not race them.
 */
function keptConversations(page: Page, person: string): Promise<number> {
  return page.evaluate(
    (user) =>
      new Promise<number>((resolve) => {
        const open = indexedDB.open('pin-messaging-snapshots');
        open.onerror = () => resolve(-1);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('snapshots')) return resolve(0);
          const store = db.transaction('snapshots').objectStore('snapshots');
          const keys = store.getAllKeys();
          const values = store.getAll();
          values.onsuccess = () => {
            const i = (keys.result as string[][]).findIndex((key) => key[1] === user);
            resolve(i < 0 ? 0 : (values.result[i] as { conversations: unknown[] }).conversations.length);
            db.close();
          };
        };
      }),
    person,
  );
}

test('a reload while the server is down shows heads, unread badges and queued messages, which go out once it is back', async ({
  signIn,
}) => {
  test.setTimeout(150_000);
  const ana = await signIn('ana', { url: demo.url });
  const ben = await signIn('ben', { url: demo.url });
  await sendPin(ben, { pin: PINS.tart.title, to: ['ana'], note: 'For Sunday?' });
  await sendPin(ana, { pin: PINS.ferns.title, to: ['chloe'] });
  await expect(badge(ana, NAMES.ben)).toHaveText('1');
  await expect(head(ana, NAMES.chloe)).toBeVisible();
  await expect.poll(() => keptConversations(ana, 'ana')).toBe(2);

  await demo.killServer();
  await ana.reload();
  await expect(ana.locator('#me')).toHaveText(NAMES.ana);
  await expect(head(ana, NAMES.ben)).toBeVisible();
  await expect(head(ana, NAMES.ben)).toHaveAccessibleName(`Open conversation with ${NAMES.ben}, 1 unread message`);
  await expect(badge(ana, NAMES.ben)).toHaveText('1');
  await expect(head(ana, NAMES.chloe)).toBeVisible();

  // The newest message is there without the server, and an answer waits in the outbox.
  await openHead(ana, NAMES.ben);
  await expect(messages(ana, 'For Sunday?')).toBeVisible();
  await reply(ana, 'Sunday works');
  await expect(messages(ana, 'Sunday works')).toContainText('Sending');

  // Reloaded again, still without the server: the queued answer is still there.
  await ana.reload();
  await openHead(ana, NAMES.ben);
  await expect(messages(ana, 'Sunday works')).toContainText('Sending');

  await demo.startServer();
  await expect(messages(ana, 'Sunday works')).toContainText(/Sent|Seen/, { timeout: 30_000 });
  await openHead(ben, NAMES.ana);
  await expect(messages(ben, 'Sunday works')).toHaveCount(1, { timeout: 30_000 });
  // What the server stored agrees: a fresh page for Ben loads it once.
  await ben.reload();
  await openHead(ben, NAMES.ana);
  await expect(messages(ben, 'For Sunday?')).toBeVisible();
  await expect(messages(ben, 'Sunday works')).toHaveCount(1);
});

test('the demo shows its pins and people while the server is down, and connects once it is back', async ({ browser }) => {
  test.setTimeout(120_000);
  await demo.killServer();
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });

  await page.goto(`${demo.url}/?user=chloe`);
  await expect(page.getByRole('list', { name: 'Pins' }).getByRole('listitem')).toHaveCount(pins.length);
  await expect(page.getByRole('heading', { name: PINS.lisbon.title })).toBeVisible();
  await expect(page.locator('#me')).toHaveText(NAMES.chloe);
  await expect(page.getByRole('combobox', { name: 'Sign in as' }).getByRole('option')).toHaveCount(SAMPLE_USERS.length);
  // Some retries go by without a sign of them.
  await page.waitForTimeout(3_000);
  expect(problems).toEqual([]);

  await demo.startServer();
  // The server's list brings the avatars, and the connection comes up on its own.
  await expect(page.locator('#me img')).toBeVisible({ timeout: 30_000 });
  await sendPin(page, { pin: PINS.lisbon.title, to: ['dev'], note: 'After the outage' });
  expect(problems).toEqual([]);
  await context.close();
});
