import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { directConversationId, LIMITS, newGroupId, type Message } from '../../../src/protocol/index.js';
import type { ChatClient } from '../../../src/state/index.js';
import { waitFor } from '../../node/support/wait.js';
import type { Backend, TestServer } from '../backend.js';
import { clientId, closeAll, TestClient, textOf, uid } from '../client.js';
import { startProxy } from '../proxy.js';
import { realClient } from '../real-client.js';

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

  test('F11b: rate-limit refusals on a link slower than the client\'s pause: nothing lost, doubled or out of order (I5)', { timeout: 60_000 }, async () => {
    // 10 messages a second per person in bursts of 3; every frame takes 200-400 ms each way,
    // longer than the 100 ms the server asks a refused sender to wait. (With bursts of 10 the
    // old outbox passed too: the small burst keeps refusals coming while messages are added.)
    const limited = await backend.start({ limits: { rateBurst: 3, ratePerSecond: 10 } });
    const proxy = await startProxy(`127.0.0.1:${limited.port}`, { delayMs: [200, 400] });
    const clients: ChatClient[] = [];
    let refusals = 0;
    try {
      const [ann, ben, cat] = ['ann', 'ben', 'cat'].map((name) => {
        const user = uid(name);
        const { client, transport } = realClient(user, { host: proxy.host, token: () => limited.issueToken(user) });
        transport.addEventListener('message', (event) => {
          if (String(event.data).includes('"code":"rate_limited"')) refusals += 1;
        });
        clients.push(client);
        return client;
      });
      await waitFor('clients online', () => clients.every((c) => c.$status.get() === 'online'), 10_000);
      const [{ conv }] = await ann.sendPin({ to: [ben.user, cat.user], pin: { url: 'https://example.com/p/11', image: 'https://img.example.com/11.jpg', title: 'Slow link' }, mode: 'group' });
      await waitFor('the group reaches everyone', () => [ben, cat].every((c) => c.$conversations.get()[conv]), 10_000);
      // Faster than the limit but not all at once: while refusals are on their way back the
      // outbox has room in its window and newer messages to send.
      const N = 30;
      const sent = { [ann.user]: [] as string[], [ben.user]: [] as string[] };
      const started = Date.now();
      for (let i = 0; i < N; i++) {
        for (const c of [ann, ben]) {
          sent[c.user].push(`${c.user} ${i}`);
          void c.sendText(conv, `${c.user} ${i}`);
        }
        await new Promise((r) => setTimeout(r, 40));
      }
      await waitFor('every message stored and delivered', () => clients.every((c) => c.timeline(conv).get().hi === 2 * N + 1), 45_000, 20);
      const drained = Date.now() - started;
      const stored = await limited.messages(conv, 0, 1_000);
      const texts = stored.map((m) => (m.body.kind === 'text' ? m.body.text : ''));
      assert.equal(stored.length, 2 * N + 1, 'none lost, none doubled');
      assert.equal(new Set(stored.map((m) => m.id)).size, stored.length);
      for (const user of [ann.user, ben.user]) assert.deepEqual(texts.filter((t) => t.startsWith(`${user} `)), sent[user], `${user}'s order`);
      for (const c of clients) assert.deepEqual(c.timeline(conv).get().messages.map((m) => m.id), stored.map((m) => m.id), `${c.user} sees the stored order`);
      assert.ok(refusals > 0, 'the limit refused some sends');
      console.info(`F11b: ${2 * N} messages from 2 senders at 10/s through 200-400 ms each way; ${refusals} refusals; all stored in order ${drained} ms after the first was queued`);
    } finally {
      clients.forEach((c) => c.destroy());
      await proxy.close();
      await limited.stop();
    }
  });

  test('a server-side heartbeat ends sockets that stop answering pings', { skip: backend.lacks.heartbeat ?? false }, async () => {
    const quick = await backend.start({ heartbeatMs: 250 });
    try {
      const silent = await TestClient.open(quick, uid('s'), { autoPong: false });
      await silent.opened;
      const alive = await TestClient.connect(quick, uid('l'));
      const { code } = await silent.closedWithin();
      assert.equal(code, 1006, 'terminated without a close frame');
      assert.equal(alive.isOpen, true, 'a socket that answers pings stays');
      await alive.close();
    } finally {
      await quick.stop();
    }
  });
}
