import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloseCode, DELETED_USER, directConversationId, newGroupId } from '../../../src/protocol/index.js';
import { ADMIN_KEY, type Backend, type TestServer } from '../backend.js';
import { closeAll, TestClient, uid } from '../client.js';

interface Answer {
  status: number;
  body: any;
}

/**
 * Unsend, erasure, export, moderation and bans, the same on every backend:
 * what open clients are told live, what history and welcomes return after,
 * and a specific 4xx for every bad call, with nothing changed by it.
 */
export function adminErasureSuite(backend: Backend): void {
  let server: TestServer;
  before(async () => {
    server = await backend.start();
  });
  after(() => server.stop());

  async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const init: RequestInit = { method, headers: { Authorization: `Bearer ${ADMIN_KEY}` } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
    const response = await fetch(`${server.url}/admin/v1${path}`, init);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  function refused(answer: Answer, status: number, code: string): void {
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.equal(answer.body.error.code, code);
  }


  async function group(owner: TestClient, others: TestClient[], title = 'Group'): Promise<string> {
    const conv = newGroupId();
    await owner.sendAcked(conv, 'hello all', { to: others.map((o) => o.user), title });
    for (const o of others) await o.next('msg', (f) => f.conv === conv, 10_000);
    return conv;
  }

  const texts = (messages: { body: { kind: string; text?: string }; hidden?: string }[]) =>
    messages.map((m) => (m.hidden === 'deleted' ? '(deleted)' : m.body.text));

  test('unsend: the sender deletes their message for everyone, live; history and welcome show the tombstone', async () => {
    const [a, b] = [await TestClient.connect(server, uid('un')), await TestClient.connect(server, uid('un'))];
    const conv = directConversationId(a.user, b.user);
    await a.sendAcked(conv, 'first', { to: [b.user] });
    const seq = await a.sendAcked(conv, 'secret');
    await b.next('msg', (f) => f.m.seq === seq, 10_000);

    const theirs = await b.request({ t: 'unsend', conv, seq });
    assert.equal(theirs.t === 'error' && theirs.code, 'forbidden', "someone else's message");
    const missing = await a.request({ t: 'unsend', conv, seq: 99 });
    assert.equal(missing.t === 'error' && missing.code, 'not_found');
    const outsider = await TestClient.connect(server, uid('un'));
    const stranger = await outsider.request({ t: 'unsend', conv, seq });
    assert.equal(stranger.t === 'error' && stranger.code, 'not_member');

    assert.equal((await a.request({ t: 'unsend', conv, seq })).t, 'ok');
    for (const c of [a, b]) {
      const live = await c.next('deleted', (f) => f.conv === conv && f.seq === seq, 10_000);
      assert.deepEqual(
        { ...live.m, at: 0 },
        { seq, id: live.m.id, from: a.user, at: 0, body: { kind: 'text', text: '' }, hidden: 'deleted' },
      );
    }
    assert.equal((await a.request({ t: 'unsend', conv, seq })).t, 'ok', 'again: nothing left to do, still ok');

    const page = await b.history(conv, { after: 0 });
    assert.ok(page.t === 'history');
    assert.deepEqual(texts(page.messages), ['first', '(deleted)']);
    await closeAll(b);
    const again = await TestClient.connect(server, b.user);
    const welcome = again.frames.find((f) => f.t === 'welcome');
    const last = welcome?.t === 'welcome' ? welcome.conversations.find((c) => c.id === conv)?.last : undefined;
    assert.deepEqual([last?.seq, last?.hidden, last?.body], [seq, 'deleted', { kind: 'text', text: '' }], 'the welcome never carries the old text');
    assert.equal(welcome?.t === 'welcome' && welcome.conversations.find((c) => c.id === conv)?.unread, 1, 'a deleted message is not unread');
    await closeAll(a, again, outsider);
  });

  test('moderation: a report is listed, resolved by deleting the message (live), and cannot be resolved twice', async () => {
    const [a, b, c] = [await TestClient.connect(server, uid('mo')), await TestClient.connect(server, uid('mo')), await TestClient.connect(server, uid('mo'))];
    const conv = await group(a, [b, c]);
    const seq = await b.sendAcked(conv, 'rude words');
    await c.next('msg', (f) => f.m.seq === seq, 10_000);
    assert.equal((await c.request({ t: 'report', conv, seq, reason: 'rude' })).t, 'ok');
    assert.equal((await c.request({ t: 'report', conv, seq, reason: 'rude, again' })).t, 'ok', 'a repeated report is answered');

    let found: any;
    for (let cursor = ''; !found; ) {
      const page = await call('GET', `/reports?status=open&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      found = page.body.reports.find((r: any) => r.conv === conv);
      if (!found) {
        assert.notEqual(page.body.next, null, 'the report is listed');
        cursor = page.body.next;
      }
    }
    assert.deepEqual({ ...found, id: 'x', at: 'x' }, { id: 'x', conv, seq, reporter: c.user, sender: b.user, reason: 'rude', at: 'x', status: 'open' });
    const all = await call('GET', '/reports?status=open&limit=1000');
    assert.equal(all.body.reports.filter((r: any) => r.conv === conv).length, 1, 'but filed once');
    assert.match(found.at, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual((await call('GET', `/reports/${found.id}`)).body.report, found);

    refused(await call('POST', `/reports/${found.id}/resolve`, { action: 'shout' }), 400, 'invalid_body');
    refused(await call('POST', `/reports/${found.id}/resolve`, { action: 'dismiss', extra: 1 }), 400, 'invalid_body');
    refused(await call('POST', `/reports/${found.id}/resolve`, { action: 'dismiss', until: '2099-01-01T00:00:00Z' }), 400, 'invalid_body');
    refused(await call('POST', '/reports/r_nobodyfiledthis/resolve', { action: 'dismiss' }), 404, 'unknown_report');
    refused(await call('POST', '/reports/not-a-report/resolve', { action: 'dismiss' }), 400, 'invalid_id');
    refused(await call('GET', '/reports?status=maybe'), 400, 'invalid_query');
    refused(await call('GET', '/reports?sort=new'), 400, 'invalid_query');
    assert.equal((await call('GET', `/reports/${found.id}`)).body.report.status, 'open', 'nothing changed by the refusals');

    const resolved = await call('POST', `/reports/${found.id}/resolve`, { action: 'delete_message' });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    assert.deepEqual([resolved.body.report.status, resolved.body.report.action], ['resolved', 'delete_message']);
    for (const client of [a, b, c]) {
      const live = await client.next('deleted', (f) => f.conv === conv && f.seq === seq, 10_000);
      assert.deepEqual([live.m.hidden, live.m.body], ['deleted', { kind: 'text', text: '' }]);
    }
    refused(await call('POST', `/reports/${found.id}/resolve`, { action: 'dismiss' }), 409, 'already_resolved');
    const open = await call('GET', '/reports?status=open&limit=1000');
    assert.ok(!open.body.reports.some((r: any) => r.id === found.id), 'no longer open');
    const done = await call('GET', '/reports?status=resolved&limit=1000');
    assert.ok(done.body.reports.some((r: any) => r.id === found.id), 'listed as resolved');
    await closeAll(a, b, c);
  });

  test('bans: ban_sender closes their sockets with 4006 and refuses new ones until unbanned; PUT and DELETE ban directly', async () => {
    const [a, b] = [await TestClient.connect(server, uid('ban')), await TestClient.connect(server, uid('ban'))];
    const conv = directConversationId(a.user, b.user);
    const seq = await b.sendAcked(conv, 'spam', { to: [a.user] });
    await a.next('msg', (f) => f.m.seq === seq, 10_000);
    assert.equal((await a.request({ t: 'report', conv, seq })).t, 'ok');
    const list = await call('GET', '/reports?status=open&limit=1000');
    const report = list.body.reports.find((r: any) => r.conv === conv);
    assert.ok(report, 'the report is listed');

    refused(await call('POST', `/reports/${report.id}/resolve`, { action: 'ban_sender', until: '2001-01-01T00:00:00Z' }), 400, 'invalid_body');
    refused(await call('POST', `/reports/${report.id}/resolve`, { action: 'ban_sender', until: 'tomorrow' }), 400, 'invalid_body');
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const resolved = await call('POST', `/reports/${report.id}/resolve`, { action: 'ban_sender', until });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    const closed = await b.closedWithin();
    assert.equal(closed.code, CloseCode.Banned);
    assert.match(closed.reason, /^banned until \d{4}-/);
    assert.deepEqual((await call('GET', `/users/${b.user}/ban`)).body, { user: b.user, banned: true, until });

    const refusedSocket = await TestClient.open(server, b.user);
    const refusal = await refusedSocket.closedWithin();
    assert.deepEqual([refusal.code, refusal.reason], [CloseCode.Banned, `banned until ${until}`], 'a new token does not help');

    const lifted = await call('DELETE', `/users/${b.user}/ban`);
    assert.deepEqual(lifted.body, { user: b.user, banned: false, until: null });
    const back = await TestClient.connect(server, b.user);
    assert.ok(back.isOpen, 'unbanned: the socket is admitted');

    refused(await call('PUT', `/users/${b.user}/ban`, { forever: true }), 400, 'invalid_body');
    refused(await call('PUT', `/users/${uid('nobody')}/ban`, {}), 404, 'unknown_user');
    refused(await call('PUT', '/users/no%20body/ban', {}), 400, 'invalid_id');
    const banned = await call('PUT', `/users/${b.user}/ban`, {});
    assert.deepEqual(banned.body, { user: b.user, banned: true, until: null });
    assert.deepEqual([(await back.closedWithin()).code, (await back.closedWithin()).reason], [CloseCode.Banned, 'banned']);
    await call('DELETE', `/users/${b.user}/ban`);
    await closeAll(a);
  });

  test('export: profile, follows, blocks, conversations, every message they sent, and their reports', async () => {
    const [a, b, c] = [await TestClient.connect(server, uid('ex')), await TestClient.connect(server, uid('ex')), await TestClient.connect(server, uid('ex'))];
    await call('PUT', `/users/${a.user}/follows/${b.user}`);
    assert.equal((await a.request({ t: 'block', user: c.user, blocked: true })).t, 'ok');
    const dm = directConversationId(a.user, b.user);
    await a.sendAcked(dm, 'one', { to: [b.user] });
    await a.sendAcked(dm, 'two');
    const seq = await b.sendAcked(dm, 'not theirs');
    await a.next('msg', (f) => f.m.seq === seq, 10_000);
    assert.equal((await a.request({ t: 'report', conv: dm, seq, reason: 'meh' })).t, 'ok');
    const g = await group(b, [a], 'Book club');
    await a.sendAcked(g, 'three');

    const answer = await call('GET', `/users/${a.user}/export`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const doc = answer.body;
    assert.deepEqual(doc.user, { id: a.user, name: a.user, kind: 'person' });
    assert.deepEqual([doc.follows, doc.blocks], [[b.user], [c.user]]);
    assert.deepEqual(
      doc.conversations.map((x: any) => [x.id, x.kind, [...x.members].sort(), x.title ?? null]).sort(),
      [
        [dm, 'direct', [a.user, b.user].sort(), null],
        [g, 'group', [a.user, b.user].sort(), 'Book club'],
      ].sort(),
    );
    assert.deepEqual(doc.messages.map((m: any) => `${m.conv === dm ? 'dm' : 'g'}:${m.body.text}`).sort(), ['dm:one', 'dm:two', 'g:three']);
    assert.deepEqual(doc.reports.map((r: any) => [r.conv, r.seq, r.reason, r.status]), [[dm, seq, 'meh', 'open']]);
    refused(await call('GET', `/users/${uid('nobody')}/export`), 404, 'unknown_user');
    await closeAll(a, b, c);
  });

  test('erasure: tombstones from the reserved id live, groups go on without them, direct conversations go, then 404', async () => {
    const [gone, b, c] = [await TestClient.connect(server, uid('er')), await TestClient.connect(server, uid('er')), await TestClient.connect(server, uid('er'))];
    const g = await group(b, [gone, c], 'Three');
    const s1 = await gone.sendAcked(g, 'my words');
    const pair = await group(gone, [b], 'Two');
    const s2 = await gone.sendAcked(pair, 'just us');
    const dm = directConversationId(gone.user, c.user);
    await gone.sendAcked(dm, 'private', { to: [c.user] });
    await c.next('msg', (f) => f.conv === dm, 10_000);
    await b.next('msg', (f) => f.conv === pair && f.m.seq === s2, 10_000);
    await c.next('msg', (f) => f.conv === g && f.m.seq === s1, 10_000);
    assert.equal((await b.request({ t: 'block', user: gone.user, blocked: true })).t, 'ok');
    await call('PUT', `/users/${c.user}/follows/${gone.user}`);
    assert.equal((await gone.request({ t: 'report', conv: g, seq: 1, reason: 'by the erased' })).t, 'ok');

    refused(await call('DELETE', `/users/${uid('nobody')}`), 404, 'unknown_user');
    refused(await call('DELETE', '/users/bad%20id'), 400, 'invalid_id');
    const erased = await call('DELETE', `/users/${gone.user}`);
    assert.deepEqual([erased.status, erased.body], [200, { user: gone.user, erased: true }]);
    assert.equal((await gone.closedWithin()).code, CloseCode.Revoked, 'their sockets are closed');

    const live = await c.next('deleted', (f) => f.conv === g && f.seq === s1, 10_000);
    assert.deepEqual([live.m.from, live.m.hidden, live.m.body], [DELETED_USER, 'deleted', { kind: 'text', text: '' }]);
    const left = await c.next('conv', (f) => f.conv.id === g && !f.conv.members.includes(gone.user), 10_000);
    assert.deepEqual([...left.conv.members].sort(), [b.user, c.user].sort());
    await c.next('gone', (f) => f.conv === dm, 10_000);
    await b.next('conv', (f) => f.conv.id === pair && f.conv.members.length === 1, 10_000);

    const page = await c.history(g, { after: 0 });
    assert.ok(page.t === 'history');
    assert.ok(!JSON.stringify(page).includes(gone.user), 'history names them nowhere');
    assert.deepEqual(page.messages.filter((m) => m.seq === s1).map((m) => [m.from, m.hidden]), [[DELETED_USER, 'deleted']]);
    assert.equal(await b.sendAcked(pair, 'still here'), s2 + 1, 'a group left with one person still works');

    const fresh = await TestClient.connect(server, c.user);
    const welcome = fresh.frames.find((f) => f.t === 'welcome');
    assert.ok(welcome && !JSON.stringify(welcome).includes(gone.user), 'the welcome names them nowhere');
    assert.ok(welcome?.t === 'welcome' && !welcome.conversations.some((x) => x.id === dm), 'the direct conversation is gone');

    refused(await call('GET', `/users/${gone.user}`), 404, 'unknown_user');
    assert.deepEqual((await call('GET', `/users/${b.user}/blocks`)).body.blocks, [], 'blocks of them are gone');
    assert.deepEqual((await call('GET', `/users/${c.user}/follows`)).body.follows, [], 'follows of them are gone');
    const reports = await call('GET', '/reports?status=open&limit=1000');
    const theirs = reports.body.reports.filter((r: any) => r.conv === g);
    assert.deepEqual(theirs.map((r: any) => r.reporter), [DELETED_USER], 'their report stays, filed by the reserved id');
    assert.ok(!JSON.stringify(reports.body).includes(gone.user));

    refused(await call('DELETE', `/users/${gone.user}`), 404, 'unknown_user');
    refused(await call('PUT', `/users/${DELETED_USER}`, { name: 'Impostor' }), 400, 'reserved_user');
    await assert.rejects(server.issueToken(DELETED_USER));
    await closeAll(b, c, fresh);
  });
}
