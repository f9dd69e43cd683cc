import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { directConversationId, LIMITS, newGroupId, type ServerFrameOf } from '../../../src/protocol/index.js';
import type { Backend, TestServer } from '../backend.js';
import { clientId, closeAll, TestClient, uid } from '../client.js';

/** Bad input (B1, B2, B4, B5, B10), limits and rate limiting: each refused with its own code, nothing stored. */
export function badInputSuite(backend: Backend): void {
  let server: TestServer;
  before(async () => {
    server = await backend.start({ limits: { rateBurst: 5, ratePerSecond: 1 } });
  });
  after(() => server.stop());

  /** Two people with one message between them. */
  async function setup(): Promise<{ a: TestClient; b: TestClient; conv: string }> {
    const a = await TestClient.connect(server, uid('a'));
    const b = await TestClient.connect(server, uid('b'));
    const conv = directConversationId(a.user, b.user);
    const ack = await a.sendText(conv, 'the only message', { to: [b.user] });
    assert.equal(ack.t, 'ack');
    await b.next('msg');
    return { a, b, conv };
  }

  /** Asserts the conversation still holds exactly the one setup message and `b` was sent nothing new. */
  async function assertNothingStored({ b, conv }: { b: TestClient; conv: string }): Promise<void> {
    assert.deepEqual(await b.untaken((f) => f.t === 'msg', 100), [], 'nothing delivered');
    const page = await b.history(conv);
    assert.deepEqual(page.t === 'history' && page.messages.map((m) => m.seq), [1], 'nothing stored');
  }

  async function refusedWith(client: TestClient, frame: object | string): Promise<ServerFrameOf<'error'>> {
    client.send(frame);
    return client.next('error');
  }

  const text = (t: string) => ({ kind: 'text', text: t });
  const pin = (url: string, image = 'https://img.example/i.jpg') => ({ kind: 'pin', pin: { url, image, title: 'A pin' } });

  test('malformed JSON, unknown types and wrong field types each get their own code (B5)', async () => {
    const ctx = await setup();
    const { a, conv } = ctx;
    assert.equal((await refusedWith(a, '{"t":"send","conv":')).code, 'bad_json');
    assert.equal((await refusedWith(a, { t: 'explode', conv })).code, 'unknown_type');
    assert.equal((await refusedWith(a, [1, 2])).code, 'unknown_type');
    const id = clientId();
    const wrongType = await refusedWith(a, { t: 'send', conv, id, body: { kind: 'text', text: 42 } });
    assert.deepEqual([wrongType.code, wrongType.id, wrongType.conv], ['bad_frame', id, conv], 'tied to the refused send');
    assert.equal((await refusedWith(a, { t: 'send', conv, id: 'short', body: text('x') })).code, 'bad_frame');
    assert.equal((await refusedWith(a, { t: 'send', conv, id: clientId(), body: text('   ') })).code, 'bad_frame');
    assert.equal((await refusedWith(a, { t: 'read', conv, seq: -1 })).code, 'bad_frame');
    assert.equal((await refusedWith(a, { t: 'read', conv, seq: 1e300 })).code, 'bad_frame');
    assert.equal((await refusedWith(a, { t: 'history', conv, limit: LIMITS.historyPage + 1 })).code, 'bad_frame');
    await assertNothingStored(ctx);
    await closeAll(ctx.a, ctx.b);
  });

  test('an extra field, such as a forged `from`, is refused; the sender comes from the token', async () => {
    const ctx = await setup();
    const { a, b, conv } = ctx;
    const forged = await refusedWith(a, { t: 'send', conv, id: clientId(), from: b.user, body: text('I am b') });
    assert.equal(forged.code, 'bad_frame');
    assert.match(forged.message, /from/);
    const nested = await refusedWith(a, { t: 'send', conv, id: clientId(), body: { ...text('x'), html: '<b>x</b>' } });
    assert.equal(nested.code, 'bad_frame');
    await assertNothingStored(ctx);
    await closeAll(a, b);
  });

  test('a non-member can neither send, read history, mark read, type nor report (B5)', async () => {
    const ctx = await setup();
    const { a, b, conv } = ctx;
    const mallory = await TestClient.connect(server, uid('m'));
    const codes = [];
    codes.push((await mallory.sendText(conv, 'let me in')) as ServerFrameOf<'error'>);
    codes.push((await mallory.sendText(conv, 'let me in', { to: [a.user] })) as ServerFrameOf<'error'>);
    codes.push((await mallory.history(conv)) as ServerFrameOf<'error'>);
    codes.push(await refusedWith(mallory, { t: 'read', conv, seq: 1 }));
    codes.push(await refusedWith(mallory, { t: 'typing', conv }));
    codes.push((await mallory.request({ t: 'report', conv, seq: 1 })) as ServerFrameOf<'error'>);
    assert.deepEqual(
      codes.map((f) => f.code),
      ['not_member', 'not_member', 'not_member', 'not_member', 'not_member', 'not_member'],
    );
    assert.deepEqual(await a.untaken((f) => f.t === 'read' || f.t === 'typing', 100), []);
    const unseen = await mallory.sendText(newGroupId(), 'no recipients');
    assert.equal(unseen.t === 'error' && unseen.code, 'not_member', 'a new conversation needs `to`');
    await assertNothingStored(ctx);
    await closeAll(a, b, mallory);
  });

  test('frames over the protocol limit get frame_too_large and the socket stays open (B4)', async () => {
    const ctx = await setup();
    const { a, conv } = ctx;
    const big = JSON.stringify({ t: 'send', conv, id: clientId(), body: text('a'.repeat(LIMITS.frameBytes)) });
    assert.ok(big.length > LIMITS.frameBytes && big.length < LIMITS.hardFrameBytes);
    assert.equal((await refusedWith(a, big)).code, 'frame_too_large');
    a.send({ t: 'ping', n: 7 });
    assert.deepEqual(await a.next('pong'), { t: 'pong', n: 7 });
    await assertNothingStored(ctx);
    await closeAll(a, ctx.b);
  });

  test('a frame over the hard limit closes the socket with 1009 (B4)', async () => {
    const ctx = await setup();
    const { a, conv } = ctx;
    a.send(JSON.stringify({ t: 'send', conv, id: clientId(), body: text('a'.repeat(LIMITS.hardFrameBytes)) }));
    assert.equal((await a.closedWithin()).code, 1009);
    await assertNothingStored(ctx);
    await ctx.b.close();
  });

  test('unsafe pin URLs are refused with unsafe_url (B2)', async () => {
    const ctx = await setup();
    const { a, conv } = ctx;
    const bad = [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'java%0ascript:alert(1)',
      'java\nscript:alert(1)',
      'javascript&colon;alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      '//evil.example/pin',
      'https://bank.example@evil.example/',
    ];
    for (const url of bad) {
      const asLink = await refusedWith(a, { t: 'send', conv, id: clientId(), body: pin(url) });
      assert.equal(asLink.code, 'unsafe_url', `pin url ${JSON.stringify(url)}`);
      const asImage = await refusedWith(a, { t: 'send', conv, id: clientId(), body: pin('https://shop.example/', url) });
      assert.equal(asImage.code, 'unsafe_url', `pin image ${JSON.stringify(url)}`);
    }
    await assertNothingStored(ctx);
    await closeAll(a, ctx.b);
  });

  test('text over 4,000 characters is too_long; 4,000 four-byte emoji and markup fit and come back literally (B1, B10)', async () => {
    const ctx = await setup();
    const { a, b, conv } = ctx;
    assert.equal((await refusedWith(a, { t: 'send', conv, id: clientId(), body: text('x'.repeat(LIMITS.textCodePoints + 1)) })).code, 'too_long');
    assert.equal((await refusedWith(a, { t: 'send', conv, id: clientId(), body: { ...pin('https://shop.example/'), note: 'n'.repeat(4001) } })).code, 'too_long');
    await assertNothingStored(ctx);

    const emoji = '🧵'.repeat(LIMITS.textCodePoints);
    assert.equal((await a.sendText(conv, emoji)).t, 'ack');
    const markup = '<img src=x onerror=alert(1)></textarea><script>x</script>\u202Egnp.exe';
    assert.equal((await a.sendText(conv, markup)).t, 'ack');
    const page = await b.history(conv, { after: 1 });
    assert.deepEqual(page.t === 'history' && page.messages.map((m) => (m.body.kind === 'text' ? m.body.text : '')), [emoji, markup]);
    await closeAll(a, b);
  });

  test('an eleven-person group and unknown users are refused before anything is created', async () => {
    const a = await TestClient.connect(server, uid('a'));
    const ten = await Promise.all(Array.from({ length: 10 }, () => TestClient.connect(server, uid('p'))));
    const conv = newGroupId();
    // The frame schema caps `to` at LIMITS.members - 1 and says why with its own code.
    const eleven = await a.sendText(conv, 'big group', { to: ten.map((c) => c.user) });
    assert.equal(eleven.t === 'error' && eleven.code, 'too_many_members');
    const withGhost = await a.sendText(conv, 'hi', { to: [ten[0].user, 'ghost-nobody'] });
    assert.equal(withGhost.t === 'error' && withGhost.code, 'unknown_user');
    const toGhost = await a.sendText(directConversationId(a.user, 'ghost-nobody'), 'hi', { to: ['ghost-nobody'] });
    assert.equal(toGhost.t === 'error' && toGhost.code, 'unknown_user');
    const mismatched = await a.sendText(directConversationId(ten[0].user, ten[1].user), 'hi', { to: [ten[1].user] });
    assert.equal(mismatched.t === 'error' && mismatched.code, 'conflict', 'a direct id must name the sender');
    const nine = await a.sendText(conv, 'ten people', { to: ten.slice(0, 9).map((c) => c.user) });
    assert.equal(nine.t, 'ack', 'ten people including the sender is allowed');
    assert.deepEqual(await ten[9].untaken((f) => f.t === 'conv' || f.t === 'msg', 100), []);
    const welcome = await ten[0].hello();
    assert.deepEqual(welcome.conversations.map((c) => [c.id, c.members.length]), [[conv, 10]]);
    await closeAll(a, ...ten);
  });

  test('sending faster than the rate limit gets rate_limited with retryAfter; the socket stays open and order is kept', async () => {
    const ctx = await setup();
    const { a, conv } = ctx;
    // Burst 5, one token back per second; setup spent one. Six sends at once:
    // four or five (if a token came back meanwhile) pass, the last is limited.
    const ids = Array.from({ length: 6 }, () => clientId());
    for (const id of ids) a.send({ t: 'send', conv, id, body: text(`quick ${id}`) });
    const replies = await Promise.all(ids.map((id) => a.next((f) => (f.t === 'ack' || f.t === 'error') && f.id === id)));
    const acked = replies.filter((f) => f.t === 'ack').length;
    assert.ok(acked === 4 || acked === 5, `${acked} acked`);
    const limited = replies.at(-1)!;
    assert.equal(limited.t === 'error' && limited.code, 'rate_limited');
    const retryAfter = limited.t === 'error' ? limited.retryAfter ?? 0 : 0;
    assert.ok(retryAfter > 0 && retryAfter <= 1000, `retryAfter ${retryAfter}`);
    assert.equal(a.isOpen, true);
    const page = await ctx.b.history(conv);
    assert.equal(page.t === 'history' && page.messages.length, 1 + acked, 'refused sends were not stored');
    // Sender order (I5): nothing new is stored until the first refused send comes again.
    const refusedAt = acked;
    const jumped = await a.sendText(conv, 'new, ahead of the refused ones');
    assert.equal(jumped.t === 'error' && jumped.code, 'rate_limited');
    await new Promise((resolve) => setTimeout(resolve, retryAfter + 20));
    a.send({ t: 'send', conv, id: ids[refusedAt], body: text(`quick ${ids[refusedAt]}`) });
    assert.equal((await a.next('ack', (f) => f.id === ids[refusedAt])).seq, 2 + acked, 'stored right after the accepted ones');
    await closeAll(a, ctx.b);
  });

  test('a flood of invalid frames closes the socket as abuse; valid frames reset the count', async () => {
    const a = await TestClient.connect(server, uid('a'));
    for (let i = 0; i < 20; i++) a.send('not json');
    a.send({ t: 'ping' });
    await a.next('pong');
    assert.equal(a.isOpen, true, 'twenty in a row are tolerated');
    for (let i = 0; i < 21; i++) a.send('{');
    assert.equal((await a.closedWithin()).code, 4008);
  });

  budgetSuite(backend);
}

