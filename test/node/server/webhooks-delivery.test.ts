// The delivery loop against a fake receiver and an injected clock: backoff
// with full jitter, Retry-After, the dead-letter horizon and replay; and a
// hanging receiver does not slow message acks.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { directConversationId } from '../../../src/protocol/index.js';
import { openLibsql, type LibsqlBinding } from '../../../server/node/libsql.js';
import { WebhookDelivery } from '../../../server/node/webhooks.js';
import { SqlStorage } from '../../../server/shared/storage/sql.js';
import { SqlOutbox } from '../../../server/shared/webhooks/outbox.js';
import { DEFAULT_SCHEDULE, nextTry } from '../../../server/shared/webhooks/schedule.js';
import { verifySignature } from '../../../server/shared/webhooks/signature.js';
import { closeAll, TestClient, uid } from '../../conformance/client.js';
import { waitFor } from '../support/wait.js';
import { HOOK_SECRET, Receiver, startWithWebhooks } from './webhooks-support.js';

const SECOND = 1000;
const HOUR = 3_600_000;
const bindings: LibsqlBinding[] = [];
after(async () => {
  for (const b of bindings) await b.close();
});

/** A loop over an in-memory outbox, a clock the test moves and a receiver that answers `answer()`. */
function rig(answer: () => Response, random = () => 0.5) {
  const db = openLibsql(':memory:');
  bindings.push(db);
  new SqlStorage(db);
  const clock = { now: 1_700_000_000_000 };
  const outbox = new SqlOutbox(db);
  const posts: { at: number; headers: Headers; body: string }[] = [];
  const fetchStub = (async (_url: string | URL | Request, init?: RequestInit) => {
    posts.push({ at: clock.now, headers: new Headers(init?.headers), body: String(init?.body) });
    return answer();
  }) as typeof fetch;
  const loop = new WebhookDelivery(
    outbox,
    db,
    { url: 'http://receiver.test/hooks', secret: HOOK_SECRET, now: () => clock.now, random, fetch: fetchStub, spacingMs: 0 },
    () => false,
    () => {},
  );
  const record = () =>
    outbox.record({ type: 'user.blocked', at: clock.now, data: { user: 'ana', other: 'ben', blocked: true } });
  /** Pumps at the current time and waits for the tries it started. */
  const pump = async () => {
    loop.pump();
    await loop.idle();
  };
  return { db, clock, outbox, posts, loop, record, pump };
}

/** Event ids of a delivery's body. */
function idsOf(body: string): string[] {
  return (JSON.parse(body) as { events: { id: string }[] }).events.map((e) => e.id);
}

test('due events go in batches: the stored texts byte for byte in one signed envelope, up to 100 or 256 KB a request', async () => {
  let status = 200;
  const { db, clock, outbox, posts, loop, record, pump } = rig(() => new Response(null, { status }));
  record();
  await pump();
  assert.equal(posts.length, 1, 'a lone due event goes at once, alone');
  assert.equal(posts[0].headers.get('pin-event-count'), '1');
  for (let i = 0; i < 250; i++) record();
  await pump();
  assert.deepEqual(posts.slice(1).map((p) => idsOf(p.body).length), [100, 100, 50], 'a backlog in full batches, oldest first');
  const texts = db.all(`SELECT body FROM webhook_outbox ORDER BY rowid`).map((row) => String(row.body));
  assert.equal(posts.map((p) => p.body.slice('{"events":['.length, -2)).join(','), texts.join(','), 'the stored texts, byte for byte');
  for (const p of posts) {
    assert.ok(p.body.startsWith('{"events":[') && p.body.endsWith(']}'));
    assert.equal(p.headers.get('pin-event-count'), String(idsOf(p.body).length));
    assert.ok(await verifySignature(HOOK_SECRET, p.headers.get('pin-signature'), p.body, p.at / 1000));
  }
  assert.deepEqual(loop.counts(), { pending: 0, delivered: 251, dead: 0, inFlight: 0 });

  // A failed request fails each of its events, each with its own backoff.
  status = 500;
  posts.length = 0;
  for (let i = 0; i < 3; i++) record();
  await pump();
  assert.deepEqual(posts.map((p) => idsOf(p.body).length), [3]);
  const failed = outbox.due(Infinity, 10);
  assert.equal(failed.length, 3);
  assert.ok(failed.every((e) => e.attempts === 1 && e.lastError === 'HTTP 500' && e.nextAt === clock.now + 5 * SECOND));
  status = 200;
  clock.now += 5 * SECOND;
  await pump();
  assert.deepEqual(loop.counts(), { pending: 0, delivered: 254, dead: 0, inFlight: 0 });

  // Large events: the body stays under 256 KB (an event larger than that still goes, alone).
  posts.length = 0;
  const big = 'x'.repeat(100 * 1024);
  for (let i = 0; i < 5; i++) outbox.record({ type: 'user.blocked', at: clock.now, data: { user: big, other: 'ben', blocked: true } } as never);
  await pump();
  assert.deepEqual(posts.map((p) => idsOf(p.body).length), [2, 2, 1]);
  assert.ok(posts.every((p) => Buffer.byteLength(p.body) <= 256 * 1024));
});

