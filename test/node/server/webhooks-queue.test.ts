// message.created through its queue (the Node server's hot path): a row per
// message, delivered in batches and then deleted and counted; a failed try
// moves the events into the outbox under the same ids and bodies; a restart
// sends again what is left; erasure leaves nothing of the person in it.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { PinEvent } from '../../../src/core/events.js';
import { openLibsql, type LibsqlBinding } from '../../../server/node/libsql.js';
import { WebhookDelivery } from '../../../server/node/webhooks.js';
import { SqlStorage } from '../../../server/shared/storage/sql.js';
import { forgetQueuedPerson, MessageEventQueue } from '../../../server/shared/webhooks/message-events.js';
import { SqlOutbox } from '../../../server/shared/webhooks/outbox.js';
import { HOOK_SECRET } from './webhooks-support.js';

const bindings: LibsqlBinding[] = [];
after(async () => {
  for (const b of bindings) await b.close();
});

const GROUP = 'g:queue-test-group';

/** A store with one group of three, a queue and an outbox on it, and a loop posting to `answer()` at a clock the test moves. */
function rig(answer: () => Response | Promise<Response>, settings: { spacingMs?: number; concurrency?: number } = {}) {
  const db = openLibsql(':memory:');
  bindings.push(db);
  const storage = new SqlStorage(db);
  const clock = { now: 1_700_000_000_000 };
  storage.createConversation({ id: GROUP, kind: 'group', members: ['ana', 'ben', 'cy'], createdBy: 'ana', createdAt: clock.now, lastSeq: 0 });
  const outbox = new SqlOutbox(db);
  const queue = new MessageEventQueue(db);
  const posts: PinEvent[][] = [];
  const options = {
    url: 'http://receiver.test/hooks',
    secret: HOOK_SECRET,
    now: () => clock.now,
    random: () => 0.5,
    spacingMs: 0,
    ...settings,
    fetch: (async (_url: string | URL | Request, init?: RequestInit) => {
      posts.push((JSON.parse(String(init?.body)) as { events: PinEvent[] }).events);
      return answer();
    }) as typeof fetch,
  };
  const loop = () => new WebhookDelivery(outbox, db, options, () => false, () => {}, queue);
  /** Stores a message from `from` and records its event as the core does, in one transaction. */
  const send = (from: string, text: string, offline: string[] = []) =>
    db.transaction(() => {
      const { message } = storage.append(GROUP, from, `c-${text}`, { kind: 'text', text }, clock.now);
      queue.record({ type: 'message.created', at: message.at, conv: GROUP, seq: message.seq, data: { message, members: ['ana', 'ben', 'cy'], offline } });
      return message;
    });
  return { db, storage, clock, outbox, queue, posts, loop, send };
}

const pumped = async (loop: WebhookDelivery) => {
  loop.pump();
  await loop.idle();
};

test('a message.created is one queue row until a 2xx delivery deletes it and counts it; ids are stable and unique', async () => {
  const { db, posts, loop, send, queue } = rig(() => new Response(null, { status: 204 }));
  const sent = Array.from({ length: 250 }, (_, i) => send('ana', `m${i}`, i % 2 ? ['cy'] : []));
  assert.equal(queue.count(), 250);
  assert.equal(db.all('SELECT count(*) AS n FROM webhook_outbox')[0].n, 0, 'nothing in the outbox');
  const delivery = loop();
  for (let i = 0; i < 5 && (i === 0 || queue.count() > 0); i++) await pumped(delivery);
  const events = posts.flat();
  assert.deepEqual(posts.slice(0, 3).map((p) => p.length), [100, 100, 50], 'in full batches, oldest first');
  assert.deepEqual(
    events.map((e) => e.seq),
    sent.map((m) => m.seq),
  );
  const [first] = events;
  assert.equal(first.type, 'message.created');
  assert.equal(first.conv, GROUP);
  assert.deepEqual(first.data, { message: sent[0], members: ['ana', 'ben', 'cy'], offline: [] }, 'the message as stored, with who had no socket');
  assert.deepEqual((events[1].data as { offline: string[] }).offline, ['cy']);
  assert.equal(new Set(events.map((e) => e.id)).size, 250, 'one id each');
  assert.ok(events.every((e) => /^evt_[A-Za-z0-9]{20}$/.test(e.id)));
  assert.deepEqual(delivery.counts(), { pending: 0, delivered: 250, dead: 0, inFlight: 0 });
  delivery.stop();
});

