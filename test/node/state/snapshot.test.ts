// The conversation list kept for an offline start: what a client puts back
// before the server answers, what it saves once the server has, and how
// storage failures and the lazy connection are left alone.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { directConversationId } from '../../../src/protocol/index.js';
import {
  ChatClient,
  memoryOutboxStorage,
  memorySnapshotStorage,
  SNAPSHOT_CONVERSATIONS,
  type ChatSnapshot,
  type SnapshotStorage,
} from '../../../src/state/index.js';
import { MemoryTransport, TestChat, type MemoryFaults } from '../../../src/testing/index.js';
import { TransportStatus, type Transport } from '../../../src/transport/index.js';
import { waitFor } from '../support/wait.js';

const clients: ChatClient[] = [];
after(() => clients.forEach((c) => c.destroy()));

function online(chat: TestChat, user: string, snapshotStorage: SnapshotStorage, faults: MemoryFaults = {}): ChatClient {
  const transport = new MemoryTransport({ backend: chat.backend, user, ...faults });
  const client = new ChatClient({ user, transport, snapshotStorage, outboxStorage: memoryOutboxStorage(), headsStorage: null });
  clients.push(client);
  client.start();
  return client;
}

/** A server that never answers: the page was reloaded while it is down. */
class Unreachable extends EventTarget {
  status: TransportStatus = TransportStatus.Connecting;
  connect(): void {}
  send(): boolean {
    return false;
  }
  close(): void {}
  reconnect(): void {}
}

function offline(user: string, snapshotStorage: SnapshotStorage): ChatClient {
  const transport = new Unreachable() as unknown as Transport;
  const client = new ChatClient({ user, transport, snapshotStorage, outboxStorage: memoryOutboxStorage(), headsStorage: null });
  clients.push(client);
  client.start();
  return client;
}

/** Remembers what was saved, and how many times. */
function counting(): SnapshotStorage & { saves: number; last: ChatSnapshot | undefined } {
  const inner = memorySnapshotStorage();
  const storage = {
    saves: 0,
    last: undefined as ChatSnapshot | undefined,
    load: (user: string) => inner.load(user),
    async save(user: string, snapshot: ChatSnapshot) {
      storage.saves += 1;
      storage.last = snapshot;
      await inner.save(user, snapshot);
    },
  };
  return storage;
}

const textOf = (client: ChatClient, conv: string) => {
  const body = client.$conversations.get()[conv]?.last?.body;
  return body?.kind === 'text' ? body.text : undefined;
};