test('the batch setting caps the events of a request', async () => {
  const db = openLibsql(':memory:');
  bindings.push(db);
  new SqlStorage(db);
  const outbox = new SqlOutbox(db);
  const sizes: number[] = [];
  const loop = new WebhookDelivery(
    outbox,
    db,
    {
      url: 'http://receiver.test/hooks',
      secret: HOOK_SECRET,
      batch: 7,
      concurrency: 2,
      spacingMs: 0,
      fetch: (async (_url: string | URL | Request, init?: RequestInit) => {
        sizes.push(idsOf(String(init?.body)).length);
        return new Response(null, { status: 204 });
      }) as typeof fetch,
    },
    () => false,
    () => {},
  );
  for (let i = 0; i < 20; i++) outbox.record({ type: 'user.blocked', at: Date.now(), data: { user: 'ana', other: 'ben', blocked: true } });
  loop.pump();
  await loop.idle();
  assert.deepEqual(sizes, [7, 7, 6], 'two requests at once, then the rest');
});

test('the retry ceiling doubles from 10 s to an hour, the delay is drawn below it, and 24 hours of failures dead-letter', () => {
  const t0 = 0;
  assert.equal(nextTry(DEFAULT_SCHEDULE, 1, t0, t0, () => 0.999_999), t0 + 9_999);
  assert.equal(nextTry(DEFAULT_SCHEDULE, 1, t0, t0, () => 0), t0, 'full jitter: anywhere from 0');
  assert.equal(nextTry(DEFAULT_SCHEDULE, 4, t0, t0, () => 0.5), t0 + 40_000);
  assert.equal(nextTry(DEFAULT_SCHEDULE, 30, t0, t0, () => 0.5), t0 + HOUR / 2, 'capped at an hour');
  assert.equal(nextTry(DEFAULT_SCHEDULE, 3, t0 + 24 * HOUR - 1, t0, () => 0.5), t0 + 24 * HOUR - 1 + 20_000, 'still within the horizon');
  assert.equal(nextTry(DEFAULT_SCHEDULE, 3, t0 + 24 * HOUR, t0, () => 0.5), 'dead');
  assert.equal(nextTry(DEFAULT_SCHEDULE, 1, t0, t0, () => 0.5, 120 * SECOND), 120 * SECOND, 'Retry-After beyond the backoff wins');
  assert.equal(nextTry(DEFAULT_SCHEDULE, 1, t0, t0, () => 0.5, 10 * HOUR), HOUR, 'Retry-After capped at the largest delay');
});