test('a failed try moves its events into the outbox under the same ids and bodies; the retries and the dead letters go on from there', async () => {
  let status = 500;
  const { clock, posts, loop, send, queue, outbox } = rig(() => new Response(null, { status }));
  send('ana', 'one', ['ben']);
  send('ben', 'two');
  const delivery = loop();
  await pumped(delivery);
  assert.equal(queue.count(), 0, 'the queue let them go');
  const moved = outbox.due(Infinity, 10);
  assert.deepEqual(
    moved.map((e) => [e.id, e.attempts, e.lastError]),
    posts[0].map((e) => [e.id, 1, 'HTTP 500']),
  );
  assert.deepEqual(moved.map((e) => JSON.parse(e.body) as PinEvent), posts[0], 'byte for byte the events tried');
  assert.deepEqual(delivery.counts(), { pending: 2, delivered: 0, dead: 0, inFlight: 0 });

  // The retry, from the outbox, after its backoff (5 s: half of the first 10 s with this jitter).
  clock.now += 5_000;
  status = 204;
  await pumped(delivery);
  assert.deepEqual(posts[1], posts[0], 'the same events again');
  assert.deepEqual(delivery.counts(), { pending: 0, delivered: 2, dead: 0, inFlight: 0 });

  // Past the 24-hour horizon a failed event is dead-lettered, and replay puts it back.
  status = 500;
  send('cy', 'three');
  await pumped(delivery);
  clock.now += 25 * 3_600_000;
  await pumped(delivery);
  const [dead] = delivery.deadLetters();
  assert.equal(dead.id, posts[2][0].id);
  status = 204;
  assert.deepEqual(delivery.replay(), [dead.id]);
  // Replay wakes the loop itself (no pump, no poll timer here).
  await new Promise((r) => setTimeout(r, 50));
  await delivery.idle();
  assert.equal(posts[posts.length - 1][0].id, dead.id);
  assert.deepEqual(delivery.counts(), { pending: 0, delivered: 3, dead: 0, inFlight: 0 });
  delivery.stop();
});

test('a restart sends again what a try cut off left queued, under the same ids', async () => {
  let release: (r: Response) => void = () => {};
  const { posts, loop, send, queue } = rig(() => new Promise<Response>((resolve) => (release = resolve)));
  send('ana', 'one');
  send('ben', 'two');
  const before = loop();
  before.pump();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(posts.length, 1, 'a try in flight');
  before.stop();
  release(new Response(null, { status: 204 }));
  assert.equal(queue.count(), 2, 'what the stopped loop learnt is dropped');

  const afterRestart = loop();
  const next = pumped(afterRestart);
  await new Promise((r) => setTimeout(r, 20));
  release(new Response(null, { status: 204 }));
  await next;
  assert.deepEqual(
    posts[1].map((e) => e.id),
    posts[0].map((e) => e.id),
  );
  assert.equal(queue.count(), 0);
  afterRestart.stop();
});

test('a message deleted before its event went out goes as its tombstone; rows whose conversation is gone are passed over', async () => {
  const { db, storage, posts, loop, send, queue } = rig(() => new Response(null, { status: 204 }));
  const kept = send('ana', 'kept');
  const unsent = send('ana', 'unsent');
  storage.deleteMessage(GROUP, unsent.seq);
  db.run("INSERT INTO webhook_messages (conv, seq, members, offline) VALUES ('dm:ana:gone', 1, '[]', '[]')");
  const delivery = loop();
  await pumped(delivery);
  assert.deepEqual(
    posts.flat().map((e) => [e.seq, (e.data as { message: { body: { text: string }; hidden?: string } }).message.body.text, (e.data as { message: { hidden?: string } }).message.hidden]),
    [
      [kept.seq, 'kept', undefined],
      [unsent.seq, '', 'deleted'],
    ],
  );
  assert.equal(queue.count(), 0, 'the orphan row went with the range');
  delivery.stop();
});

