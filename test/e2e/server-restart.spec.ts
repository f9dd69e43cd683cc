// The chat server crashes (SIGKILL) while someone is sending: one message is
// on the wire and never acknowledged, another is written while the server is
// down. Both show as Sending, nothing is lost, and once the server is back
// every message arrives exactly once, in order (RELIABILITY.md F3, I1-I3, I5).
// This spec runs its own server and Vite, so killing the server leaves the
// rest of the run alone.
import { expect, head, messages, NAMES, openHead, panel, PINS, sendPin, test, type Page } from './support/demo.js';
import { SplitDemo } from './support/stack.js';

const demo = new SplitDemo();
test.beforeAll(async () => {
  test.setTimeout(90_000);
  await demo.start();
});
test.afterAll(() => demo.stop());

/** Sends with Enter without waiting for anything: the point is to be caught mid-send. */
async function send(page: Page, text: string): Promise<void> {
  const input = panel(page).getByRole('textbox', { name: 'Write a message' });
  await input.fill(text);
  await input.press('Enter');
}

test('messages sent around a server crash arrive once each, in order, after it restarts', async ({ signIn }) => {
  test.setTimeout(120_000);
  const ana = await signIn('ana', { url: demo.url });
  const ben = await signIn('ben', { url: demo.url });

  await sendPin(ana, { pin: PINS.tart.title, to: ['ben'], note: 'Before the crash' });
  await openHead(ana, NAMES.ben);
  await expect(head(ben, NAMES.ana)).toBeVisible();
  await openHead(ben, NAMES.ana);
  await expect(messages(ben, 'Before the crash')).toBeVisible();

  await send(ana, 'burst 1');
  await expect(messages(ana, 'burst 1')).toContainText(/Sent|Seen/);

  // The server freezes with the next message on its way, then dies without
  // ever reading it: the message was sent but never acknowledged.
  demo.pauseServer();
  await send(ana, 'burst 2');
  await expect(messages(ana, 'burst 2')).toContainText('Sending');
  await demo.killServer();

  // While it is down the page says so, and a new message waits as Sending.
  await expect(panel(ana).getByRole('status').filter({ hasText: /Offline|Reconnecting/ })).toBeVisible();
  await send(ana, 'burst 3 (server down)');
  const waiting = messages(ana, 'burst 3 (server down)');
  await expect(waiting).toContainText('Sending');
  await expect(panel(ana).getByRole('status').filter({ hasText: 'Offline: messages will be sent when you are back online' })).toBeVisible();

  await demo.startServer();
  // Delivered: the sender's copy turns Sent (or Seen, since Ben has the conversation open).
  await expect(waiting).toContainText(/Sent|Seen/, { timeout: 30_000 });
  // Only the newest message carries a Sent/Seen label; the earlier one just stops saying Sending.
  await expect(messages(ana, 'burst 2')).not.toContainText(/Sending|Not sent/);

  // Ben gets each message once, in the order Ana sent them.
  const burst = ['burst 1', 'burst 2', 'burst 3 (server down)'];
  const arrived = () => messages(ben, /burst \d/);
  await expect(arrived()).toHaveCount(3, { timeout: 30_000 });
  await expect(arrived()).toContainText(burst);

  // What the server stored agrees: a fresh page for Ben loads the same three, once each.
  await ben.reload();
  await expect(ben.locator('#me')).toHaveText(NAMES.ben);
  await openHead(ben, NAMES.ana);
  await expect(arrived()).toHaveCount(3);
  await expect(arrived()).toContainText(burst);
  await expect(messages(ben, 'Before the crash')).toHaveCount(1);
});
