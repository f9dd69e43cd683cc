// The persisted outbox in the real browser: IndexedDB for the entries, Web Locks
// for which tab owns them.
import { expect } from '@open-wc/testing';
import { indexedDbOutboxStorage, SendState, type OutboxEntry } from '../../src/state/index.js';

const entry = (n: number, user = 'ann'): OutboxEntry => ({
  id: `pending-${String(n).padStart(4, '0')}`,
  user,
  conv: 'dm:ann:bob',
  body: { kind: 'text', text: `message ${n}` },
  createdAt: 1_000 + n,
  state: SendState.Queued,
  attempts: 0,
});

let dbCount = 0;
const freshDb = () => `pin-messaging-test-${Date.now()}-${dbCount++}`;

describe('indexedDbOutboxStorage', () => {
  it('hands a closed tab’s 20 pending messages to the next tab, once', async () => {
    const db = freshDb();
    const first = indexedDbOutboxStorage(db);
    expect(await first.claim('ann')).to.have.length(0);
    for (let n = 0; n < 20; n++) await first.put(entry(n));
    first.close(); // the tab is closed

    const second = indexedDbOutboxStorage(db);
    const claimed = await second.claim('ann');
    expect(claimed.map((e) => e.id)).to.deep.equal([...Array(20)].map((_, n) => entry(n).id));
    // A third tab opened meanwhile gets none of them: the second tab owns them now.
    const third = indexedDbOutboxStorage(db);
    expect(await third.claim('ann')).to.have.length(0);
    second.close();
    third.close();
  });

  it('never gives a live tab’s entries to another tab', async () => {
    const db = freshDb();
    const live = indexedDbOutboxStorage(db);
    await live.claim('ann');
    await live.put(entry(1));
    const other = indexedDbOutboxStorage(db);
    expect(await other.claim('ann')).to.have.length(0);
    live.close();
    // Once the owner is gone, the entry is claimable.
    await new Promise((r) => setTimeout(r, 20));
    expect((await other.claim('ann')).map((e) => e.id)).to.deep.equal([entry(1).id]);
    other.close();
  });

  it('forgets acknowledged entries and keeps other people’s apart', async () => {
    const db = freshDb();
    const tab = indexedDbOutboxStorage(db);
    await tab.claim('ann');
    await tab.put(entry(1));
    await tab.put(entry(2));
    await tab.put(entry(3, 'bob'));
    await tab.delete(entry(1).id);
    tab.close();
    const next = indexedDbOutboxStorage(db);
    expect((await next.claim('ann')).map((e) => e.id)).to.deep.equal([entry(2).id]);
    next.close();
  });
});