/**
 * Budgets and refusals (B11, B13, B14), beside the abuse suite's: a creation
 * refused for another reason spends no creation, refusals count toward the
 * abuse close wherever they were decided (on Durable Objects, the sender's
 * inbox or the conversation's object), and a stranger's malformed or refused
 * upgrade ends within seconds.
 */
function budgetSuite(backend: Backend): void {
  describe('budgets and refusals', () => {
    let server: TestServer;
    before(async () => {
      server = await backend.start({
        limits: { rateBurst: 50, ratePerSecond: 50, createBurst: 3, createPerMinute: 6, refusalThreshold: 10 },
      });
    });
    after(() => server.stop());

    test('a person creates only so many conversations at once; refused creations cost none of them and reach nobody', async () => {
      const a = await TestClient.connect(server, uid('a'));
      const b = await TestClient.connect(server, uid('b'));
      for (let i = 0; i < 5; i++) {
        const ghost = await a.sendText(newGroupId(), 'hi', { to: [b.user, `ghost-${i}`] });
        assert.equal(ghost.t === 'error' && ghost.code, 'unknown_user');
      }
      const made = [newGroupId(), newGroupId(), newGroupId()];
      for (const conv of made) assert.equal((await a.sendText(conv, 'hi', { to: [b.user] })).t, 'ack', 'the refused ones spent nothing');
      const over = await a.sendText(newGroupId(), 'one too many', { to: [b.user] });
      assert.equal(over.t === 'error' && over.code, 'rate_limited');
      assert.ok(over.t === 'error' && (over.retryAfter ?? 0) > 0, 'says when to try again');
      assert.equal(a.isOpen, true);
      const heard = await b.untaken((f) => f.t === 'conv', 300);
      assert.deepEqual(heard.map((f) => f.t === 'conv' && f.conv.id).sort(), [...made].sort(), 'the recipient heard of the three made only');
      const welcome = await (await TestClient.connect(server, b.user)).hello();
      assert.equal(welcome.conversations.length, 3);
      await closeAll(a, b);
    });

    test('refused frames in a row close the socket with 4008, wherever they were refused; an accepted frame resets the count', async () => {
      const a = await TestClient.connect(server, uid('a'));
      const b = await TestClient.connect(server, uid('b'));
      const dm = directConversationId(a.user, b.user);
      assert.equal((await a.sendText(dm, 'hi', { to: [b.user] })).t, 'ack');
      assert.equal((await b.request({ t: 'block', user: a.user, blocked: true })).t, 'ok');
      // Refused by the conversation (blocked), for an unknown person, and for a conversation `a` is not in.
      const refused = (i: number) =>
        i % 3 === 0
          ? a.sendText(dm, 'let me')
          : i % 3 === 1
            ? a.sendText(directConversationId(a.user, `ghost-${i}`), 'hi', { to: [`ghost-${i}`] })
            : a.sendText(newGroupId(), 'hi');
      for (let i = 0; i < 10; i++) assert.equal((await refused(i)).t, 'error');
      a.send({ t: 'ping', n: 1 });
      await a.next('pong');
      for (let i = 0; i < 10; i++) assert.equal((await refused(i)).t, 'error');
      assert.equal(a.isOpen, true, 'ten in a row are tolerated');
      a.send({ t: 'send', conv: dm, id: clientId(), body: { kind: 'text', text: 'once more' } });
      assert.equal((await a.closedWithin()).code, 4008);
      await b.close();
    });

    test('a malformed upgrade gets a 4xx and its connection ends; a refused one ends once the client answers its close', async () => {
      // (A POST upgrade is refused by the worker itself, see test/cloudflare; wrangler dev's proxy answers it with a 500 first.)
      const malformed = [
        'GET /parties/inbox/someone HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n',
        'GET /parties/inbox/someone HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n',
      ];
      for (const request of malformed) {
        const { head, endedMs } = await rawUpgrade(server.port, request, false);
        assert.match(head, /^HTTP\/1\.1 4\d\d /, JSON.stringify(head));
        assert.ok(endedMs < 5000, `ended after ${endedMs} ms`);
      }
      const refused = 'GET /parties/inbox/someone?token=bad HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
      const { head, endedMs } = await rawUpgrade(server.port, refused, true);
      assert.match(head, /^HTTP\/1\.1 101 /);
      assert.ok(endedMs < 2000, `ended ${endedMs} ms after the client's close`);
    });
  });
}

