import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Message } from '../../../src/protocol/index.js';
import { EMPTY_TIMELINE, hasGap, hasOlder, mergeMessages, seedTimeline } from '../../../src/state/timeline.js';

const msg = (seq: number): Message => ({ seq, id: `message-${seq}`, from: 'ann', at: seq, body: { kind: 'text', text: `#${seq}` } });
const seqs = (messages: readonly Message[]) => messages.map((m) => m.seq);

describe('timeline', () => {
  test('appends contiguous messages and ignores duplicates', () => {
    let t = mergeMessages(EMPTY_TIMELINE, [msg(1), msg(2)]);
    t = mergeMessages(t, [msg(2), msg(3), msg(1)]);
    assert.deepEqual(seqs(t.messages), [1, 2, 3]);
    assert.equal(t.hi, 3);
    assert.equal(hasOlder(t), false);
  });

  test('holds messages beyond a gap back until the gap is filled', () => {
    let t = mergeMessages(EMPTY_TIMELINE, [msg(1), msg(4), msg(5)]);
    assert.deepEqual(seqs(t.messages), [1]);
    assert.equal(hasGap(t), true);
    t = mergeMessages(t, [msg(3), msg(2)]);
    assert.deepEqual(seqs(t.messages), [1, 2, 3, 4, 5]);
    assert.equal(hasGap(t), false);
  });

  test('a seeded timeline pages older history downwards and resumes upwards', () => {
    let t = seedTimeline(msg(50), 50);
    assert.equal(hasOlder(t), true);
    t = mergeMessages(t, [47, 48, 49].map(msg));
    t = mergeMessages(t, [msg(51)]);
    assert.deepEqual(seqs(t.messages), [47, 48, 49, 50, 51]);
    assert.equal(t.lo, 47);
    assert.equal(t.hi, 51);
  });

  test('an empty conversation starts at seq 1', () => {
    const t = mergeMessages(seedTimeline(undefined, 0), [msg(1)]);
    assert.deepEqual(seqs(t.messages), [1]);
    assert.equal(hasOlder(t), false);
  });

  test('returns the same object when nothing changes', () => {
    const t = mergeMessages(EMPTY_TIMELINE, [msg(1)]);
    assert.equal(mergeMessages(t, [msg(1)]), t);
  });
});
