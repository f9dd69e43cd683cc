// Clients check the shape of server frames (types and required fields), not
// their content, which the server enforces. A malformed frame is still refused
// with a code and a message naming the field, and a client ignores it without
// losing anything it had.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { ErrorCode, parseServerFrame, type Conversation, type Message, type ServerFrame } from '../../../src/protocol/index.js';
import { ChatClient, memoryOutboxStorage } from '../../../src/state/index.js';
import { TransportTarget } from '../../../src/transport/base.js';
import { TransportStatus, type Transport } from '../../../src/transport/types.js';
import { waitFor } from '../support/wait.js';

const conv = 'dm:ada:bob';
const message = (seq: number, text: string): Message => ({ seq, id: `bob-msg-${seq}`, from: 'bob', at: 1_700_000_000_000 + seq, body: { kind: 'text', text } });
const conversation: Conversation = {
  id: conv,
  kind: 'direct',
  members: ['ada', 'bob'],
  createdBy: 'bob',
  createdAt: 1_700_000_000_000,
  lastSeq: 1,
  last: message(1, 'hi'),
  unread: 1,
  muted: false,
  reads: { bob: 1 },
};
const welcome: ServerFrame = {
  t: 'welcome',
  v: 1,
  me: { id: 'ada', name: 'Ada Lovelace' },
  conversations: [conversation],
  users: [{ id: 'bob', name: 'Bob Marley', avatar: 'https://img.example.com/bob.jpg' }],
  blocked: [],
};

function refusal(frame: unknown) {
  const result = parseServerFrame(typeof frame === 'string' ? frame : JSON.stringify(frame));
  assert.equal(result.ok, false, `expected ${JSON.stringify(frame)?.slice(0, 80)} to be refused`);
  return result.ok ? undefined! : result;
}

describe('server frames on the client', () => {
  test('every well-formed frame is accepted as sent', () => {
    const frames: ServerFrame[] = [
      welcome,
      { t: 'conv', conv: conversation },
      { t: 'gone', conv },
      { t: 'msg', conv, m: { ...message(2, 'x'), body: { kind: 'pin', pin: { url: 'https://e.example/p', image: 'https://e.example/i.jpg', title: 'Lamp', domain: 'e.example' }, note: 'n' } } },
      { t: 'ack', conv, id: 'ada-msg-1', seq: 3, at: 5, dup: true },
      { t: 'history', req: 'r1', conv, messages: [message(1, 'hi')], hasMore: false },
      { t: 'read', conv, user: 'bob', seq: 1 },
      { t: 'typing', conv, user: 'bob' },
      { t: 'contacts', req: 'r2', users: [{ id: 'cy', name: 'Cy', brand: true }] },
      { t: 'blocked', user: 'bob', blocked: true },
      { t: 'ok', req: 'r3' },
      { t: 'error', code: ErrorCode.RateLimited, message: 'slow down', req: 'r4', conv, id: 'ada-msg-2', retryAfter: 500 },
      { t: 'pong', n: 1 },
    ];
    for (const frame of frames) {
      const result = parseServerFrame(JSON.stringify(frame));
      assert.ok(result.ok, `${frame.t}: ${!result.ok && result.message}`);
      assert.deepEqual(result.frame, frame);
    }
  });

  test('fields a newer server adds are accepted and left out', () => {
    const result = parseServerFrame(JSON.stringify({ t: 'read', conv, user: 'bob', seq: 4, at: 99, device: 'phone' }));
    assert.ok(result.ok);
    assert.deepEqual(result.frame, { t: 'read', conv, user: 'bob', seq: 4 });
  });

  test('malformed frames are refused, each with its code and the field it is about', () => {
    assert.equal(refusal('{"t":"msg",').code, ErrorCode.BadJson);
    assert.equal(refusal({ t: 'shout' }).code, ErrorCode.UnknownType);
    assert.equal(refusal([1, 2]).code, ErrorCode.UnknownType);

    const noBody = refusal({ t: 'msg', conv, m: { seq: 2, id: 'x', from: 'bob', at: 1 } });
    assert.equal(noBody.code, ErrorCode.BadFrame);
    assert.match(noBody.message, /^m\.body: /);
    assert.deepEqual(noBody.ref, { conv });

    const seqAsText = refusal({ t: 'ack', conv, id: 'ada-msg-1', seq: '3', at: 5 });
    assert.equal(seqAsText.code, ErrorCode.BadFrame);
    assert.match(seqAsText.message, /^seq: .*number/);
    assert.deepEqual(seqAsText.ref, { conv, id: 'ada-msg-1' });

    assert.match(refusal({ ...welcome, v: 2 }).message, /^v: /);
    assert.match(refusal({ t: 'msg', conv, m: { ...message(2, 'x'), body: { kind: 'video', url: 'x' } } }).message, /^m\.body\.kind: /);
    assert.match(refusal({ t: 'conv', conv: { ...conversation, kind: 'channel' } }).message, /^conv\.kind: /);
    assert.match(refusal({ t: 'conv', conv: { ...conversation, reads: { bob: 'one' } } }).message, /^conv\.reads\.bob: /);
    assert.match(refusal({ t: 'contacts', users: [{ id: 'cy' }] }).message, /^users\.0\.name: /);
    assert.match(refusal({ t: 'history', conv, messages: {}, hasMore: false }).message, /^messages: /);
    assert.match(refusal({ t: 'ok' }).message, /^req: /);
  });
});

