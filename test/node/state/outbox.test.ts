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

function harness(options: { window?: number; ackTimeoutMs?: number } = {}) {
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
});
