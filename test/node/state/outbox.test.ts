import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { memoryOutboxStorage, Outbox, SendState, type OutboxEntry } from '../../../src/state/index.js';

const entry = (n: number): OutboxEntry => ({
  id: `message-${String(n).padStart(3, '0')}`,
  user: 'ann',
  conv: 'dm:ann:bob',
  body: { kind: 'text', text: `#${n}` },
  createdAt: n,
  state: SendState.Queued,
  attempts: 0,
});

function harness(options: { window?: number; ackTimeoutMs?: number; minPauseMs?: number; now?: () => number } = {}) {
  const sent: string[] = [];
  let open = true;
  let stalls = 0;
  const outbox = new Outbox({
    send: (frame) => {
      if (!open) return false;
      sent.push(JSON.parse(frame).id);
      return true;
    },
    stalled: () => stalls++,
    changed: () => {},
    storage: memoryOutboxStorage(),
    ...options,
  });
  return {
    outbox,
    sent,
    setOpen: (value: boolean) => (open = value),
    stalls: () => stalls,
  };
}

describe('Outbox', () => {
  test('sends oldest first with a bounded window, then the next as acks come', async () => {
    const h = harness({ window: 4 });
    h.outbox.resume();
    for (let n = 0; n < 10; n++) await h.outbox.add(entry(n));
    assert.deepEqual(h.sent, [0, 1, 2, 3].map((n) => entry(n).id));
    h.outbox.acknowledge(entry(0).id);
    h.outbox.acknowledge(entry(1).id);
    assert.deepEqual(h.sent.slice(4), [entry(4).id, entry(5).id]);
    h.outbox.dispose();
  });

  test('a claim that read the storage before an acknowledged entry was deleted brings nothing back', async () => {
    const h = harness();
    h.outbox.resume();
    await h.outbox.add(entry(1));
    await h.outbox.add(entry(2));
    // What a claim read while both were still stored, handed over after the acks.
    const stale = h.outbox.list.map((e) => ({ ...e }));
    h.outbox.acknowledge(entry(1).id);
    h.outbox.discard(entry(2).id);
    h.sent.length = 0;
    h.outbox.restore(stale);
    assert.equal(h.outbox.list.length, 0, 'nothing restored');
    assert.deepEqual(h.sent, []);
    // A closed tab's entry is still taken.
    h.outbox.restore([entry(3)]);
    assert.deepEqual(h.outbox.list.map((e) => e.id), [entry(3).id]);
    h.outbox.dispose();
  });

  test('a dropped socket re-sends what was in flight, in order, on the next one', async () => {
    const h = harness({ window: 3 });
    h.outbox.resume();
    for (let n = 0; n < 5; n++) await h.outbox.add(entry(n));
    h.outbox.acknowledge(entry(0).id);
    h.setOpen(false);
    h.outbox.suspend();
    h.sent.length = 0;
    h.setOpen(true);
    h.outbox.resume();
    assert.deepEqual(h.sent, [1, 2, 3].map((n) => entry(n).id));
    h.outbox.dispose();
  });

  test('a permanent refusal fails visibly and keeps the message for retry; the rest go on', async () => {
    const h = harness();
    h.outbox.resume();
    await h.outbox.add(entry(1));
    await h.outbox.add(entry(2));
    h.outbox.refuse(entry(1).id, 'unsafe_url', 'no');
    h.outbox.acknowledge(entry(2).id);
    assert.deepEqual(
      h.outbox.list.map((e) => [e.id, e.state, e.error?.code]),
      [[entry(1).id, SendState.Failed, 'unsafe_url']],
    );
    h.sent.length = 0;
    h.outbox.retry(entry(1).id);
    assert.deepEqual(h.sent, [entry(1).id]);
    h.outbox.dispose();
  });

  test('rate limiting pauses the whole queue and resumes it oldest first', async () => {
    const h = harness();
    h.outbox.resume();
    await h.outbox.add(entry(1));
    await h.outbox.add(entry(2));
    h.outbox.refuse(entry(1).id, 'rate_limited', 'slow down', 60);
    h.outbox.refuse(entry(2).id, 'rate_limited', 'slow down', 60);
    h.sent.length = 0;
    await new Promise((r) => setTimeout(r, 120));
    assert.deepEqual(h.sent, [entry(1).id, entry(2).id]);
    assert.ok(h.outbox.list.every((e) => e.state === SendState.Sending));
    h.outbox.dispose();
  });

  test('a missing ack on an open socket is treated as a dead socket', async () => {
    const h = harness({ ackTimeoutMs: 50 });
    h.outbox.resume();
    await h.outbox.add(entry(1));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.stalls(), 1);
    assert.equal(h.outbox.list[0].state, SendState.Queued);
    h.outbox.dispose();
  });

  test('after a rate-limit refusal nothing newer goes out until every older frame in flight is answered (I5)', async () => {
    const h = harness({ window: 4, minPauseMs: 1 });
    h.outbox.resume();
    for (let n = 1; n <= 6; n++) await h.outbox.add(entry(n));
    h.outbox.acknowledge(entry(1).id);
    assert.deepEqual(h.sent, [1, 2, 3, 4, 5].map((n) => entry(n).id));
    h.sent.length = 0;
    // The server refused 2 and holds back 3, 4 and 5 behind it; their refusals are still on the way.
    h.outbox.refuse(entry(2).id, 'rate_limited', 'slow down', 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(h.sent, [], 'sent again before the older ones in flight were answered');
    h.outbox.refuse(entry(3).id, 'rate_limited', 'an earlier message must be sent again first', 1);
    h.outbox.refuse(entry(4).id, 'rate_limited', 'an earlier message must be sent again first', 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(h.sent, []);
    h.outbox.refuse(entry(5).id, 'rate_limited', 'an earlier message must be sent again first', 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(h.sent, [2, 3, 4, 5].map((n) => entry(n).id), 'the refused one first, then the rest oldest first');
    h.outbox.dispose();
  });

  test('a refused copy of a message already acknowledged is sent again first, so the server reopens its gate', async () => {
    const h = harness({ minPauseMs: 1 });
    h.outbox.resume();
    await h.outbox.add(entry(1));
    await h.outbox.add(entry(2));
    // The network delivered 1 twice: the first copy was stored, the second refused, closing the
    // server's gate on 1; 2 came after it and was held back.
    h.outbox.acknowledge(entry(1).id);
    h.outbox.refuse(entry(1).id, 'rate_limited', 'slow down', 1);
    h.outbox.refuse(entry(2).id, 'rate_limited', 'an earlier message must be sent again first', 1);
    h.sent.length = 0;
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(h.sent, [entry(1).id, entry(2).id]);
    assert.deepEqual(h.outbox.list.map((e) => e.id), [entry(2).id]);
    h.outbox.dispose();
  });

  test('a second welcome on the same socket does not send again what is in flight', async () => {
    const h = harness();
    h.outbox.resume();
    await h.outbox.add(entry(1));
    h.outbox.resume();
    assert.deepEqual(h.sent, [entry(1).id]);
    h.outbox.dispose();
  });

  test('a pause that ends between two readings of the clock still sends again', async () => {
    // A clock that moves on at every reading: the pause is over when the timer is planned.
    let t = 1_000;
    const h = harness({ minPauseMs: 2, now: () => t++ });
    h.outbox.resume();
    await h.outbox.add(entry(1));
    h.sent.length = 0;
    h.outbox.refuse(entry(1).id, 'rate_limited', 'slow down', 2);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(h.sent, [entry(1).id]);
    h.outbox.dispose();
  });
});
