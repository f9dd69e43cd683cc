import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ChatClient, Incoming } from '../../../src/state/index.js';
import { TestChat } from '../../../src/testing/index.js';
import { waitFor } from '../support/wait.js';

const clients: ChatClient[] = [];
after(() => clients.forEach((c) => c.destroy()));

const texts = (client: ChatClient, conv: string) =>
  client.timeline(conv).get().messages.map((m) => (m.body.kind === 'text' ? m.body.text : m.body.pin.title));

test('$incoming announces each message from someone else once, and neither the person’s own nor a catch-up', async () => {
  const chat = new TestChat();
  const [ada, bob] = ['ada', 'bob'].map((u) => chat.client(u));
  clients.push(ada, bob);
  await waitFor('both online', () => ada.$status.get() === 'online' && bob.$status.get() === 'online');
  const news: Incoming[] = [];
  bob.$incoming.listen((n) => n && news.push(n));
  const conv = 'dm:ada:bob';

  await ada.sendText(conv, 'one');
  await waitFor('bob has it', () => texts(bob, conv).length === 1);
  await bob.sendText(conv, 'two');
  await waitFor('ada has the reply', () => texts(ada, conv).length === 2);
  await ada.sendText(conv, 'three');
  await waitFor('bob has all three', () => texts(bob, conv).length === 3);
  assert.deepEqual(
    news.map((n) => [n.conv.id, n.message.seq, n.message.from]),
    [
      [conv, 1, 'ada'],
      [conv, 3, 'ada'],
    ],
  );

  // What arrives while bob is away comes back with the welcome: unread, not news.
  bob.stop();
  await ada.sendText(conv, 'four');
  await waitFor('ada sent it', () => ada.$outbox.get().length === 0);
  bob.start();
  await waitFor('bob caught up', () => bob.$status.get() === 'online' && bob.$conversations.get()[conv]?.lastSeq === 4);
  await waitFor('bob has the history', () => texts(bob, conv).length === 4);
  assert.equal(news.length, 2);
});
