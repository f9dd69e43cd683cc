import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PinEvent } from '../../../src/core/events.js';
import { directConversationId, newGroupId } from '../../../src/protocol/index.js';
import { ADMIN_KEY, type Backend, type TestServer } from '../backend.js';
import { clientId, closeAll, TestClient, uid } from '../client.js';
import { HOOK_SECRET, Receiver } from '../webhook-receiver.js';

interface Answer {
  status: number;
  body: any;
}

/** Tries are 0-200 ms apart at first; an event still failing after 4 s is dead-lettered (24 hours in production). */
const RETRY_BASE_MS = 200;
const HORIZON_MS = 4_000;
/** Longest wait for one event to arrive (cold objects under wrangler dev on a busy machine). */
const ARRIVAL_MS = 15_000;

/**
 * Webhooks as a host's backend sees them, the same on every backend: one
 * signed event per change (HMAC-SHA256 over timestamp.body) with a stable id
 * and the conversation's seq, retries after a failure with the same id and
 * body, and after the horizon the dead letters, read and replayed through
 * the server API. The receiver is a local HTTP server stopped after the suite.
 */
export function webhooksSuite(backend: Backend): void {
  let server: TestServer;
  let receiver: Receiver;
  before(async () => {
    receiver = await Receiver.start();
    server = await backend.start({ webhooks: { url: receiver.url, secret: HOOK_SECRET, retryBaseMs: RETRY_BASE_MS, horizonMs: HORIZON_MS } });
  });
  after(async () => {
    await server?.stop();
    await receiver?.down();
  });

  async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const init: RequestInit = { method, headers: { Authorization: `Bearer ${ADMIN_KEY}` } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
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

  /** Polls `check` until it returns a value, failing after `ms`. */
  async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = ARRIVAL_MS): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** The processed event of `type` that `match` picks, once it arrives. */
  function received<T extends PinEvent['type']>(type: T, match: (e: Extract<PinEvent, { type: T }>) => boolean): Promise<Extract<PinEvent, { type: T }>> {
    return eventually(`${type} event`, () => receiver.of(type).find(match));
  }


  async function person(prefix: string): Promise<string> {
    const id = uid(prefix);
    assert.equal((await call('PUT', `/users/${id}`, { name: id })).status, 200);
    return id;
  }

  test('every change is one signed event with a stable id and its conversation seq; message.created names who had no open socket', async (t) => {
    receiver.behaviour = { answer: 204 };
    const a = await TestClient.connect(server, uid('wa'));
    const absent = await person('wb');
    const dm = directConversationId(a.user, absent);
    const sentAt = Date.now();
    assert.equal(await a.sendAcked(dm, 'first', { to: [absent] }), 1);

    const created = await received('conversation.created', (e) => e.conv === dm);
    assert.deepEqual({ seq: created.seq, kind: created.data.kind, members: [...created.data.members].sort(), by: created.data.createdBy }, { seq: 0, kind: 'direct', members: [a.user, absent].sort(), by: a.user });
    const first = await received('message.created', (e) => e.conv === dm && e.seq === 1);
    assert.equal(first.data.message.from, a.user);
    assert.equal(first.data.message.body.kind === 'text' && first.data.message.body.text, 'first');
    assert.deepEqual(first.data.offline, [absent], 'the recipient had no socket open');
    const arrived = receiver.requests.find((r) => r.event.id === first.id)!.at;

    const b = await TestClient.connect(server, absent);
    const secondAt = Date.now();
    assert.equal(await a.sendAcked(dm, 'second'), 2);
    await b.next('msg', (f) => f.conv === dm && f.m.seq === 2, 10_000);
    const second = await received('message.created', (e) => e.conv === dm && e.seq === 2);
    assert.deepEqual(second.data.offline, [], 'the recipient was online');
    const secondArrived = receiver.requests.find((r) => r.event.id === second.id)!.at;
    t.diagnostic(`send to message.created at the receiver: ${arrived - sentAt} ms (new conversation, recipient offline), ${secondArrived - secondAt} ms (recipient online)`);

    const c = await TestClient.connect(server, uid('wc'));
    const group = newGroupId();
    await a.sendAcked(group, 'hello group', { to: [b.user, c.user], title: 'Hooks' });
    await c.next('msg', (f) => f.conv === group, 10_000);
    const groupCreated = await received('conversation.created', (e) => e.conv === group);
    assert.deepEqual([groupCreated.data.kind, groupCreated.data.title], ['group', 'Hooks']);

    assert.equal((await c.request({ t: 'report', conv: group, seq: 1, reason: 'spam' })).t, 'ok');
    const report = await received('report.created', (e) => e.conv === group);
    assert.deepEqual([report.seq, report.data.reporter, report.data.seq, report.data.reason], [1, c.user, 1, 'spam']);
    assert.match(String(report.data.report), /^r_/, 'the id the moderation routes take');

    assert.equal((await b.request({ t: 'leave', conv: group })).t, 'ok');
    const left = await received('member.left', (e) => e.conv === group);
    assert.deepEqual([left.data.user, [...left.data.members].sort()], [b.user, [a.user, c.user].sort()]);

    assert.equal((await a.request({ t: 'block', user: c.user, blocked: true })).t, 'ok');
    const blocked = await received('user.blocked', (e) => e.data.user === a.user);
    assert.deepEqual(blocked.data, { user: a.user, other: c.user, blocked: true });

    const mine = receiver.requests.filter((r) => r.event.conv === dm || r.event.conv === group || r.event.type === 'user.blocked');
    assert.ok(mine.length >= 7);
    for (const r of mine) {
      assert.ok(r.verified, `${r.event.type} is signed over timestamp.body with the shared secret`);
      assert.equal(r.request.count, String(r.request.events), 'Pin-Event-Count counts the events of the delivery');
      assert.match(r.event.id, /^evt_[A-Za-z0-9_-]+$/);
      if (r.event.conv !== undefined) assert.equal(typeof r.event.seq, 'number', `${r.event.type} carries seq`);
    }
    assert.equal(new Set(receiver.processed.map((e) => e.id)).size, receiver.processed.length, 'one id per event');
    for (const r of mine) assert.ok(r.request.body.startsWith('{"events":[') && r.request.body.includes(r.body), 'the stored event, byte for byte, inside {"events":[...]}');
    await closeAll(a, b, c);
  });

  test('a receiver answering 500 gets the same event again (same id, same body) until it answers 2xx', async () => {
    receiver.behaviour = { answer: 500 };
    const a = await TestClient.connect(server, uid('wr'));
    const other = await person('wr');
    assert.equal((await a.request({ t: 'block', user: other, blocked: true })).t, 'ok');
    const tries = () => receiver.requests.filter((r) => r.event.type === 'user.blocked' && r.event.data.user === a.user);
    await eventually('a second try', () => tries().length >= 2);
    receiver.behaviour = { answer: 204 };
    const delivered = await received('user.blocked', (e) => e.data.user === a.user);
    const all = tries();
    assert.ok(all.length >= 3, `${all.length} tries`);
    assert.deepEqual([...new Set(all.map((r) => r.event.id))], [delivered.id], 'one id across the tries');
    assert.deepEqual([...new Set(all.map((r) => r.body))].length, 1, 'byte for byte the same body');
    assert.ok(all.every((r) => r.verified), 'each try signed afresh');
    assert.deepEqual(all.slice(0, -1).map((r) => r.status), all.slice(0, -1).map(() => 500));
    await closeAll(a);
  });

  test('past the horizon events are dead letters: listed in pages, counted, replayed one or all with their ids', async () => {
    receiver.behaviour = { answer: 500 };
    const a = await TestClient.connect(server, uid('wd'));
    const [x, y] = [await person('wdx'), await person('wdy')];
    assert.equal((await a.request({ t: 'block', user: x, blocked: true })).t, 'ok');
    assert.equal((await a.request({ t: 'block', user: y, blocked: true })).t, 'ok');
    const mine = (letters: any[]) => letters.filter((l) => l.event.data?.user === a.user);

    await eventually('two dead letters', async () => (await call('GET', '/webhooks/counts')).body.dead >= 2, HORIZON_MS + ARRIVAL_MS);
    const counts = await call('GET', '/webhooks/counts');
    assert.equal(counts.status, 200);
    assert.equal(counts.body.enabled, true);

    for (const query of ['limit=0', 'limit=1001', 'limit=abc', 'limit=-1', 'cursor=not-an-event', 'sort=new']) {
      refused(await call('GET', `/webhooks/dead-letters?${query}`), 400, 'invalid_query');
    }
    const letters: any[] = [];
    for (let cursor: string | null = '', pages = 0; cursor !== null; pages++) {
      assert.ok(pages < 100, 'the pages end');
      const page = await call('GET', `/webhooks/dead-letters?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.ok(page.body.deadLetters.length <= 1);
      letters.push(...page.body.deadLetters);
      cursor = page.body.next;
    }
    const dead = mine(letters);
    assert.equal(dead.length, 2, 'both events are listed once');
    assert.deepEqual(dead.map((l) => l.event.data.other).sort(), [x, y].sort());
    for (const letter of dead) {
      assert.equal(letter.type, 'user.blocked');
      assert.equal(letter.event.id, letter.id);
      assert.equal(letter.lastError, 'HTTP 500');
      assert.ok(letter.attempts >= 2, `${letter.attempts} tries`);
      assert.match(letter.deadAt, /^\d{4}-\d\d-\d\dT/);
    }

    refused(await call('POST', '/webhooks/dead-letters/replay', {}), 400, 'invalid_body');
    refused(await call('POST', '/webhooks/dead-letters/replay', { ids: [] }), 400, 'invalid_body');
    refused(await call('POST', '/webhooks/dead-letters/replay', { ids: ['not an id'] }), 400, 'invalid_body');
    refused(await call('POST', '/webhooks/dead-letters/replay', { all: true, extra: 1 }), 400, 'invalid_body');
    refused(await call('POST', '/webhooks/dead-letters/replay', { ids: ['evt_neverrecorded'] }), 404, 'unknown_event');
    assert.equal(mine((await call('GET', '/webhooks/dead-letters?limit=1000')).body.deadLetters).length, 2, 'nothing changed by the refusals');

    receiver.behaviour = { answer: 204 };
    const [one, two] = dead;
    const replayed = await call('POST', '/webhooks/dead-letters/replay', { ids: [one.id] });
    assert.deepEqual([replayed.status, replayed.body], [200, { replayed: 1, missing: [] }]);
    const back = await received('user.blocked', (e) => e.id === one.id);
    assert.equal(JSON.stringify(back), JSON.stringify(one.event), 'the same event, id and all');
    refused(await call('POST', '/webhooks/dead-letters/replay', { ids: [one.id] }), 404, 'unknown_event');

    const rest = await call('POST', '/webhooks/dead-letters/replay', { all: true });
    assert.equal(rest.status, 200);
    assert.ok(rest.body.replayed >= 1);
    await received('user.blocked', (e) => e.id === two.id);
    await eventually('an empty dead-letter list', async () => {
      const now = (await call('GET', '/webhooks/counts')).body;
      return now.dead === 0 && now.pending === 0;
    });
    assert.deepEqual(mine((await call('GET', '/webhooks/dead-letters')).body.deadLetters), []);
    assert.equal(receiver.badSignatures, 0);
    await closeAll(a);
  });
  test('an event recorded while the receiver is down survives a server restart and is delivered after it', async () => {
    const hooks = await Receiver.start();
    const own = await backend.start({ webhooks: { url: hooks.url, secret: HOOK_SECRET, retryBaseMs: RETRY_BASE_MS, horizonMs: 120_000 } });
    try {
      await hooks.down();
      const a = await TestClient.connect(own, uid('rs'));
      const other = uid('rs');
      const put = await fetch(`${own.url}/admin/v1/users/${other}`, { method: 'PUT', headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: other }) });
      assert.equal(put.status, 200);
      assert.equal((await a.request({ t: 'block', user: other, blocked: true })).t, 'ok');
      await closeAll(a);
      // Tries fail (connection refused) while the server stops and starts again.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await own.shutdown();
      await hooks.up();
      await own.startAgain();
      const event = await eventually('the event after the restart', () => hooks.of('user.blocked').find((e) => e.data.user === a.user), ARRIVAL_MS * 2);
      assert.deepEqual(event.data, { user: a.user, other, blocked: true });
      assert.equal(hooks.badSignatures, 0);
    } finally {
      await own.stop();
      await hooks.down();
    }
  });

  test('notification.due: unread for the delay while offline, once per conversation and window, again only for newer messages, within the daily cap', async () => {
    const delay = 1_500;
    const hooks = await Receiver.start();
    const own = await backend.start({ webhooks: { url: hooks.url, secret: HOOK_SECRET, retryBaseMs: RETRY_BASE_MS, horizonMs: 60_000, notifyAfterMs: delay, notifyPerDay: 2 } });
    try {
      const put = (id: string) => fetch(`${own.url}/admin/v1/users/${id}`, { method: 'PUT', headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: id }) });
      const a = await TestClient.connect(own, uid('na'));
      const away = uid('nb');
      assert.equal((await put(away)).status, 200);
      const here = await TestClient.connect(own, uid('nc'));
      const dm = directConversationId(a.user, away);
      const ack = async (conv: string, text: string, extra: object = {}) => {
        const id = clientId();
        a.send({ t: 'send', conv, id, body: { kind: 'text', text }, ...extra });
        const answer = await a.next((f) => (f.t === 'ack' || f.t === 'error') && f.id === id, 10_000);
        assert.equal(answer.t, 'ack', JSON.stringify(answer));
        return answer as { seq: number; at: number };
      };
      const first = await ack(dm, 'one', { to: [away] });
      await ack(dm, 'two');
      const withHere = directConversationId(a.user, here.user);
      await ack(withHere, 'you are online', { to: [here.user] });
      await here.next('msg', (f) => f.conv === withHere, 10_000);

      const notices = (user: string) => hooks.of('notification.due').filter((e) => e.data.user === user);
      const due = await eventually('a notification.due', () => notices(away)[0], delay + ARRIVAL_MS);
      assert.ok(Date.now() - first.at >= delay - 50, 'not before the delay');
      assert.deepEqual([due.conv, due.seq, due.data.unread, due.data.since], [dm, 2, 2, first.at]);
      const sent = hooks.requests.find((r) => r.event.id === due.id);
      assert.ok(sent?.verified, 'signed like every event');

      await new Promise((resolve) => setTimeout(resolve, delay * 2));
      assert.equal(notices(away).length, 1, 'once: nothing newer came');
      assert.deepEqual(notices(here.user), [], 'nobody is notified while a socket of theirs is open');

      const third = await ack(dm, 'three');
      const again = await eventually('a second notification.due', () => notices(away)[1], delay * 2 + ARRIVAL_MS);
      assert.deepEqual([again.seq, again.data.unread, again.data.since], [3, 3, third.at], 'for the newer message, counting all unread');
      assert.notEqual(again.id, due.id);

      const group = newGroupId();
      await ack(group, 'a third conversation', { to: [away, here.user] });
      await new Promise((resolve) => setTimeout(resolve, delay * 3));
      assert.equal(notices(away).length, 2, 'two a day at most: the third conversation waits for tomorrow');
      await closeAll(a, here);
    } finally {
      await own.stop();
      await hooks.down();
    }
  });
}
