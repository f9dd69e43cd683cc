import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { directConversationId, randomId } from '../../../src/protocol/index.js';
import { ChatClient, memoryOutboxStorage } from '../../../src/state/index.js';
import { MemoryTransport, TestChat } from '../../../src/testing/index.js';
import { waitFor } from '../support/wait.js';

const pin = { url: 'https://example.com/p/1', image: 'https://img.example.com/1.jpg', title: 'Reading nook' };
const clients: ChatClient[] = [];
const open = (chat: TestChat, user: string, faults = {}) => {
  const client = chat.client(user, faults);
  clients.push(client);
  return client;
};
after(() => clients.forEach((c) => c.destroy()));
const texts = (client: ChatClient, conv: string) =>
  client.timeline(conv).get().messages.map((m) => (m.body.kind === 'text' ? m.body.text : m.body.pin.title));

describe('ChatClient over the in-memory backend', () => {
  test('a pin with a note reaches the other person, who sees it unread and can reply', async () => {
    const chat = new TestChat();
    const ada = open(chat, 'ada');
    const bob = open(chat, 'bob');
    await waitFor('both online', () => ada.$status.get() === 'online' && bob.$status.get() === 'online');
    const [{ conv }] = await ada.sendPin({ to: ['bob'], pin, note: 'for your flat' });
    assert.equal(conv, directConversationId('ada', 'bob'));
    await waitFor('bob has the pin', () => texts(bob, conv).length === 1);
    const received = bob.timeline(conv).get().messages[0];
    assert.equal(received.body.kind === 'pin' && received.body.note, 'for your flat');
    assert.equal(received.body.kind === 'pin' && received.body.pin.domain, 'example.com');
    assert.equal(bob.$conversations.get()[conv].unread, 1);
    assert.equal(bob.$heads.get()[0], conv);
    bob.markRead(conv);
    await bob.sendText(conv, 'love it');
    await waitFor('ada has the reply', () => texts(ada, conv).join('|') === 'Reading nook|love it');
    await waitFor('ada sees bob read it', () => (ada.$conversations.get()[conv].reads.bob ?? 0) >= 1);
    assert.equal(ada.$outbox.get().length, 0);
  });

  test('a group of three: everyone sees the same messages in the same order', async () => {
    const chat = new TestChat();
    const [ada, bob, cy] = ['ada', 'bob', 'cy'].map((u) => open(chat, u));
    await waitFor('all online', () => [ada, bob, cy].every((c) => c.$status.get() === 'online'));
    const [{ conv }] = await ada.sendPin({ to: ['bob', 'cy'], pin, mode: 'group', title: 'Flat ideas' });
    await waitFor('group reached everyone', () => texts(bob, conv).length === 1 && texts(cy, conv).length === 1);
    await Promise.all([bob.sendText(conv, 'b1'), cy.sendText(conv, 'c1'), ada.sendText(conv, 'a1')]);
    await waitFor('three more each', () => [ada, bob, cy].every((c) => texts(c, conv).length === 4));
    assert.deepEqual(texts(bob, conv), texts(ada, conv));
    assert.deepEqual(texts(cy, conv), texts(ada, conv));
    assert.equal(bob.$conversations.get()[conv].title, 'Flat ideas');
    assert.deepEqual([...bob.$conversations.get()[conv].members].sort(), ['ada', 'bob', 'cy']);
  });

  test('a refused send fails visibly and keeps the message for a retry', async () => {
    const chat = new TestChat();
    const ada = open(chat, 'ada');
    const bob = open(chat, 'bob');
    await waitFor('online', () => ada.$status.get() === 'online' && bob.$status.get() === 'online');
    await bob.block('ada', true);
    await ada.sendPin({ to: ['bob'], pin });
    await waitFor('failed', () => ada.$outbox.get()[0]?.state === 'failed');
    assert.equal(ada.$outbox.get()[0].error?.code, 'blocked');
    await bob.block('ada', false);
    ada.retry(ada.$outbox.get()[0].id);
    await waitFor('delivered after unblock', () => ada.$outbox.get().length === 0);
  });

  test('a member offline while 1,200 messages are sent catches up in order through paging', async () => {
    const chat = new TestChat();
    const conv = chat.seed({ members: ['ada', 'bob'], messages: 3 });
    const bob = open(chat, 'bob');
    await waitFor('bob online', () => bob.$status.get() === 'online');
    bob.stop();
    for (let i = 0; i < 1_200; i++) {
      chat.backend.storage.append(conv, 'ada', `offline-${i}`, { kind: 'text', text: `m${i}` }, Date.now());
    }
    bob.start();
    await waitFor('bob caught up', () => bob.timeline(conv).get().hi === 1_203, 10_000);
    const seqs = bob.timeline(conv).get().messages.map((m) => m.seq);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => seqs[0] + i));
  });

  test('rate limits slow a fast sender down without losing or reordering anything', async () => {
    const chat = new TestChat({ limits: { rateBurst: 5, ratePerSecond: 200, frameBurst: 8, framesPerSecond: 300 } });
    const ada = open(chat, 'ada');
    const bob = open(chat, 'bob');
    await waitFor('online', () => ada.$status.get() === 'online' && bob.$status.get() === 'online');
    const conv = directConversationId('ada', 'bob');
    for (let i = 0; i < 150; i++) void ada.sendText(conv, `r${i}`);
    await waitFor('all delivered', () => bob.timeline(conv).get().hi === 150, 30_000);
    assert.deepEqual(texts(bob, conv), Array.from({ length: 150 }, (_, i) => `r${i}`));
    assert.equal(ada.$outbox.get().length, 0);
  });

  test('a dismissed head stays dismissed after a reload until a newer message arrives', async () => {
    const chat = new TestChat();
    const conv = chat.seed({ members: ['ada', 'bob'], messages: 2 });
    const saved = new Map<string, string>();
    const headsStorage = { getItem: (k: string) => saved.get(k) ?? null, setItem: (k: string, v: string) => void saved.set(k, v) };
    const page = () => {
      const client = new ChatClient({ user: 'ada', transport: new MemoryTransport({ backend: chat.backend, user: 'ada' }), outboxStorage: memoryOutboxStorage(), headsStorage });
      clients.push(client);
      client.start();
      return client;
    };
    const first = page();
    await waitFor('heads', () => first.$heads.get().includes(conv));
    first.dismissHead(conv);
    first.destroy();
    const second = page();
    await waitFor('online', () => second.$status.get() === 'online');
    assert.deepEqual(second.$heads.get(), [], 'still dismissed after the reload');
    const bob = open(chat, 'bob');
    await waitFor('bob online', () => bob.$status.get() === 'online');
    await bob.sendText(conv, 'are you there?');
    await waitFor('the head is back', () => second.$heads.get()[0] === conv);
  });

  test('a message a closed page left unsent goes out at start: the outbox is fetched for it', async () => {
    const chat = new TestChat();
    const bob = open(chat, 'bob');
    await waitFor('bob online', () => bob.$status.get() === 'online');
    const conv = directConversationId('ada', 'bob');
    const outboxStorage = memoryOutboxStorage();
    const left = { id: randomId(), user: 'ada', conv, to: ['bob'], body: { kind: 'text', text: 'from before' }, createdAt: Date.now(), state: 'queued', attempts: 0 } as const;
    await outboxStorage.put(left);
    const ada = new ChatClient({ user: 'ada', transport: new MemoryTransport({ backend: chat.backend, user: 'ada' }), outboxStorage, headsStorage: null });
    clients.push(ada);
    assert.deepEqual(ada.$outbox.get(), [], 'nothing before start');
    ada.start();
    // The outbox's module is compiled on first import here (tsx): seconds on a loaded machine.
    await waitFor('bob has it', () => texts(bob, conv).join('|') === 'from before', 20_000);
    await waitFor('acknowledged', () => ada.$outbox.get().length === 0 && texts(ada, conv).join('|') === 'from before');
  });

  test('a send made before the outbox arrives waits for it, then goes out once, in order', async () => {
    const chat = new TestChat();
    const ada = open(chat, 'ada');
    const bob = open(chat, 'bob');
    const conv = directConversationId('ada', 'bob');
    await waitFor('both online', () => ada.$status.get() === 'online' && bob.$status.get() === 'online');
    // Well within 2 s of start: the outbox's code is fetched by the first send.
    await Promise.all([ada.sendText(conv, 'one'), ada.sendText(conv, 'two')]);
    await waitFor('bob has both', () => texts(bob, conv).join('|') === 'one|two');
    await waitFor('acknowledged', () => ada.$outbox.get().length === 0);
  });
});