/** A transport the test drives by hand: it opens when told and delivers the frames it is given. */
class ScriptedTransport extends TransportTarget implements Transport {
  readonly sent: string[] = [];
  connect(): void {
    this.setStatus(TransportStatus.Connecting);
  }
  open(): void {
    this.setStatus(TransportStatus.Open);
    this.dispatchEvent(new Event('open'));
  }
  deliver(frame: unknown): void {
    this.emitMessage(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
  send(frame: string): boolean {
    this.sent.push(frame);
    return this.status === TransportStatus.Open;
  }
  close(): void {
    this.setStatus(TransportStatus.Idle);
  }
  reconnect(): void {}
}

describe('a client given a malformed server frame', () => {
  let client: ChatClient | undefined;
  afterEach(() => client?.destroy());

  test('warns, ignores it, and keeps everything it had; later frames still apply', async (t) => {
    const warn = t.mock.method(console, 'warn', () => undefined);
    const transport = new ScriptedTransport();
    client = new ChatClient({ user: 'ada', transport, outboxStorage: memoryOutboxStorage(), headsStorage: null });
    client.start();
    transport.open();
    transport.deliver(welcome);
    await waitFor('online', () => client!.$status.get() === 'online');
    const before = client.timeline(conv).get().messages.map((m) => m.seq);

    transport.deliver({ t: 'msg', conv, m: { ...message(2, 'lost?'), seq: 'two' } });
    transport.deliver('not json');
    transport.deliver({ t: 'conv', conv: { ...conversation, members: 'ada,bob' } });

    assert.equal(warn.mock.callCount(), 3);
    assert.match(String(warn.mock.calls[0].arguments[0]), /ignored a server frame \(bad_frame: m\.seq: /);
    assert.match(String(warn.mock.calls[1].arguments[0]), /\(bad_json: /);
    assert.deepEqual(client.timeline(conv).get().messages.map((m) => m.seq), before);
    assert.deepEqual(client.$conversations.get()[conv].members, ['ada', 'bob']);
    assert.equal(client.$status.get(), 'online');

    transport.deliver({ t: 'msg', conv, m: message(2, 'still here') });
    const texts = client.timeline(conv).get().messages.map((m) => (m.body.kind === 'text' ? m.body.text : ''));
    assert.deepEqual(texts, ['hi', 'still here']);
  });
});