test('a failing receiver is tried on the backoff schedule for 24 hours, then the event is dead-lettered; a replay delivers it', async () => {
  let status = 500;
  const { clock, posts, loop, record, pump, outbox } = rig(() => new Response('nope', { status }));
  const t0 = clock.now;
  record();
  await pump();
  assert.equal(posts.length, 1, 'the first try is at once');
  const [entry] = outbox.due(Infinity, 10);
  assert.equal(entry.nextAt - t0, 5 * SECOND, 'half of the 10 s ceiling');

  clock.now = entry.nextAt - 1;
  await pump();
  assert.equal(posts.length, 1, 'not before it is due');
  // Follow the schedule: with random() = 0.5 each delay is half its ceiling.
  while (loop.counts().pending > 0) {
    clock.now = outbox.due(Infinity, 1)[0].nextAt;
    await pump();
  }
  const gaps = posts.slice(1).map((p, i) => p.at - posts[i].at);
  assert.deepEqual(gaps.slice(0, 10), [5, 10, 20, 40, 80, 160, 320, 640, 1280, 1800].map((s) => s * SECOND));
  assert.ok(gaps.slice(9).every((g) => g === 1800 * SECOND), 'then every half hour');
  const lastTry = posts.at(-1)!.at;
  assert.ok(lastTry - t0 >= 24 * HOUR, `retried for ${(lastTry - t0) / HOUR} h`);
  assert.ok(lastTry - t0 < 24 * HOUR + HOUR);
  assert.equal(posts.length, 57);
  assert.equal(new Set(posts.map((p) => p.body)).size, 1, 'every try sends the same body');
  assert.equal(new Set(posts.map((p) => idsOf(p.body).join())).size, 1, 'and the same id');
  assert.ok(posts.every((p) => p.headers.get('pin-event-count') === '1'));
  for (const p of posts) assert.ok(await verifySignature(HOOK_SECRET, p.headers.get('pin-signature'), p.body, p.at / 1000));

  const dead = loop.deadLetters();
  assert.equal(dead.length, 1);
  assert.equal(dead[0].attempts, 57);
  assert.equal(dead[0].lastError, 'HTTP 500');
  assert.deepEqual(loop.counts(), { pending: 0, delivered: 0, dead: 1, inFlight: 0 });

  clock.now += HOUR;
  await pump();
  assert.equal(posts.length, 57, 'a dead letter is not tried');
  status = 200;
  assert.deepEqual(loop.replay([dead[0].id]), [dead[0].id]);
  await pump();
  assert.equal(posts.length, 58);
  assert.deepEqual(idsOf(posts.at(-1)!.body), [dead[0].id], 'replayed under its id');
  assert.deepEqual(loop.counts(), { pending: 0, delivered: 1, dead: 0, inFlight: 0 });
  assert.deepEqual(loop.deadLetters(), []);
  assert.deepEqual(loop.replay(), []);
});

test('429 and 503 with Retry-After wait that long; other failures take the backoff', async () => {
  let answer = () => new Response(null, { status: 429, headers: { 'retry-after': '120' } });
  const { clock, outbox, record, pump } = rig(() => answer());
  record();
  await pump();
  assert.equal(outbox.due(Infinity, 1)[0].nextAt - clock.now, 120 * SECOND);
  clock.now += 120 * SECOND;
  answer = () => new Response(null, { status: 503, headers: { 'retry-after': new Date(clock.now + 300 * SECOND).toUTCString() } });
  await pump();
  assert.equal(outbox.due(Infinity, 1)[0].nextAt - clock.now, 300 * SECOND, 'an HTTP date');
  clock.now += 300 * SECOND;
  answer = () => new Response(null, { status: 400, headers: { 'retry-after': '3600' } });
  await pump();
  assert.equal(outbox.due(Infinity, 1)[0].nextAt - clock.now, 20 * SECOND, 'Retry-After is only read on 429 and 503');
  clock.now += 20 * SECOND;
  answer = () => new Response(null, { status: 302, headers: { location: 'http://elsewhere.test/' } });
  await pump();
  assert.equal(outbox.due(Infinity, 1)[0].lastError, 'HTTP 302', 'a redirect is not followed, and not delivered');
});

test('under load requests start at most every `spacingMs`, so what is recorded meanwhile goes in one batch; after a quiet spell an event goes at once', async () => {
  const db = openLibsql(':memory:');
  bindings.push(db);
  new SqlStorage(db);
  const outbox = new SqlOutbox(db);
  const starts: { at: number; events: number }[] = [];
  const loop = new WebhookDelivery(
    outbox,
    db,
    {
      url: 'http://receiver.test/hooks',
      secret: HOOK_SECRET,
      spacingMs: 50,
      fetch: (async (_url: string | URL | Request, init?: RequestInit) => {
        starts.push({ at: performance.now(), events: idsOf(String(init?.body)).length });
        return new Response(null, { status: 204 });
      }) as typeof fetch,
    },
    () => false,
    () => {},
  );
  const record = () => outbox.record({ type: 'user.blocked', at: Date.now(), data: { user: 'ana', other: 'ben', blocked: true } });
  const t0 = performance.now();
  record();
  loop.wake(true);
  await waitFor('the first request', () => starts.length === 1);
  assert.ok(starts[0].at - t0 < 40, 'a lone event goes at once');
  for (let i = 0; i < 5; i++) {
    record();
    loop.wake(true);
    await new Promise((r) => setTimeout(r, 2));
  }
  await waitFor('the second request', () => starts.length === 2);
  assert.deepEqual(starts.map((s) => s.events), [1, 5], 'the five recorded within the spacing go together');
  assert.ok(starts[1].at - starts[0].at >= 49, `${starts[1].at - starts[0].at} ms apart`);
  await loop.idle();
  loop.stop();
});