/**
 * Sends one raw upgrade request and reads what comes back. With `answerClose`,
 * answers the server's Close frame with one of its own, as any client does.
 * Resolves with the response head and when the connection ended (from the
 * answer when there is one), giving up after 10 s.
 */
function rawUpgrade(port: number, request: string, answerClose: boolean): Promise<{ head: string; endedMs: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let from = Date.now();
    let answered = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after 10 s: ${JSON.stringify(received.toString('latin1').slice(0, 200))}`));
    }, 10_000);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const body = received.indexOf('\r\n\r\n');
      // A Close frame (opcode 8) after the 101 head: answer it with a masked Close carrying the same code.
      if (answerClose && !answered && body >= 0 && received.length >= body + 6 && (received[body + 4] & 0x0f) === 8) {
        answered = true;
        const code = received.subarray(body + 6, body + 8);
        const mask = Buffer.from([1, 2, 3, 4]);
        socket.write(Buffer.concat([Buffer.from([0x88, 0x82]), mask, Buffer.from([code[0] ^ 1, code[1] ^ 2])]));
        from = Date.now();
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = received.toString('latin1');
      resolve({ head: text.slice(0, Math.max(0, text.indexOf('\r\n'))), endedMs: Date.now() - from });
    });
    socket.write(request);
  });
}
