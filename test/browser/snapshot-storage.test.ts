// The kept conversation list in the real browser: IndexedDB, keyed by server
// and person, and what happens where IndexedDB refuses to open.
import { expect } from '@open-wc/testing';
import {
  ChatClient,
  defaultSnapshotStorage,
  indexedDbSnapshotStorage,
  memoryOutboxStorage,
  type ChatSnapshot,
  type SnapshotStorage,
} from '../../src/state/index.js';
import { MemoryTransport, TestChat } from '../../src/testing/index.js';
import { TransportStatus, type Transport } from '../../src/transport/index.js';

let dbCount = 0;
const freshDb = () => `pin-messaging-snapshot-test-${Date.now()}-${dbCount++}`;

const snapshot = (me: string, unread: number): ChatSnapshot => ({
  me: { id: me, name: me.toUpperCase() },
  users: [{ id: 'bob', name: 'Bob' }],
  conversations: [
    {
      id: `dm:${me}:bob`,
      kind: 'direct',
      members: [me, 'bob'],
      createdBy: 'bob',
      createdAt: 1_000,
      lastSeq: 3,
      last: { seq: 3, id: 'm3', from: 'bob', at: 2_000, body: { kind: 'text', text: 'still there?' } },
      unread,
      muted: false,
      reads: { [me]: 3 - unread },
    },
  ],
  blocked: [],
  heads: [`dm:${me}:bob`],
});

async function until(what: string, check: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
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

function client(user: string, transport: Transport, snapshotStorage: SnapshotStorage): ChatClient {
  const c = new ChatClient({ user, transport, snapshotStorage, outboxStorage: memoryOutboxStorage(), headsStorage: null });
  c.start();
  return c;
}

describe('indexedDbSnapshotStorage', () => {
  it('gives back what was saved, in a later page, for the same person and server only', async () => {
    const db = freshDb();
    await indexedDbSnapshotStorage('chat.example.com/parties/inbox', db).save('ada', snapshot('ada', 2));
    await indexedDbSnapshotStorage('chat.example.com/parties/inbox', db).save('cy', snapshot('cy', 1));

    const later = indexedDbSnapshotStorage('chat.example.com/parties/inbox', db);
    expect(await later.load('ada')).to.deep.equal(snapshot('ada', 2));
    expect(await later.load('cy')).to.deep.equal(snapshot('cy', 1));
    expect(await later.load('bob')).to.equal(undefined);
    expect(await indexedDbSnapshotStorage('staging.example.com/parties/inbox', db).load('ada')).to.equal(undefined);

    await later.save('ada', snapshot('ada', 0));
    expect((await later.load('ada'))?.conversations[0].unread).to.equal(0);
  });

  it('a page reloaded without the server shows the conversations the last page had', async () => {
    const db = freshDb();
    const chat = new TestChat();
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 3 });
    const first = client('ada', new MemoryTransport({ backend: chat.backend, user: 'ada' }), indexedDbSnapshotStorage('s', db));
    await until('online', () => first.$status.get() === 'online');
    const unread = first.$conversations.get()[conv].unread;
    expect(unread).to.be.greaterThan(0);
    // Saving waits for the page's turn; what matters is that it lands.
    const stored = indexedDbSnapshotStorage('s', db);
    let saved: ChatSnapshot | undefined;
    for (let i = 0; i < 100 && !saved; i++) {
      saved = await stored.load('ada');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(saved, 'a snapshot was saved').to.not.equal(undefined);
    first.destroy();

    const reloaded = client('ada', new Unreachable() as unknown as Transport, indexedDbSnapshotStorage('s', db));
    await until('restored', () => reloaded.$heads.get().length === 1);
    expect(reloaded.$heads.get()).to.deep.equal([conv]);
    expect(reloaded.$conversations.get()[conv].unread).to.equal(unread);
    expect(reloaded.$users.get().bob?.name).to.equal('Bob Marley');
    expect(reloaded.$status.get()).to.equal('connecting');
    reloaded.destroy();
  });

  it('where IndexedDB refuses to open, nothing is kept and the chat works as before', async () => {
    const open = IDBFactory.prototype.open;
    IDBFactory.prototype.open = () => {
      throw new DOMException('The user denied permission to access the database.', 'SecurityError');
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (event: PromiseRejectionEvent) => {
      unhandled.push(event.reason);
      event.preventDefault();
    };
    addEventListener('unhandledrejection', onUnhandled);
    try {
      const storage = defaultSnapshotStorage('s')!;
      let failed = false;
      await storage.load('ada').catch(() => (failed = true));
      expect(failed, 'load rejects').to.equal(true);

      const chat = new TestChat();
      const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
      const ada = client('ada', new MemoryTransport({ backend: chat.backend, user: 'ada' }), storage);
      await until('online', () => ada.$status.get() === 'online');
      expect(ada.$heads.get()).to.deep.equal([conv]);
      await ada.sendText(conv, 'sent anyway');
      await until('acknowledged', () => ada.$outbox.get().length === 0);
      await new Promise((r) => setTimeout(r, 1_200)); // past a save
      ada.destroy();
      expect(unhandled).to.deep.equal([]);
    } finally {
      IDBFactory.prototype.open = open;
      removeEventListener('unhandledrejection', onUnhandled);
    }
  });
});