test('erasure: the rows of the person’s direct conversations go, and the others no longer name them', () => {
  const { db, send, queue } = rig(() => new Response(null, { status: 204 }));
  send('ana', 'hi', ['cy']);
  db.run(`INSERT INTO webhook_messages (conv, seq, members, offline) VALUES ('dm:ana:cy', 1, '["ana","cy"]', '["ana"]')`);
  db.run(`INSERT INTO webhook_messages (conv, seq, members, offline) VALUES ('dm:ben:ana', 1, '["ben","ana"]', '[]')`);
  db.run(`INSERT INTO webhook_member_sets (conv, members) VALUES ('dm:ana:cy', '["ana","cy"]')`);
  forgetQueuedPerson(db, 'cy');
  const rows = db.all(
    `SELECT w.conv, w.members, w.offline, s.members AS shared FROM webhook_messages w LEFT JOIN webhook_member_sets s ON s.id = w.member_set ORDER BY w.id`,
  );
  assert.deepEqual(
    rows.map((r) => [r.conv, r.members, r.offline, r.shared]),
    [
      [GROUP, '', '[]', '["ana","ben"]'],
      ['dm:ben:ana', '["ben","ana"]', '[]', null],
    ],
    'a row of the group names its set, which no longer lists them; rows written before sets keep their own list',
  );
  const sets = db.all('SELECT conv, members FROM webhook_member_sets ORDER BY id');
  assert.deepEqual(sets, [{ conv: GROUP, members: '["ana","ben"]' }], 'the set of their direct conversation went');
  assert.ok(!JSON.stringify([rows, sets]).includes('cy'));
  assert.equal(queue.count(), 2);
});

test('messages of a conversation share one member set while its members stay; each event names the members of its moment', async () => {
  const { db, posts, loop, send, queue, storage, clock } = rig(() => new Response(null, { status: 204 }));
  for (let i = 0; i < 5; i++) send('ana', `before ${i}`);
  assert.equal(db.all('SELECT count(*) AS n FROM webhook_member_sets')[0].n, 1, 'one set for five messages');
  // cy leaves: the next message names a new set.
  db.transaction(() => {
    const { message } = storage.append(GROUP, 'ben', 'c-after', { kind: 'text', text: 'after' }, clock.now);
    queue.record({ type: 'message.created', at: message.at, conv: GROUP, seq: message.seq, data: { message, members: ['ana', 'ben'], offline: ['ana'] } });
  });
  assert.equal(db.all('SELECT count(*) AS n FROM webhook_member_sets')[0].n, 2);
  // A set taken back by a failed unit while its row stays named: the row falls back to the members now.
  send('ana', 'orphan');
  const [{ id: last }] = db.all('SELECT max(id) AS id FROM webhook_messages');
  db.run('UPDATE webhook_messages SET member_set = 999 WHERE id = ?', Number(last));
  const delivery = loop();
  await pumped(delivery);
  const members = posts.flat().map((e) => (e.data as { members: string[] }).members);
  assert.deepEqual(members.slice(0, 5), Array(5).fill(['ana', 'ben', 'cy']), 'while cy was a member');
  assert.deepEqual(members[5], ['ana', 'ben'], 'after cy left');
  assert.deepEqual((posts.flat()[5].data as { offline: string[] }).offline, ['ana']);
  assert.deepEqual(members[6], ['ana', 'ben', 'cy'], 'the members stored now (the store still lists cy)');
  // Delivered: no row names a set any more, and the purge drops them.
  queue.purge(clock.now);
  assert.equal(db.all('SELECT count(*) AS n FROM webhook_member_sets')[0].n, 0);
  send('ana', 'later');
  assert.equal(db.all('SELECT count(*) AS n FROM webhook_member_sets')[0].n, 1, 'a fresh set after the purge');
});

test('the spacing gathers a trickle, but a backlog goes as fast as the requests come back', async () => {
  const { posts, loop, send, queue } = rig(() => new Response(null, { status: 204 }), { spacingMs: 60_000, concurrency: 1 });
  for (let i = 0; i < 250; i++) send('ana', `m${i}`);
  const delivery = loop();
  delivery.pump();
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(posts.map((p) => p.length), [100, 100, 50], 'three requests, one after another, none waiting a minute');
  assert.equal(queue.count(), 0);
  send('ana', 'late');
  delivery.pump();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(posts.length, 3, 'the trickle after it waits for the spacing');
  delivery.stop();
});