test('at most `concurrency` requests are in flight to the receiver', async () => {
  const receiver = await Receiver.start();
  receiver.behaviour = 'hang';
  // One event a request and no spacing: how many requests are in flight depends on the cap alone,
  // not on how many events happen to be due together.
  const server = await startWithWebhooks(receiver, { concurrency: 3, timeoutMs: 60_000, batch: 1, spacingMs: 0 });
  const ana = uid('ana');
  try {
    const others = [uid('ben'), uid('cy'), uid('dee'), uid('eve'), uid('fay')];
    for (const id of others) server.storage.putUser({ id, name: id });
    const a = await TestClient.connect(server, ana);
    try {
      for (const other of others) assert.equal((await a.sendText(directConversationId(ana, other), 'hi', { to: [other] })).t, 'ack');
      await waitFor('3 requests', () => receiver.posts >= 3);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(receiver.posts, 3);
      assert.equal(server.webhooks!.counts().inFlight, receiver.requests.length, 'the events those requests carry');
      assert.equal(server.webhooks!.counts().pending, 10);
    } finally {
      await a.close();
    }
  } finally {
    // A failed assertion must not leave hanging requests holding the test process open.
    await server.close();
    await receiver.down();
  }
});

test('a hanging receiver does not slow message acks', async () => {
  const ackLatencies = async (mode: 'off' | 'down' | 'hang') => {
    const receiver = await Receiver.start();
    receiver.behaviour = 'hang';
    if (mode === 'down') await receiver.down();
    const server = await startWithWebhooks(mode === 'off' ? undefined : receiver, { timeoutMs: 10_000 }, { limits: { rateBurst: 1000, ratePerSecond: 1000 } });
    const latencies: number[] = [];
    try {
      const [ana, ben] = [uid('ana'), uid('ben')];
      server.storage.putUser({ id: ben, name: 'Ben' });
      const a = await TestClient.connect(server, ana, { name: 'Ana' });
      const conv = directConversationId(ana, ben);
      assert.equal((await a.sendText(conv, 'first', { to: [ben] })).t, 'ack');
      if (mode === 'hang') {
        // Every request slot hung before the timed sends (delivery starts in its own thread, a moment after the server).
        const until = performance.now() + 10_000;
        while (receiver.requests.length < 4 && performance.now() < until) {
          assert.equal((await a.sendText(conv, 'before')).t, 'ack');
          await new Promise((r) => setTimeout(r, 30));
        }
      }
      for (let i = 0; i < 200; i++) {
        const started = performance.now();
        assert.equal((await a.sendText(conv, `message ${i}`)).t, 'ack');
        latencies.push(performance.now() - started);
      }
      if (mode === 'hang') {
        assert.ok(receiver.requests.length >= 4, 'the receiver was hanging on requests meanwhile');
        assert.ok(receiver.requests.every((r) => r.status === 'hung'));
      }
      await closeAll(a);
    } finally {
      // Hung requests left open would keep the test process from ever ending.
      await server.close();
      await receiver.down();
    }
    latencies.sort((x, y) => x - y);
    const at = (q: number) => Math.round(latencies[Math.floor(q * latencies.length)] * 100) / 100;
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
  };
  const off = await ackLatencies('off');
  const absent = await ackLatencies('down');
  const hanging = await ackLatencies('hang');
  console.info(`ack latency ms over 200 sends, webhooks off: ${JSON.stringify(off)}; receiver absent: ${JSON.stringify(absent)}; receiver hanging: ${JSON.stringify(hanging)}`);
  // Awaiting the receiver anywhere on the message path would make acks wait for the 10 s timeout.
  assert.ok(hanging.p50 < absent.p50 + 5, `p50 ${hanging.p50} vs ${absent.p50}`);
  assert.ok(hanging.p95 < Math.max(2 * absent.p95, absent.p95 + 25), `p95 ${hanging.p95} vs ${absent.p95}`);
  assert.ok(hanging.p99 < 1_000, `p99 ${hanging.p99}`);
});