describe('conversation list snapshot', () => {
  test('a start without the server shows the heads, unread counts and last messages the last session had', async () => {
    const chat = new TestChat();
    const texts = ['are you in?', 'yes', 'hello?'].map((text) => ({ kind: 'text' as const, text }));
    const withBob = chat.seed({ members: ['bob', 'ada'], messages: texts });
    const group = chat.seed({ members: ['cy', 'ada', 'dee'], title: 'Trip', messages: 3, reads: { ada: 1 } });
    const storage = counting();

    const before = online(chat, 'ada', storage);
    await waitFor('online', () => before.$status.get() === 'online');
    await waitFor('saved', () => storage.last?.conversations.length === 2);
    const unread = (client: ChatClient) => [withBob, group].map((id) => client.$conversations.get()[id].unread);
    const unreadBefore = unread(before);
    assert.ok(unreadBefore.every((n) => n > 0));
    before.destroy();

    const after = offline('ada', storage);
    await waitFor('restored', () => Object.keys(after.$conversations.get()).length === 2);
    assert.equal(after.$status.get(), 'connecting');
    assert.deepEqual(new Set(after.$heads.get()), new Set([withBob, group]));
    assert.deepEqual(unread(after), unreadBefore);
    assert.equal(textOf(after, withBob), 'hello?');
    assert.equal(after.$conversations.get()[group].title, 'Trip');
    assert.equal(after.$users.get().dee?.name, 'Dee Dee Bridgewater');
    // The panel opens on the newest message without asking the server.
    assert.deepEqual(
      after.timeline(withBob).get().messages.map((m) => m.body.kind === 'text' && m.body.text),
      ['hello?'],
    );
    // Nothing came from the server: the same snapshot is not written back.
    const saves = storage.saves;
    await new Promise((r) => setTimeout(r, 1_100));
    assert.equal(storage.saves, saves);
  });

  test('the server’s welcome replaces the snapshot, in the stores and in storage', async () => {
    const chat = new TestChat();
    const withBob = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const withCy = chat.seed({ members: ['cy', 'ada'], messages: 1 });
    const storage = counting();
    const first = online(chat, 'ada', storage);
    await waitFor('saved', () => storage.last?.conversations.length === 2);
    first.destroy();

    // While the page was away: Bob wrote again, and Ada left the conversation with Cy elsewhere.
    const bob = online(chat, 'bob', memorySnapshotStorage());
    await waitFor('bob online', () => bob.$status.get() === 'online');
    await bob.sendText(withBob, 'still there?');
    await waitFor('sent', () => bob.$outbox.get().length === 0);
    chat.backend.storage.removeMember(withCy, 'ada');

    const ada = online(chat, 'ada', storage, { latencyMs: 40 });
    await waitFor('restored first', () => Object.keys(ada.$conversations.get()).length === 2);
    assert.notEqual(ada.$status.get(), 'online');
    assert.equal(ada.$conversations.get()[withBob].unread, 1);

    await waitFor('welcome', () => ada.$status.get() === 'online');
    assert.deepEqual(Object.keys(ada.$conversations.get()), [withBob]);
    assert.deepEqual(ada.$heads.get(), [withBob]);
    assert.equal(ada.$conversations.get()[withBob].unread, 2);
    assert.equal(textOf(ada, withBob), 'still there?');
    await waitFor('saved again', () => storage.last?.conversations.length === 1);
    assert.equal(storage.last!.conversations[0].unread, 2);
  });

  test(`keeps the ${SNAPSHOT_CONVERSATIONS} most recently active conversations and only their people`, async () => {
    const chat = new TestChat();
    const others = ['bob', 'cy', 'dee', 'eve'];
    const day = Date.now() - 86_400_000;
    const ids = Array.from({ length: SNAPSHOT_CONVERSATIONS + 20 }, (_, i) =>
      chat.seed({ members: ['ada', others[i % 4], others[(i + 1) % 4]], title: `Group ${i}`, messages: 1, startAt: day + i * 1_000 }),
    );
    chat.seed({ members: ['fay', 'gus'], messages: 1 }); // not Ada's
    const storage = counting();
    const ada = online(chat, 'ada', storage);
    await ada.searchContacts('lou').catch(() => []);
    await waitFor('saved', () => !!storage.last);
    const kept = storage.last!.conversations.map((c) => c.id);
    assert.equal(kept.length, SNAPSHOT_CONVERSATIONS);
    assert.deepEqual(new Set(kept), new Set(ids.slice(20)));
    assert.deepEqual(storage.last!.users.map((u) => u.id).sort(), ['ada', ...others].sort());
    assert.ok(storage.last!.heads.every((h) => kept.includes(h)));
  });

  test('a burst of messages is saved in a few writes, not one per message', async () => {
    const chat = new TestChat();
    const conv = directConversationId('ada', 'bob');
    chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const storage = counting();
    const ada = online(chat, 'ada', storage);
    const bob = online(chat, 'bob', memorySnapshotStorage());
    await waitFor('both online', () => ada.$status.get() === 'online' && bob.$status.get() === 'online');
    await waitFor('welcome saved', () => storage.saves >= 1);
    const start = storage.saves;
    // Half a second of a busy conversation.
    for (let i = 1; i <= 40; i++) {
      await bob.sendText(conv, `burst ${i}`);
      await new Promise((r) => setTimeout(r, 12));
    }
    await waitFor('ada has them all', () => textOf(ada, conv) === 'burst 40');
    await waitFor('the last one saved', () => storage.last?.conversations[0].last?.body.kind === 'text' && storage.last.conversations[0].unread === 41, 3_000);
    assert.ok(storage.saves - start <= 3, `${storage.saves - start} writes for 40 messages`);
  });

  test('storage that fails, or holds something unreadable, means no snapshot and no error', async () => {
    const chat = new TestChat();
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const broken: SnapshotStorage = {
      load: () => Promise.reject(new DOMException('blocked', 'SecurityError')),
      save: () => Promise.reject(new DOMException('full', 'QuotaExceededError')),
    };
    const ada = online(chat, 'ada', broken);
    await waitFor('online anyway', () => ada.$status.get() === 'online');
    assert.deepEqual(ada.$heads.get(), [conv]);
    await ada.sendText(conv, 'works');
    await waitFor('sent', () => ada.$outbox.get().length === 0);
    await new Promise((r) => setTimeout(r, 1_100)); // a failed save would surface as an unhandled rejection

    const garbage: SnapshotStorage = {
      load: async () => ({ me: { id: 'ada' }, conversations: 'lots', users: [], blocked: [], heads: ['x'] }) as unknown as ChatSnapshot,
      save: async () => {},
    };
    const other = offline('ada', garbage);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(other.$conversations.get(), {});
    assert.deepEqual(other.$heads.get(), []);

    const someoneElse = counting();
    await someoneElse.save('ada', { me: { id: 'bob', name: 'Bob' }, users: [], conversations: [], blocked: [], heads: [] });
    const mismatched = offline('ada', someoneElse);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(mismatched.$me.get(), undefined);
  });

  test('a connection opened by elements still closes when they leave', async () => {
    const chat = new TestChat();
    chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const transport = new MemoryTransport({ backend: chat.backend, user: 'ada' });
    const ada = new ChatClient({ user: 'ada', transport, snapshotStorage: memorySnapshotStorage(), outboxStorage: memoryOutboxStorage(), headsStorage: null });
    clients.push(ada);
    const unsubscribe = ada.$heads.subscribe(() => {});
    await waitFor('online', () => ada.$status.value === 'online');
    unsubscribe();
    // Stores unmount a second after their last subscriber leaves.
    await waitFor('closed', () => transport.status === TransportStatus.Idle, 3_000);
  });
});
