import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { directConversationId, newGroupId, type ServerFrameOf } from '../../../src/protocol/index.js';
import type { Backend, TestServer } from '../backend.js';
import { clientId, closeAll, TestClient, textOf, uid } from '../client.js';

/** Conversations over real sockets: direct and group, history, reads, typing, leave, mute, block, report, contacts, policy. */
export function messagingSuite(backend: Backend): void {
  let server: TestServer;
  before(async () => {
    server = await backend.start({ limits: { rateBurst: 1000, ratePerSecond: 1000 } });
  });
  after(() => server.stop());

  const pinBody = {
    kind: 'pin',
    pin: { url: 'https://shop.example/lamp?ref=1', image: 'https://img.example/lamp.jpg', title: 'Paper lamp', domain: 'trusted.example' },
    note: 'for the hallway?',
  };

  /** Two connected people and their direct conversation id. */
  async function pair(): Promise<[TestClient, TestClient, string]> {
    const a = await TestClient.connect(server, uid('a'));
    const b = await TestClient.connect(server, uid('b'));
    return [a, b, directConversationId(a.user, b.user)];
  }

  test('two people exchange text and pins; every other tab of the sender gets the message too', async () => {
    const [a, b, conv] = await pair();
    const aTab2 = await TestClient.connect(server, a.user);

    const ack = await a.sendText(conv, 'hello there', { to: [b.user] });
    assert.equal(ack.t, 'ack');
    assert.equal((ack as ServerFrameOf<'ack'>).seq, 1);
    const created = await b.next('conv');
    assert.deepEqual(created.conv.members, [a.user, b.user]);
    assert.equal(created.conv.kind, 'direct');
    assert.deepEqual(created.users?.map((u) => u.id).sort(), [a.user, b.user].sort());
    const received = await b.next('msg');
    assert.ok(b.frames.indexOf(created) < b.frames.indexOf(received), 'conv arrives before the first message');
    assert.equal(textOf(received), 'hello there');
    assert.equal(received.m.from, a.user);
    assert.equal(textOf(await aTab2.next('msg')), 'hello there');

    const id = clientId();
    b.send({ t: 'send', conv, id, body: pinBody });
    assert.equal((await b.next('ack', (f) => f.id === id)).seq, 2);
    const pin = await a.next('msg', (f) => f.m.seq === 2);
    assert.deepEqual(pin.m.body, {
      kind: 'pin',
      pin: { url: 'https://shop.example/lamp?ref=1', image: 'https://img.example/lamp.jpg', title: 'Paper lamp', domain: 'shop.example' },
      note: 'for the hallway?',
    });
    assert.deepEqual(await a.untaken((f) => f.t === 'msg' && f.m.seq === 1), [], 'the sending socket gets an ack, not a copy');
    await closeAll(a, aTab2, b);
  });

  test('a group of three: everyone learns the group, then gets each message once', async () => {
    const a = await TestClient.connect(server, uid('a'), { name: 'Ana' });
    const b = await TestClient.connect(server, uid('b'));
    const c = await TestClient.connect(server, uid('c'));
    const conv = newGroupId();
    await a.sendText(conv, 'trip plans', { to: [b.user, c.user], title: '  Lisbon trip ' });
    for (const member of [b, c]) {
      const { conv: view, users } = await member.next('conv');
      assert.deepEqual(view.members, [a.user, b.user, c.user]);
      assert.equal(view.title, 'Lisbon trip');
      assert.equal(users?.find((u) => u.id === a.user)?.name, 'Ana');
      assert.equal(textOf(await member.next('msg')), 'trip plans');
    }
    const ack = await c.sendText(conv, 'count me in');
    assert.equal((ack as ServerFrameOf<'ack'>).seq, 2);
    assert.equal(textOf(await a.next('msg')), 'count me in');
    assert.equal(textOf(await b.next('msg', (f) => f.m.seq === 2)), 'count me in');
    await closeAll(a, b, c);
  });

  test('history pages backwards from the newest and forwards from a cursor', async () => {
    const [a, b, conv] = await pair();
    await a.sendText(conv, 'm1', { to: [b.user] });
    for (let i = 2; i <= 25; i++) a.send({ t: 'send', conv, id: clientId(), body: { kind: 'text', text: `m${i}` } });
    await a.next('ack', (f) => f.seq === 25);
    const seqs = (page: Awaited<ReturnType<TestClient['history']>>) => {
      assert.equal(page.t, 'history');
      return { seqs: page.messages.map((m) => m.seq), hasMore: page.hasMore };
    };
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    assert.deepEqual(seqs(await b.history(conv, { limit: 10 })), { seqs: range(16, 25), hasMore: true });
    assert.deepEqual(seqs(await b.history(conv, { before: 16, limit: 10 })), { seqs: range(6, 15), hasMore: true });
    assert.deepEqual(seqs(await b.history(conv, { before: 6, limit: 10 })), { seqs: range(1, 5), hasMore: false });
    assert.deepEqual(seqs(await b.history(conv, { after: 0, limit: 10 })), { seqs: range(1, 10), hasMore: true });
    assert.deepEqual(seqs(await b.history(conv, { after: 20 })), { seqs: range(21, 25), hasMore: false });
    const page = await b.history(conv, { after: 20, limit: 1 });
    assert.equal(page.t === 'history' && textOf({ t: 'msg', conv, m: page.messages[0] }), 'm21');
    const both = await b.history(conv, { after: 1, before: 5 });
    assert.equal(both.t === 'error' && both.code, 'bad_frame');
    await closeAll(a, b);
  });

  test('read markers reach the other members and the reader’s other tabs, and never go down', async () => {
    const [a, b, conv] = await pair();
    const bTab2 = await TestClient.connect(server, b.user);
    await a.sendText(conv, 'one', { to: [b.user] });
    await a.sendText(conv, 'two');
    await a.sendText(conv, 'three');
    b.send({ t: 'read', conv, seq: 2 });
    assert.deepEqual(await a.next('read'), { t: 'read', conv, user: b.user, seq: 2 });
    assert.equal((await bTab2.next('read')).seq, 2);
    b.send({ t: 'read', conv, seq: 1 });
    assert.deepEqual(await a.untaken((f) => f.t === 'read'), [], 'a lower marker is not broadcast');
    b.send({ t: 'read', conv, seq: 4 });
    assert.equal((await b.next('error')).code, 'bad_frame', 'a marker beyond the newest message is refused');

    const again = await TestClient.connect(server, a.user);
    const welcome = again.frames.find((f) => f.t === 'welcome') as ServerFrameOf<'welcome'>;
    assert.deepEqual(welcome.conversations.find((c) => c.id === conv)?.reads, { [b.user]: 2 });
    await closeAll(a, b, bTab2, again);
  });

  test('typing reaches the other members, at most once per interval', async () => {
    const [a, b, conv] = await pair();
    await a.sendText(conv, 'hi', { to: [b.user] });
    a.send({ t: 'typing', conv });
    assert.deepEqual(await b.next('typing'), { t: 'typing', conv, user: a.user });
    a.send({ t: 'typing', conv });
    assert.deepEqual(await b.untaken((f) => f.t === 'typing'), [], 'throttled');
    assert.deepEqual(await a.untaken((f) => f.t === 'typing', 0), [], 'nobody hears their own typing');
    await closeAll(a, b);
  });

  test('welcome carries unread counts, the last message and the people involved', async () => {
    const [a, b, conv] = await pair();
    await b.close();
    await a.sendText(conv, 'are you there?', { to: [b.user] });
    await a.sendText(conv, 'lamp', {});
    await a.sendText(conv, 'ping me');
    const back = await TestClient.connect(server, b.user);
    const welcome = back.frames.find((f) => f.t === 'welcome') as ServerFrameOf<'welcome'>;
    assert.equal(welcome.me.id, b.user);
    const view = welcome.conversations.find((c) => c.id === conv);
    assert.equal(view?.unread, 3);
    assert.equal(view?.lastSeq, 3);
    assert.equal(view?.last?.body.kind === 'text' && view.last.body.text, 'ping me');
    assert.deepEqual(welcome.users.map((u) => u.id).sort(), [a.user, b.user].sort());
    back.send({ t: 'read', conv, seq: 3 });
    await a.next('read');
    const later = await TestClient.connect(server, b.user);
    const after = later.frames.find((f) => f.t === 'welcome') as ServerFrameOf<'welcome'>;
    assert.equal(after.conversations.find((c) => c.id === conv)?.unread, 0);
    await closeAll(a, back, later);
  });

  test('a member who leaves gets nothing more and cannot send or read (B8)', async () => {
    const a = await TestClient.connect(server, uid('a'));
    const b = await TestClient.connect(server, uid('b'));
    const c = await TestClient.connect(server, uid('c'));
    const cTab2 = await TestClient.connect(server, c.user);
    const conv = newGroupId();
    await a.sendText(conv, 'welcome all', { to: [b.user, c.user] });
    await c.next('msg');

    assert.equal((await c.request({ t: 'leave', conv })).t, 'ok');
    assert.deepEqual(await c.next('gone'), { t: 'gone', conv });
    assert.deepEqual(await cTab2.next('gone'), { t: 'gone', conv });
    assert.deepEqual((await a.next('conv', (f) => f.conv.members.length === 2)).conv.members, [a.user, b.user]);

    await a.sendText(conv, 'after c left');
    assert.equal(textOf(await b.next('msg', (f) => f.m.seq === 2)), 'after c left');
    const leaked = [...(await c.untaken((f) => f.t === 'msg', 1000)), ...(await cTab2.untaken((f) => f.t === 'msg', 0))];
    assert.deepEqual(leaked.filter((f) => f.t === 'msg' && f.m.seq === 2), [], 'nothing within 1 s');
    const refused = await c.sendText(conv, 'let me back in');
    assert.equal(refused.t === 'error' && refused.code, 'not_member');
    const history = await c.history(conv);
    assert.equal(history.t === 'error' && history.code, 'not_member');
    const welcome = await c.hello({ [conv]: 1 });
    assert.equal(welcome.conversations.some((v) => v.id === conv), false);
    assert.deepEqual(await c.next('gone'), { t: 'gone', conv }, 'a cursor for a left conversation is answered with gone');
    const stored = await a.history(conv);
    assert.deepEqual(stored.t === 'history' && stored.messages.map((m) => m.seq), [1, 2], 'the refused send stored nothing');
    await closeAll(a, b, c, cTab2);
  });

  test('a person who left a direct conversation comes back when either of the two writes again', async () => {
    const [a, b, conv] = await pair();
    await a.sendText(conv, 'first', { to: [b.user] });
    await b.request({ t: 'leave', conv });
    await b.next('gone');
    await a.sendText(conv, 'still there?');
    const restored = await b.next('conv', (f) => f.conv.members.includes(b.user));
    assert.deepEqual(restored.conv.members, [a.user, b.user]);
    assert.equal(textOf(await b.next('msg', (f) => f.m.seq === 2)), 'still there?');
    await closeAll(a, b);
  });

  test('mute is per person, reaches all their tabs, and does not stop delivery', async () => {
    const [a, b, conv] = await pair();
    const bTab2 = await TestClient.connect(server, b.user);
    await a.sendText(conv, 'hi', { to: [b.user] });
    assert.equal((await b.request({ t: 'mute', conv, muted: true })).t, 'ok');
    assert.equal((await bTab2.next('conv', (f) => f.conv.muted)).conv.id, conv);
    await a.sendText(conv, 'still delivered');
    assert.equal(textOf(await b.next('msg', (f) => f.m.seq === 2)), 'still delivered');
    const bWelcome = await b.hello();
    assert.equal(bWelcome.conversations.find((c) => c.id === conv)?.muted, true);
    const aWelcome = await a.hello();
    assert.equal(aWelcome.conversations.find((c) => c.id === conv)?.muted, false);
    await closeAll(a, b, bTab2);
  });

  test('blocking stops messages both ways until unblocked, and is listed in welcome', async () => {
    const [a, b, conv] = await pair();
    await a.sendText(conv, 'hi', { to: [b.user] });
    assert.equal((await b.request({ t: 'block', user: a.user, blocked: true })).t, 'ok');
    assert.deepEqual(await b.next('blocked'), { t: 'blocked', user: a.user, blocked: true });
    const fromA = await a.sendText(conv, 'why no answer');
    assert.equal(fromA.t === 'error' && fromA.code, 'blocked');
    const fromB = await b.sendText(conv, 'bye');
    assert.equal(fromB.t === 'error' && fromB.code, 'blocked');
    const fresh = await a.sendText(directConversationId(a.user, b.user), 'new thread', { to: [b.user] });
    assert.equal(fresh.t === 'error' && fresh.code, 'blocked');
    const welcome = await b.hello();
    assert.deepEqual(welcome.blocked, [a.user]);
    assert.ok(welcome.users.some((u) => u.id === a.user), 'the blocked profile is known, to show an unblock button');
    const history = await b.history(conv);
    assert.deepEqual(history.t === 'history' && history.messages.map((m) => m.seq), [1]);

    await b.request({ t: 'block', user: a.user, blocked: false });
    const ok = await a.sendText(conv, 'friends again?');
    assert.equal(ok.t === 'ack' && ok.seq, 2);
    await closeAll(a, b);
  });

  test('reports are stored for a message the reporter can see', async () => {
    const [a, b, conv] = await pair();
    const outsider = await TestClient.connect(server, uid('x'));
    await a.sendText(conv, 'buy followers now', { to: [b.user] });
    assert.equal((await b.request({ t: 'report', conv, seq: 1, reason: 'spam' })).t, 'ok');
    assert.ok((await server.reports(conv)).some((r) => r.conv === conv && r.seq === 1 && r.reporter === b.user && r.reason === 'spam'));
    const missing = await b.request({ t: 'report', conv, seq: 9 });
    assert.equal(missing.t === 'error' && missing.code, 'not_found');
    const foreign = await outsider.request({ t: 'report', conv, seq: 1 });
    assert.equal(foreign.t === 'error' && foreign.code, 'not_member');
    await closeAll(a, b, outsider);
  });

  test('contacts search finds people by name or id, never the searcher or people they blocked', async () => {
    const tag = uid('zq').replace('-', '');
    const me = await TestClient.connect(server, `${tag}-me`, { name: `Searcher ${tag}` });
    const friend = await TestClient.connect(server, `${tag}-friend`, { name: 'Rosa Lind' });
    const blocked = await TestClient.connect(server, `${tag}-blocked`, { name: 'Rosa Blocked' });
    await me.request({ t: 'block', user: blocked.user, blocked: true });
    const byId = await me.request({ t: 'contacts', q: tag });
    assert.deepEqual(byId.t === 'contacts' && byId.users.map((u) => u.id), [friend.user]);
    const byName = await me.request({ t: 'contacts', q: 'rosa lind' });
    assert.ok(byName.t === 'contacts' && byName.users.some((u) => u.id === friend.user));
    await closeAll(me, friend, blocked);
  });

  test('mutual-follow policy: a brand cannot message a fan it does not follow back', async () => {
    const strict = await backend.start({ policy: 'mutual-follow' });
    try {
      const brand = await TestClient.connect(strict, uid('brand'), { name: 'Loom Studio', brand: true });
      const fan = await TestClient.connect(strict, uid('fan'));
      const conv = directConversationId(brand.user, fan.user);
      await strict.setFollow(fan.user, brand.user, true);

      const refused = await brand.sendText(conv, '50% off for you!', { to: [fan.user] });
      assert.equal(refused.t === 'error' && refused.code, 'forbidden');
      const search = await brand.request({ t: 'contacts', q: fan.user });
      assert.deepEqual(search.t === 'contacts' && search.users, []);
      assert.equal((await fan.hello()).conversations.length, 0, 'no conversation was created');

      await strict.setFollow(brand.user, fan.user, true);
      const allowed = await brand.sendText(conv, 'thanks for following', { to: [fan.user] });
      assert.equal(allowed.t, 'ack');
      await strict.setFollow(brand.user, fan.user, false);
      const afterUnfollow = await fan.sendText(conv, 'hello?');
      assert.equal(afterUnfollow.t === 'error' && afterUnfollow.code, 'forbidden', 'checked on every direct send');
      await closeAll(brand, fan);
    } finally {
      await strict.stop();
    }
  });
}
