import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DELETED_USER, directConversationId, parseServerFrame } from '../../../src/protocol/index.js';
import type { ChatClient } from '../../../src/state/index.js';
import { TestChat } from '../../../src/testing/index.js';
import { waitFor } from '../support/wait.js';

const clients: ChatClient[] = [];
after(() => clients.forEach((c) => c.destroy()));
const open = (chat: TestChat, user: string) => {
  const client = chat.client(user);
  clients.push(client);
  return client;
};
const texts = (client: ChatClient, conv: string) =>
  client.timeline(conv).get().messages.map((m) => (m.hidden === 'deleted' ? '(deleted)' : m.body.kind === 'text' ? m.body.text : m.body.pin.title));

describe('unsend', () => {
  test("the sender's message becomes a tombstone in both timelines and in the list's last message", async () => {
    const chat = new TestChat();
    const ada = open(chat, 'ada');
    const bob = open(chat, 'bob');
    await waitFor('online', () => ada.$status.get() === 'online' && bob.$status.get() === 'online');
    const conv = directConversationId('ada', 'bob');
    await ada.sendText(conv, 'first');
    await ada.sendText(conv, 'oops, wrong person');
    await waitFor('both stored', () => ada.$outbox.get().length === 0 && texts(ada, conv).length === 2);
    await waitFor('bob has both', () => texts(bob, conv).length === 2);
    assert.deepEqual(bob.$conversations.get()[conv].last?.body, { kind: 'text', text: 'oops, wrong person' });

    assert.equal(bob.$conversations.get()[conv].unread, 2);
    await ada.unsend(conv, 2);
    assert.deepEqual(texts(ada, conv), ['first', '(deleted)'], "the sender's row at once");
    await waitFor('bob sees the tombstone live', () => texts(bob, conv)[1] === '(deleted)');
    const dead = bob.timeline(conv).get().messages[1];
    assert.deepEqual([dead.seq, dead.from, dead.body], [2, 'ada', { kind: 'text', text: '' }]);
    assert.equal(bob.$conversations.get()[conv].last?.hidden, 'deleted', 'the list preview no longer shows the text');
    assert.equal(bob.$conversations.get()[conv].unread, 1, 'an unsent message is nothing to read');

    // A fresh client (a reload) gets the tombstone from the welcome and from history, never the text.
    const again = open(chat, 'bob');
    await waitFor('reloaded', () => again.$status.get() === 'online');
    assert.equal(again.$conversations.get()[conv].last?.hidden, 'deleted');
    assert.equal(again.$conversations.get()[conv].unread, 1, 'nor after a reload');
    await again.loadOlder(conv);
    await waitFor('history', () => texts(again, conv).length === 2);
    assert.deepEqual(texts(again, conv), ['first', '(deleted)']);
  });

  test("someone else's message is refused (forbidden), an unknown seq is not_found, and nothing changes", async () => {
    const chat = new TestChat();
    const ada = open(chat, 'ada');
    const bob = open(chat, 'bob');
    await waitFor('online', () => ada.$status.get() === 'online' && bob.$status.get() === 'online');
    const conv = directConversationId('ada', 'bob');
    await ada.sendText(conv, 'mine');
    await waitFor('bob has it', () => texts(bob, conv).length === 1);
    await assert.rejects(bob.unsend(conv, 1), (e: { code?: string }) => e.code === 'forbidden');
    await assert.rejects(ada.unsend(conv, 9), (e: { code?: string }) => e.code === 'not_found');
    assert.deepEqual(texts(ada, conv), ['mine']);
    assert.deepEqual(texts(bob, conv), ['mine']);
  });

  test('an old client drops the new frame without failing; the client knows the erased person', () => {
    const parsed = parseServerFrame(JSON.stringify({ t: 'some_future_frame', conv: 'dm:a:b' }));
    assert.equal(parsed.ok, false);
    assert.equal(!parsed.ok && parsed.code, 'unknown_type');
    const tomb = parseServerFrame(
      JSON.stringify({ t: 'deleted', conv: 'dm:a:b', seq: 3, m: { seq: 3, id: 'abcdefgh', from: DELETED_USER, at: 1, body: { kind: 'text', text: '' }, hidden: 'deleted' } }),
    );
    assert.equal(tomb.ok, true);
  });
});
