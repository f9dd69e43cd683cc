import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { directConversationId } from '../../../src/protocol/index.js';
import { ADMIN_KEY, type Backend, type TestServer } from '../backend.js';
import { closeAll, TestClient, uid } from '../client.js';

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/**
 * The server API (`/admin/v1`) a site's backend calls: people, follows and
 * blocks, the same on every backend; every refusal a specific 4xx with a JSON
 * error, and nothing changed by it.
 */
export function adminSuite(backend: Backend): void {
  let server: TestServer;
  before(async () => {
    server = await backend.start();
  });
  after(() => server.stop());

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, on: TestServer = server): Promise<Answer> {
    const init: RequestInit = { method, headers: { Authorization: `Bearer ${ADMIN_KEY}`, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
    }
    const response = await fetch(`${on.url}/admin/v1${path}`, init);
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  /** Asserts a refusal: its status, its error code, and a message for people. */
  function refused(answer: Answer, status: number, code: string): void {
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.equal(answer.body.error.code, code);
    assert.equal(typeof answer.body.error.message, 'string');
    assert.match(answer.headers.get('Content-Type') ?? '', /^application\/json/);
  }

  const profile = (id: string) => call('GET', `/users/${id}`);


  test('upsert one person, read it back, replace it whole', async () => {
    const id = uid('api');
    const created = await call('PUT', `/users/${id}`, { name: '  Ada Lovelace ', avatar: 'https://img.example/ada.png', kind: 'brand' });
    assert.equal(created.status, 200);
    assert.deepEqual(created.body, { user: { id, name: 'Ada Lovelace', avatar: 'https://img.example/ada.png', kind: 'brand' }, created: true });
    assert.deepEqual((await profile(id)).body, { user: { id, name: 'Ada Lovelace', avatar: 'https://img.example/ada.png', kind: 'brand' } });
    assert.equal((await server.getUser(id))?.brand, true, 'the directory the core reads has it');

    const replaced = await call('PUT', `/users/${id}`, { name: 'Ada' });
    assert.deepEqual(replaced.body, { user: { id, name: 'Ada', kind: 'person' }, created: false }, 'left-out fields are cleared');
    assert.deepEqual((await profile(id)).body.user, { id, name: 'Ada', kind: 'person' });
  });

  test('a batch upserts many; the list pages through everyone by id with a stable cursor', async () => {
    const tag = uid('b');
    const ids = [3, 1, 4, 0, 2].map((n) => `${tag}-${n}`);
    const batch = await call('POST', '/users/batch', { users: ids.map((id) => ({ id, name: `Person ${id}` })) });
    assert.deepEqual([batch.status, batch.body], [200, { upserted: 5 }]);

    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const page = await call('GET', `/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200);
      assert.ok(page.body.users.length <= 2);
      seen.push(...page.body.users.map((u: { id: string }) => u.id));
      cursor = page.body.next;
      if (++pages > 500) assert.fail('the cursor never ended');
    }
    assert.deepEqual(seen, [...seen].sort(), 'by id');
    assert.equal(new Set(seen).size, seen.length, 'nobody twice');
    assert.deepEqual(
      seen.filter((id) => id.startsWith(tag)),
      [...ids].sort(),
    );
    const whole = await call('GET', '/users?limit=1000');
    assert.deepEqual(
      whole.body.users.map((u: { id: string }) => u.id),
      seen,
    );
  });

  test('follows: one at a time, in a batch, and read back', async () => {
    const [a, b, c] = [uid('fa'), uid('fb'), uid('fc')];
    await call('POST', '/users/batch', { users: [a, b, c].map((id) => ({ id, name: id })) });
    const put = await call('PUT', `/users/${a}/follows/${b}`);
    assert.deepEqual([put.status, put.body], [200, { follower: a, followee: b, follows: true }]);
    assert.deepEqual((await call('GET', `/users/${a}/follows`)).body, { user: a, follows: [b] });

    const batch = await call('POST', '/follows/batch', {
      changes: [
        { follower: a, followee: c, follows: true },
        { follower: a, followee: b, follows: false },
        { follower: c, followee: a, follows: true },
      ],
    });
    assert.deepEqual([batch.status, batch.body], [200, { applied: 3 }]);
    assert.deepEqual((await call('GET', `/users/${a}/follows`)).body.follows, [c]);
    assert.deepEqual((await call('GET', `/users/${c}/follows`)).body.follows, [a]);

    const removed = await call('DELETE', `/users/${c}/follows/${a}`);
    assert.deepEqual([removed.status, removed.body], [200, { follower: c, followee: a, follows: false }]);
    assert.deepEqual((await call('GET', `/users/${c}/follows`)).body.follows, []);
  });

  test("blocks a person made in the chat are read back, and only theirs", async () => {
    const a = await TestClient.connect(server, uid('blk'));
    const b = await TestClient.connect(server, uid('blk'));
    assert.deepEqual((await call('GET', `/users/${a.user}/blocks`)).body, { user: a.user, blocks: [] });
    assert.equal((await a.request({ t: 'block', user: b.user, blocked: true })).t, 'ok');
    assert.deepEqual((await call('GET', `/users/${a.user}/blocks`)).body, { user: a.user, blocks: [b.user] });
    assert.deepEqual((await call('GET', `/users/${b.user}/blocks`)).body.blocks, [], 'the blocked person blocked nobody');
    await closeAll(a, b);
  });

  test("a person put through the API is in others' contact search before they ever connect", async () => {
    const id = uid('pick');
    await call('PUT', `/users/${id}`, { name: 'Zebulon Quartermaine' });
    const me = await TestClient.connect(server, uid('me'));
    const found = await me.request({ t: 'contacts', q: 'zebulon quartermaine' });
    assert.deepEqual(found.t === 'contacts' && found.users, [{ id, name: 'Zebulon Quartermaine' }]);
    await closeAll(me);
  });

  test("the latest write wins: a later sign-in's claims update an API profile, a later upsert replaces them", async () => {
    const id = uid('lww');
    await call('PUT', `/users/${id}`, { name: 'From The Site', avatar: 'https://img.example/a.png' });
    const quiet = await TestClient.connect(server, id, { token: await server.issueToken(id) });
    assert.equal(quiet.frames[0].t === 'welcome' && quiet.frames[0].me.name, 'From The Site', 'a token without claims keeps the profile');
    await closeAll(quiet);
    const claimed = await TestClient.connect(server, id, { name: 'From The Token' });
    await closeAll(claimed);
    assert.deepEqual((await profile(id)).body.user, { id, name: 'From The Token', avatar: 'https://img.example/a.png', kind: 'person' });
    await call('PUT', `/users/${id}`, { name: 'From The Site Again' });
    assert.deepEqual((await profile(id)).body.user, { id, name: 'From The Site Again', kind: 'person' });
  });

  test('mutual-follow: a brand put through the API may message a person once both follow each other through the API', async () => {
    const strict = await backend.start({ policy: 'mutual-follow' });
    try {
      const [brandId, fanId] = [uid('brand'), uid('fan')];
      const made = await call('POST', '/users/batch', { users: [{ id: brandId, name: 'Loom Studio', kind: 'brand' }, { id: fanId, name: 'A Fan' }] }, {}, strict);
      assert.equal(made.status, 200);
      // Tokens without profile claims: the kind set through the API is what the policy reads.
      const brand = await TestClient.connect(strict, brandId, { token: await strict.issueToken(brandId) });
      const fan = await TestClient.connect(strict, fanId, { token: await strict.issueToken(fanId) });
      const conv = directConversationId(brandId, fanId);
      await call('PUT', `/users/${fanId}/follows/${brandId}`, undefined, {}, strict);
      const refused = await brand.sendText(conv, 'hello', { to: [fanId] }, 10_000);
      assert.equal(refused.t === 'error' && refused.code, 'forbidden', 'one-way follow is not enough for a brand');

      await call('POST', '/follows/batch', { changes: [{ follower: brandId, followee: fanId, follows: true }] }, {}, strict);
      const allowed = await brand.sendText(conv, 'thanks for following', { to: [fanId] }, 10_000);
      assert.equal(allowed.t, 'ack');
      await call('DELETE', `/users/${brandId}/follows/${fanId}`, undefined, {}, strict);
      const after = await brand.sendText(conv, 'and again', {}, 10_000);
      assert.equal(after.t === 'error' && after.code, 'forbidden', 'an unfollow through the API is read on the next send');
      await closeAll(brand, fan);
    } finally {
      await strict.stop();
    }
  });

  test('the key: none, wrong, or a person’s token is 401 with one body; no CORS header, even to a preflight', async () => {
    const id = uid('auth');
    await call('PUT', `/users/${id}`, { name: 'Guarded' });
    const token = await server.issueToken(id);
    const none = await fetch(`${server.url}/admin/v1/users/${id}`);
    const wrong = await call('GET', `/users/${id}`, undefined, { Authorization: `Bearer ${ADMIN_KEY.slice(0, -1)}x` });
    const asToken = await call('GET', `/users/${id}`, undefined, { Authorization: `Bearer ${token}` });
    const basic = await call('GET', `/users/${id}`, undefined, { Authorization: `Basic ${btoa(`admin:${ADMIN_KEY}`)}` });
    refused(wrong, 401, 'unauthorized');
    for (const other of [asToken, basic]) assert.deepEqual([other.status, other.body], [wrong.status, wrong.body]);
    assert.equal(none.status, 401);
    assert.deepEqual(await none.json(), wrong.body);
    const write = await call('PUT', `/users/${id}`, { name: 'Taken Over' }, { Authorization: `Bearer ${token}` });
    refused(write, 401, 'unauthorized');
    assert.equal((await profile(id)).body.user.name, 'Guarded', 'nothing changed');

    const preflight = await fetch(`${server.url}/admin/v1/users/${id}`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'authorization' },
    });
    const doc = await fetch(`${server.url}/admin/v1/openapi.json`, { headers: { Origin: 'https://evil.example' } });
    const authed = await call('GET', `/users/${id}`, undefined, { Origin: 'https://evil.example' });
    assert.equal(doc.status, 200, 'the document is public');
    assert.equal((await doc.json()).openapi, '3.1.0');
    for (const response of [preflight, doc, { headers: authed.headers }, { headers: wrong.headers }]) {
      const cors = [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));
      assert.deepEqual(cors, [], 'no CORS header');
    }
  });

  test('bad input: each refusal is specific, and nothing changes', async () => {
    const id = uid('bad');
    await call('PUT', `/users/${id}`, { name: 'Before' });
    const unchanged = async () => assert.deepEqual((await profile(id)).body.user, { id, name: 'Before', kind: 'person' });

    refused(await call('PUT', `/users/${id}`, '{"name": "Half'), 400, 'bad_json');
    refused(await call('PUT', `/users/${id}`, { name: 'After', admin: true }), 400, 'invalid_body');
    assert.match((await call('PUT', `/users/${id}`, { name: 'After', admin: true })).body.error.message, /admin/);
    refused(await call('PUT', `/users/${id}`, { name: '   ' }), 400, 'invalid_body');
    refused(await call('PUT', `/users/${id}`, { name: 'After', kind: 'robot' }), 400, 'invalid_body');
    refused(await call('PUT', `/users/${id}`, { name: 'x'.repeat(201) }), 400, 'invalid_body');
    for (const avatar of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>', '//evil.example/a.png', 'https://user:pw@evil.example/a.png', 'http://169.254.169.254/latest', 'http://127.0.0.1/a.png']) {
      refused(await call('PUT', `/users/${id}`, { name: 'After', avatar }), 400, 'invalid_body');
    }
    refused(await call('PUT', `/users/${id}`, 'name=After', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    await unchanged();

    const fresh = uid('never');
    const badItem = await call('POST', '/users/batch', { users: [{ id: fresh, name: 'Fine' }, { id, name: 'After' }, { id: 'no spaces', name: 'Bad' }] });
    refused(badItem, 400, 'invalid_body');
    assert.equal(badItem.body.error.index, 2);
    assert.match(badItem.body.error.message, /item 2/);
    const twice = await call('POST', '/users/batch', { users: [{ id: fresh, name: 'One' }, { id: fresh, name: 'Two' }] });
    refused(twice, 400, 'invalid_body');
    assert.equal(twice.body.error.index, 1);
    const tooMany = await call('POST', '/users/batch', { users: Array.from({ length: 1001 }, (_, i) => ({ id: `${fresh}-${i}`, name: 'Many' })) });
    refused(tooMany, 413, 'batch_too_large');
    assert.match(tooMany.body.error.message, /1000/);
    refused(await call('POST', '/users/batch', JSON.stringify({ users: [{ id: fresh, name: 'x'.repeat(5 * 1024 * 1024) }] })), 413, 'body_too_large');
    refused(await profile(fresh), 404, 'unknown_user');
    await unchanged();

    refused(await call('GET', '/users/not%20an%20id'), 400, 'invalid_id');
    refused(await call('GET', `/users/${'x'.repeat(65)}`), 400, 'invalid_id');
    refused(await call('PUT', '/users/%3Cscript%3E', { name: 'X' }), 400, 'invalid_id');
    refused(await call('GET', '/users?limit=1001'), 400, 'invalid_query');
    refused(await call('GET', '/users?limit=0'), 400, 'invalid_query');
    refused(await call('GET', '/users?cursor=a%20b'), 400, 'invalid_query');
    refused(await call('GET', '/users?sort=name'), 400, 'invalid_query');
    refused(await call('GET', `/users/${fresh}/follows`), 404, 'unknown_user');
    refused(await call('GET', `/users/${fresh}/blocks`), 404, 'unknown_user');
    refused(await call('GET', '/no/such/route'), 404, 'not_found');

    const wrongMethod = await call('POST', `/users/${id}`);
    refused(wrongMethod, 405, 'method_not_allowed');
    assert.equal(wrongMethod.headers.get('Allow'), 'GET, PUT, DELETE');
    assert.equal((await call('GET', '/users/batch')).headers.get('Allow'), 'POST');
    await unchanged();

    refused(await call('PUT', `/users/${id}/follows/${id}`), 400, 'invalid_body');
    refused(await call('PUT', `/users/${id}/follows/${fresh}`), 404, 'unknown_user');
    const unknownInBatch = await call('POST', '/follows/batch', { changes: [{ follower: id, followee: id === fresh ? id : fresh, follows: true }] });
    refused(unknownInBatch, 404, 'unknown_user');
    assert.equal(unknownInBatch.body.error.index, 0);
    const other = uid('ok');
    await call('PUT', `/users/${other}`, { name: 'Other' });
    const halfBad = await call('POST', '/follows/batch', { changes: [{ follower: id, followee: other, follows: true }, { follower: id, followee: other, follows: 'yes' }] });
    refused(halfBad, 400, 'invalid_body');
    assert.equal(halfBad.body.error.index, 1);
    refused(
      await call('POST', '/follows/batch', { changes: Array.from({ length: 1001 }, () => ({ follower: id, followee: other, follows: true })) }),
      413,
      'batch_too_large',
    );
    assert.deepEqual((await call('GET', `/users/${id}/follows`)).body.follows, [], 'no follow was stored by a refused call');
  });
}
