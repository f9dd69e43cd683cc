import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { directConversationId, LIMITS, newGroupId, type Message } from '../../../src/protocol/index.js';
import type { Backend, TestServer } from '../backend.js';
import { clientId, closeAll, TestClient, textOf, uid } from '../client.js';

/** Idempotent sends (I3), resume from cursors, replayed acks, restarts, server heartbeat. */
export function reliabilitySuite(backend: Backend): void {
  let server: TestServer;
  before(async () => {
    server = await backend.start({ limits: { rateBurst: 2000, ratePerSecond: 2000, frameBurst: 2000 } });
  });
  after(() => server.stop());

  async function pair(on = server): Promise<[TestClient, TestClient, string]> {
    const a = await TestClient.connect(on, uid('a'));
    const b = await TestClient.connect(on, uid('b'));
    return [a, b, directConversationId(a.user, b.user)];
  }

  test('the same send twice is stored once; the resend is acked with the original seq (I3)', async () => {
    const [a, b, conv] = await pair();
    await a.sendText(conv, 'first', { to: [b.user] });
    const frame = { t: 'send', conv, id: clientId(), body: { kind: 'text', text: 'only once' } };
    a.send(frame);
    const first = await a.next('ack', (f) => f.id === frame.id);
    a.send(frame);
    const second = await a.next('ack', (f) => f.id === frame.id);
    assert.equal(first.dup, undefined);
    assert.deepEqual(second, { ...first, dup: true });

    // A resend from another tab (a deposed leader) is a duplicate too.
    const otherTab = await TestClient.connect(server, a.user);
    otherTab.send(frame);
    assert.equal((await otherTab.next('ack', (f) => f.id === frame.id)).seq, first.seq);

    const copies = await b.untaken((f) => f.t === 'msg' && f.m.id === frame.id);
    assert.equal(copies.length, 1, 'the recipient sees it once');
    const page = await b.history(conv);
    assert.deepEqual(page.t === 'history' && page.messages.map((m) => m.seq), [1, 2]);
    await closeAll(a, b, otherTab);
  });

  test('a client resuming with cursors gets what it missed, in order, and pages past the resume limit', async () => {
    const [a, b, conv] = await pair();
    const group = newGroupId();
    await a.sendText(conv, 'seen', { to: [b.user] });
    await a.sendText(group, 'seen too', { to: [b.user] });
    await b.close();

    for (let i = 0; i < 3; i++) await a.sendText(conv, `missed ${i}`);
    const burst = LIMITS.resumePage + 5;
    for (let i = 0; i < burst; i++) a.send({ t: 'send', conv: group, id: clientId(), body: { kind: 'text', text: `g${i}` } });
    await a.next('ack', (f) => f.conv === group && f.seq === burst + 1, 10_000);

    const back = await TestClient.connect(server, b.user, { cursors: { [conv]: 1, [group]: 1 } });
    const direct = await back.next('history', (f) => f.conv === conv);
    assert.deepEqual(direct.messages.map((m) => [m.seq, textOf({ t: 'msg', conv, m })]), [
      [2, 'missed 0'],
      [3, 'missed 1'],
      [4, 'missed 2'],
    ]);
    assert.equal(direct.hasMore, false);
    const first = await back.next('history', (f) => f.conv === group);
    assert.equal(first.messages.length, LIMITS.resumePage);
    assert.equal(first.messages[0].seq, 2);
    assert.equal(first.hasMore, true);
    const rest = await back.history(group, { after: first.messages.at(-1)!.seq });
    assert.equal(rest.t === 'history' && rest.messages.at(-1)?.seq, burst + 1);
    assert.equal(rest.t === 'history' && rest.hasMore, false);
    await closeAll(a, back);
  });

  test('pending sends named in hello are acknowledged again when they were stored', async () => {
    const [a, b, conv] = await pair();
    const stored = clientId();
    a.send({ t: 'send', conv, id: stored, to: [b.user], body: { kind: 'text', text: 'ack lost' } });
    const original = await a.next('ack', (f) => f.id === stored);
    await a.close();

    const neverSent = clientId();
    const back = await TestClient.connect(server, a.user, {
      pending: [
        { conv, id: stored },
        { conv, id: neverSent },
      ],
    });
    assert.deepEqual(await back.next('ack'), { ...original, dup: true });
    assert.deepEqual(await back.untaken((f) => f.t === 'ack' || f.t === 'error'), [], 'nothing about the unsent one');
    await closeAll(back, b);
  });

  test('a restarted server loses nothing and continues the sequence without gaps', async () => {
    const first = await backend.start();
    try {
      const [a, b, conv] = await pair(first);
      const group = newGroupId();
      await a.sendText(conv, 'one', { to: [b.user] });
      await b.sendText(conv, 'two');
      await a.sendText(group, 'group one', { to: [b.user] });
      b.send({ t: 'read', conv, seq: 2 });
      await a.next('read');

      const closedA = a.closed;
      await first.shutdown();
      const { code } = await closedA;
      if (!backend.lacks.goingAway) assert.equal(code, 1001, 'clients are told the server is going away');

      await first.startAgain();
      const a2 = await TestClient.connect(first, a.user);
      const b2 = await TestClient.connect(first, b.user, { cursors: { [conv]: 1 } });
      assert.equal(textOf({ t: 'msg', conv, m: (await b2.next('history')).messages[0] }), 'two');
      const welcome = a2.frames.find((f) => f.t === 'welcome');
      assert.deepEqual(
        welcome?.t === 'welcome' && welcome.conversations.map((c) => [c.id, c.lastSeq]).sort(),
        [
          [conv, 2],
          [group, 1],
        ].sort(),
      );
      assert.equal(welcome?.t === 'welcome' && welcome.conversations.find((c) => c.id === conv)?.reads[b.user], 2);
      const three = await a2.sendText(conv, 'three');
      assert.equal(three.t === 'ack' && three.seq, 3);
      await b2.next('msg', (f) => f.m.seq === 3);
      const resent = await b2.sendText(group, 'group two');
      assert.equal(resent.t === 'ack' && resent.seq, 2);
      const page = await a2.history(conv);
      const messages: Message[] = page.t === 'history' ? page.messages : [];
      assert.deepEqual(
        messages.map((m) => [m.seq, m.from]),
        [
          [1, a.user],
          [2, b.user],
          [3, a.user],
        ],
      );
      await closeAll(a2, b2);
    } finally {
      await first.stop();
    }
  });

  test('a server-side heartbeat ends sockets that stop answering pings', { skip: backend.lacks.heartbeat ?? false }, async () => {
    const quick = await backend.start({ heartbeatMs: 250 });
    try {
      const silent = await TestClient.open(quick, uid('s'), { autoPong: false });
      await silent.opened;
      const alive = await TestClient.connect(quick, uid('l'));
      const { code } = await silent.closed;
      assert.equal(code, 1006, 'terminated without a close frame');
      assert.equal(alive.isOpen, true, 'a socket that answers pings stays');
      await alive.close();
    } finally {
      await quick.stop();
    }
  });
}
