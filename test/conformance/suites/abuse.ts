import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { directConversationId, LIMITS, newGroupId } from '../../../src/protocol/index.js';
import { SECRET, type Backend, type TestServer } from '../backend.js';
import { clientId, closeAll, TestClient, uid } from '../client.js';

const text = (t: string) => ({ kind: 'text', text: t });

/**
 * What a stranger or a signed-in abuser can send (B12-B16): frames built to
 * exhaust a parser, floods of refused requests, replays, conversations made in
 * bulk, groups with blocked pairs, pins at private addresses, tokens that live
 * too long. Each is refused with its own code, costs the sender's budgets, and
 * leaves the server serving everyone else.
 */
export function abuseSuite(backend: Backend): void {
  let server: TestServer;
  before(async () => {
    server = await backend.start({
      limits: {
        rateBurst: 5,
        ratePerSecond: 1,
        refusalThreshold: 12,
        createBurst: 3,
        createPerMinute: 6,
        replayBurst: 4,
        replayPerSecond: 1,
      },
    });
  });
  after(() => server.stop());

  async function alive(client: TestClient): Promise<void> {
    client.send({ t: 'ping', n: 7 });
    assert.equal((await client.next('pong', (f) => f.n === 7)).n, 7, 'the socket still answers');
  }

  test('deep nesting, huge arrays and binary junk are refused as too_complex or bad_json before parsing (B12)', async () => {
    const a = await TestClient.connect(server, uid('a'));
    const deep = `{"t":"send","conv":"g:abcdefgh","id":"abcdefgh","body":${'['.repeat(4000)}${']'.repeat(4000)}}`;
    assert.ok(deep.length < 10_000);
    a.send(deep);
    assert.equal((await a.next('error')).code, 'too_complex');
    a.send(`{"t":"hello","v":1,"pending":[${Array(LIMITS.frameItems + 1).fill('0').join(',')}]}`);
    assert.equal((await a.next('error')).code, 'too_complex');
    a.ws.send(Buffer.from([0xff, 0xfe, 0x80, 0x7b, 0x22]));
    assert.equal((await a.next('error')).code, 'bad_json');
    await alive(a);
    await a.close();
  });

  test('refused sends spend the send budget, and a socket that keeps being refused is closed with 4008 (B14)', async () => {
    const a = await TestClient.connect(server, uid('a'));
    const b = await TestClient.connect(server, uid('b'));
    const conv = directConversationId(a.user, b.user);
    assert.equal((await a.sendText(conv, 'hi', { to: [b.user] })).t, 'ack');
    const mallory = await TestClient.connect(server, uid('m'));
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const reply = await mallory.sendText(conv, 'let me in');
      codes.push(reply.t === 'error' ? reply.code : reply.t);
    }
    assert.deepEqual(codes, ['not_member', 'not_member', 'not_member', 'not_member', 'not_member', 'rate_limited']);
    // Refusals of any kind, in a row, end in an abuse close; a legitimate client never sends so many.
    for (let i = 0; i < 12; i++) mallory.send({ t: 'read', conv, seq: 1 });
    assert.equal((await mallory.closedWithin()).code, 4008);
    await alive(a);
    await closeAll(a, b);
  });

  test('a person may create only so many conversations at once; refused creations store nothing (B14)', async () => {
    const a = await TestClient.connect(server, uid('a'));
    const others = await Promise.all([1, 2, 3, 4].map((i) => TestClient.connect(server, uid(`p${i}`))));
    const replies = [];
    for (const other of others) {
      replies.push(await a.sendText(directConversationId(a.user, other.user), 'hello', { to: [other.user] }));
    }
    assert.deepEqual(
      replies.map((r) => r.t === 'error' ? r.code : r.t),
      ['ack', 'ack', 'ack', 'rate_limited'],
    );
    const refused = replies[3];
    assert.ok(refused.t === 'error' && (refused.retryAfter ?? 0) > 0, 'the refusal says when to try again');
    const last = others[3];
    const again = await TestClient.open(server, last.user);
    await again.opened;
    const welcome = await again.hello();
    assert.deepEqual(welcome.conversations, [], 'the refused conversation does not exist for its recipient');
    await closeAll(a, again, ...others);
  });

  test('a group in which two people blocked each other cannot be created (blocked)', async () => {
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((p) => TestClient.connect(server, uid(p))));
    assert.equal((await b.request({ t: 'block', user: c.user, blocked: true })).t, 'ok');
    const conv = newGroupId();
    const refused = await a.sendText(conv, 'all of us', { to: [b.user, c.user] });
    assert.equal(refused.t === 'error' && refused.code, 'blocked');
    assert.equal(refused.t === 'error' && /cannot be in one conversation/.test(refused.message), true);
    assert.deepEqual(await c.untaken((f) => f.t === 'conv' || f.t === 'msg', 200), [], 'nothing reached the others');
    await closeAll(a, b, c);
  });

  test('in an existing group, a blocker gets the blocked person\'s messages as placeholders with the same seq', async () => {
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((p) => TestClient.connect(server, uid(p))));
    const conv = newGroupId();
    assert.equal((await a.sendText(conv, 'welcome all', { to: [b.user, c.user] })).t, 'ack');
    assert.equal((await a.request({ t: 'block', user: b.user, blocked: true })).t, 'ok');
    const sent = await b.sendText(conv, 'secret words');
    assert.equal(sent.t, 'ack');
    const seq = sent.t === 'ack' ? sent.seq : 0;
    const toA = await a.next('msg', (f) => f.m.seq === seq);
    assert.equal(toA.m.hidden, 'blocked');
    assert.equal(toA.m.from, b.user);
    assert.deepEqual(toA.m.body, { kind: 'text', text: '' });
    const toC = await c.next('msg', (f) => f.m.seq === seq);
    assert.equal(toC.m.hidden, undefined);
    assert.deepEqual(toC.m.body, text('secret words'), 'the others get it as it is');
    const page = await a.history(conv);
    assert.ok(page.t === 'history');
    assert.deepEqual(page.messages.map((m) => [m.seq, m.hidden ?? null]), [[1, null], [seq, 'blocked']], 'one gapless log');
    assert.ok(!JSON.stringify(page).includes('secret words'));
    const again = await TestClient.open(server, a.user);
    await again.opened;
    const welcome = await again.hello();
    const listed = welcome.conversations.find((v) => v.id === conv);
    assert.equal(listed?.last?.hidden, 'blocked', 'the list shows no preview of it either');
    await closeAll(a, b, c, again);
  });

  test('pins at loopback, private, link-local or localhost addresses are refused with unsafe_url (B15)', async () => {
    const a = await TestClient.connect(server, uid('a'));
    const b = await TestClient.connect(server, uid('b'));
    const conv = directConversationId(a.user, b.user);
    assert.equal((await a.sendText(conv, 'hi', { to: [b.user] })).t, 'ack');
    const hosts = ['127.0.0.1', '169.254.169.254', 'localhost:8080', '[::1]', '10.1.2.3', '192.168.0.1', '0x7f.1', 'printer.local'];
    for (const [i, host] of hosts.entries()) {
      const image = i % 2 ? `http://${host}/latest/meta-data` : 'https://img.example/i.jpg';
      const url = i % 2 ? 'https://shop.example/p' : `http://${host}/admin`;
      const id = clientId();
      a.send({ t: 'send', conv, id, body: { kind: 'pin', pin: { url, image, title: 'A pin' } } });
      const reply = await a.next((f) => (f.t === 'ack' || f.t === 'error') && f.id === id);
      assert.equal(reply.t === 'error' && reply.code, 'unsafe_url', host);
      await new Promise((resolve) => setTimeout(resolve, i < 3 ? 0 : 1000)); // within the send budget
    }
    const page = await b.history(conv);
    assert.equal(page.t === 'history' && page.messages.length, 1, 'none was stored');
    await closeAll(a, b);
  });

  test('catch-up is paced: a hello beyond the replay budget leaves the rest to paging, and history pages wait their turn (B14)', async () => {
    const a = await TestClient.connect(server, uid('a'));
    const senders = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => TestClient.connect(server, uid(`s${i}`))));
    const convs: string[] = [];
    for (const s of senders) {
      const conv = directConversationId(a.user, s.user);
      assert.equal((await s.sendText(conv, `from ${s.user}`, { to: [a.user] })).t, 'ack');
      convs.push(conv);
    }
    await a.close();
    const back = await TestClient.open(server, a.user);
    await back.opened;
    await back.hello(Object.fromEntries(convs.map((c) => [c, 0])));
    const pages = await Promise.all(convs.map((conv) => back.next('history', (f) => f.conv === conv)));
    const full = pages.filter((p) => p.messages.length === 1 && !p.hasMore);
    const deferred = pages.filter((p) => p.messages.length === 0 && p.hasMore);
    assert.equal(full.length + deferred.length, convs.length, 'every stale cursor is answered');
    assert.ok(full.length >= 1 && deferred.length >= 1, `${full.length} replayed, ${deferred.length} left to paging`);
    const limited = await back.history(deferred[0].conv, { after: 0 });
    assert.equal(limited.t === 'error' && limited.code, 'rate_limited');
    const wait = limited.t === 'error' ? limited.retryAfter ?? 0 : 0;
    assert.ok(wait > 0 && wait <= 5000, `retryAfter ${wait}`);
    await new Promise((resolve) => setTimeout(resolve, wait + 50));
    const paged = await back.history(deferred[0].conv, { after: 0 });
    assert.equal(paged.t === 'history' && paged.messages.length, 1, 'after the wait the page comes');
    await closeAll(back, ...senders);
  });

  test('a hello repeated on one socket is paid for from the replay budget, and refused beyond it (B14)', async () => {
    const a = await TestClient.connect(server, uid('a'));
    const cursors = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`g:stale${String(i).padStart(6, '0')}`, 0]));
    for (let i = 0; i < 6; i++) a.send({ t: 'hello', v: 1, cursors });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await a.next((f) => f.t === 'welcome' || (f.t === 'error' && /hello/.test(f.message))));
    const refused = answers.filter((f) => f.t === 'error');
    assert.ok(refused.length >= 3, `${refused.length} of 6 refused`);
    assert.ok(refused.every((f) => f.t === 'error' && f.code === 'rate_limited' && (f.retryAfter ?? 0) > 0));
    await alive(a);
    await a.close();
  });

  test('cursors for conversations one is not in are told gone only as far as the replay budget pays (B14)', async () => {
    const stale = (n: number, tag: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`g:${tag}${String(i).padStart(5, '0')}`, 0]));
    // A few: told gone, one by one (the welcome plus one unit of budget).
    const few = await TestClient.open(server, uid('a'));
    await few.opened;
    await few.hello(stale(3, 'few'));
    await alive(few);
    assert.equal((await few.untaken((f) => f.t === 'gone', 100)).length, 3, 'each stale cursor is told gone');
    // Many: more than the budget can pay, so the welcome alone says it (it lists every conversation one is in).
    const many = await TestClient.open(server, uid('a'));
    await many.opened;
    const welcome = await many.hello(stale(600, 'many'));
    assert.deepEqual(welcome.conversations, []);
    await alive(many);
    assert.equal((await many.untaken((f) => f.t === 'gone', 100)).length, 0, 'no flood of gone frames');
    await closeAll(few, many);
  });

  test('tokens that live longer than the maximum, or were issued in the future, are refused (B16)', async () => {
    const user = uid('t');
    const key = new TextEncoder().encode(SECRET);
    const now = Math.floor(Date.now() / 1000);
    const sign = (iat: number | undefined, exp: number) => {
      const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setIssuer('pin-messaging').setAudience('pin-messaging');
      if (iat !== undefined) jwt.setIssuedAt(iat);
      return jwt.setExpirationTime(exp).sign(key);
    };
    const closeCode = async (token: string) => {
      const client = await TestClient.open(server, user, { token });
      return (await client.closedWithin()).code;
    };
    assert.equal(await closeCode(await sign(now, now + 100 * 365 * 86_400)), 4001, 'a century');
    assert.equal(await closeCode(await sign(undefined, now + 30 * 86_400)), 4001, 'a month, no iat');
    assert.equal(await closeCode(await sign(now + 3600, now + 7200)), 4001, 'issued an hour from now');
    const fine = await TestClient.open(server, user, { token: await sign(now + 5, now + 23 * 3600) });
    await fine.opened;
    await fine.hello();
    await fine.close();
  });
}
