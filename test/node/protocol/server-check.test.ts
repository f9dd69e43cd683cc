// The client checks server frames with small hand-written checks
// (src/protocol/server-check.ts) rather than valibot, to keep valibot out of a
// browser bundle. They must agree with ServerFrameSchema, the documented
// schema: the same verdict, the same output (unknown fields left out) and the
// same first issue, on a frame of every type with every optional field and on
// every mutation of each (a field removed, given a value of each JSON type, or
// joined by an unknown field).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as v from 'valibot';
import { ServerFrameSchema, type Conversation, type Message, type ServerFrame } from '../../../src/protocol/index.js';
import { checkServerFrame, SERVER_FRAME_TYPES } from '../../../src/protocol/server-check.js';

const text: Message = { seq: 1, id: 'bob-msg-1', from: 'bob', at: 1_700_000_000_001, body: { kind: 'text', text: 'hi' }, hidden: 'blocked' };
const pin: Message = {
  seq: 2,
  id: 'bob-msg-2',
  from: 'bob',
  at: 1_700_000_000_002,
  body: { kind: 'pin', pin: { url: 'https://e.example/p', image: 'https://e.example/i.jpg', title: 'Lamp', description: 'd', domain: 'e.example' }, note: 'n' },
};
const conversation: Conversation = {
  id: 'g:1',
  kind: 'group',
  members: ['ada', 'bob'],
  title: 'T',
  createdBy: 'bob',
  createdAt: 1,
  lastSeq: 2,
  last: pin,
  unread: 1,
  muted: false,
  reads: { bob: 2, ada: 1 },
};
const user = { id: 'bob', name: 'Bob', avatar: 'https://img.example.com/b.jpg', brand: true };

const FRAMES: ServerFrame[] = [
  { t: 'welcome', v: 1, me: { id: 'ada', name: 'Ada' }, conversations: [conversation], users: [user], blocked: ['cy'] },
  { t: 'conv', conv: conversation, users: [user] },
  { t: 'gone', conv: 'g:1' },
  { t: 'msg', conv: 'g:1', m: text },
  { t: 'deleted', conv: 'g:1', seq: 2, m: { ...pin, hidden: 'deleted' } },
  { t: 'ack', conv: 'g:1', id: 'ada-msg-1', seq: 3, at: 5, dup: true },
  { t: 'history', req: 'r1', conv: 'g:1', messages: [text, pin], hasMore: false },
  { t: 'read', conv: 'g:1', user: 'bob', seq: 1 },
  { t: 'typing', conv: 'g:1', user: 'bob' },
  { t: 'contacts', req: 'r2', users: [user] },
  { t: 'blocked', user: 'bob', blocked: true },
  { t: 'ok', req: 'r3' },
  { t: 'error', code: 'rate_limited', message: 'slow down', req: 'r4', conv: 'g:1', id: 'ada-msg-2', retryAfter: 500 },
  { t: 'pong', n: 1 },
];

const VALUES: unknown[] = ['x', '', 0, -1.5, true, false, null, [], ['x'], {}, { a: 1 }, 'direct', 'text', 'pin', 'deleted', 1, 2];

type Json = Record<string, unknown> | unknown[];

/** Every copy of `value` with one change at one place. */
function* mutations(value: unknown): Generator<unknown> {
  if (typeof value !== 'object' || value === null) return;
  const container = value as Json;
  for (const key of Object.keys(container)) {
    const at = (replacement: unknown, remove = false): Json => {
      if (Array.isArray(container)) {
        const copy = [...container];
        if (remove) copy.splice(Number(key), 1);
        else copy[Number(key)] = replacement;
        return copy;
      }
      const copy: Record<string, unknown> = { ...container };
      if (remove) delete copy[key];
      else copy[key] = replacement;
      return copy;
    };
    yield at(undefined, true);
    for (const replacement of VALUES) yield at(replacement);
    for (const inner of mutations((container as Record<string, unknown>)[key])) yield at(inner);
  }
  if (!Array.isArray(container)) {
    yield { ...container, extra: 1 };
    yield JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(container).slice(1)}`);
  }
}

function agree(value: unknown): void {
  const expected = v.safeParse(ServerFrameSchema, value);
  const actual = checkServerFrame(value);
  const what = JSON.stringify(value).slice(0, 200);
  assert.equal(actual.ok, expected.success, what);
  if (expected.success && actual.ok) {
    assert.equal(JSON.stringify(actual.frame), JSON.stringify(expected.output), what);
    assert.deepEqual(actual.frame, expected.output, what);
  } else if (!expected.success && !actual.ok) {
    const issue = expected.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.');
    assert.equal(actual.message, path ? `${path}: ${issue.message}` : issue.message, what);
  }
}

describe('the client check of server frames', () => {
  test('knows the frame types of ServerFrameSchema', () => {
    assert.deepEqual([...SERVER_FRAME_TYPES].sort(), ServerFrameSchema.options.map((o) => o.entries.t.literal).sort());
    assert.deepEqual([...SERVER_FRAME_TYPES].sort(), FRAMES.map((f) => f.t).sort());
  });

  test('agrees with ServerFrameSchema on a frame of every type and every mutation of each', () => {
    let count = 0;
    for (const frame of FRAMES) {
      agree(frame);
      for (const mutated of mutations(frame)) {
        // JSON is what reaches the check: undefined members are gone.
        agree(JSON.parse(JSON.stringify(mutated)));
        count++;
      }
    }
    assert.ok(count > 3000, `${count} mutations`);
  });
});
