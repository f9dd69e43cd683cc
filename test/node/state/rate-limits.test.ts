// The state bus against a server that paces it: catch-up pages refused `rate_limited` are asked
// for again after the wait (I6, I7), and a hello refused for the same reason is said again.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { randomId } from '../../../src/protocol/index.js';
import { ChatClient, memoryOutboxStorage } from '../../../src/state/index.js';
import { MemoryTransport, TestChat } from '../../../src/testing/index.js';
import { waitFor } from '../support/wait.js';

const clients: ChatClient[] = [];
after(() => clients.forEach((c) => c.destroy()));

function connect(chat: TestChat, user: string): ChatClient {
  const transport = new MemoryTransport({ backend: chat.backend, user, backoff: { baseMs: 5, capMs: 20 } });
  const client = new ChatClient({ user, transport, outboxStorage: memoryOutboxStorage(), headsStorage: null, minRetryMs: 5 });
  clients.push(client);
  client.start();
  return client;
}

describe('ChatClient under rate limits', () => {
  test('back after missing messages in 30 conversations, it pages every one to its newest message though most pages are refused at first', async () => {
    // Frames and replay both tightly paced: most history pages are refused `rate_limited` at first.
    // (A server without a replay budget ignores those two; its frame limit still refuses pages.)
    const paced = { frameBurst: 4, framesPerSecond: 200, replayBurst: 2, replayPerSecond: 100 };
    const chat = new TestChat({ limits: paced });
    const convs = Array.from({ length: 30 }, (_, i) => chat.seed({ members: ['ada', 'bob'], title: `board ${i}`, messages: 2 }));
    const ada = connect(chat, 'ada');
    await waitFor('ada online', () => ada.$status.get() === 'online');
    for (const conv of convs) ada.timeline(conv);
    ada.stop();
    const storage = chat.backend.storage;
    const at = Date.now();
    for (const conv of convs) {
      for (let i = 0; i < 250; i++) storage.append(conv, 'bob', randomId(), { kind: 'text', text: `missed ${i}` }, at + i);
    }
    const refused: string[] = [];
    const stop = ada.$status.listen((s) => s === 'refused' && refused.push(s));
    ada.start();
    await waitFor('every conversation caught up', () => convs.every((c) => ada.timeline(c).get().hi === 252), 20_000);
    stop();
    assert.deepEqual(refused, [], 'never closed as abusive');
    for (const conv of convs) {
      const texts = ada.timeline(conv).get().messages.map((m) => (m.body.kind === 'text' ? m.body.text : ''));
      assert.deepEqual(texts.slice(-250), Array.from({ length: 250 }, (_, i) => `missed ${i}`), `${conv} in order, without holes`);
    }
  });

  test('messages sent at once through a tight limit all arrive once, in order, and the sender is never closed as abusive', async () => {
    const chat = new TestChat({ limits: { rateBurst: 2, ratePerSecond: 200, frameBurst: 20, framesPerSecond: 400 } });
    const conv = chat.seed({ members: ['ada', 'bob'], title: 'burst' });
    const ada = connect(chat, 'ada');
    const bob = connect(chat, 'bob');
    await waitFor('online', () => ada.$status.get() === 'online' && bob.$status.get() === 'online');
    const texts = Array.from({ length: 120 }, (_, i) => `m${i}`);
    for (const text of texts) void ada.sendText(conv, text);
    await waitFor('bob has all', () => bob.timeline(conv).get().hi === 120, 20_000);
    assert.deepEqual(
      bob.timeline(conv).get().messages.map((m) => (m.body.kind === 'text' ? m.body.text : '')),
      texts,
    );
    assert.equal(ada.$status.get(), 'online');
    assert.equal(ada.$outbox.get().length, 0);
  });

  test('a hello refused because the person\'s frame budget is spent is said again, and the client comes online and sends', async () => {
    const chat = new TestChat({ limits: { frameBurst: 5, framesPerSecond: 20 } });
    const conv = chat.seed({ members: ['ada', 'bob'], title: 'budget' });
    // Another socket of ada's spends the budget the server keeps for her (per person).
    const other = chat.backend.connect('ada', { frame: () => {}, closed: () => {} })!;
    for (let i = 0; i < 10; i++) other.receive(JSON.stringify({ t: 'ping', n: i + 1 }));
    const ada = connect(chat, 'ada');
    await waitFor('ada online', () => ada.$status.get() === 'online', 5_000);
    await ada.sendText(conv, 'made it');
    await waitFor('stored', () => chat.backend.storage.getConversation(conv)!.lastSeq === 1, 5_000);
    other.hangUp();
  });
});
