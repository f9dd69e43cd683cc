// Delivery in its worker thread (a database file): what the event loop keeps,
// and what happens when the worker dies.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { directConversationId } from '../../../src/protocol/index.js';
import { openLibsql } from '../../../server/node/libsql.js';
import { closeAll, TestClient, uid } from '../../conformance/client.js';
import { waitFor } from '../support/wait.js';
import { Receiver, startWithWebhooks } from './webhooks-support.js';

/** The delivery's worker thread (not part of the API). */
const workerOf = (server: Awaited<ReturnType<typeof startWithWebhooks>>) => (server.webhooks as unknown as { worker?: Worker }).worker;

test('a server with a database file delivers from a worker thread; a worker that dies is started again and sends what is left, at least once', async () => {
  const receiver = await Receiver.start();
  const lines: string[] = [];
  const server = await startWithWebhooks(receiver, {}, { log: (line) => lines.push(line) });
  try {
    const first = workerOf(server);
    assert.ok(first, 'a worker thread delivers');
    const [ana, ben] = [uid('ana'), uid('ben')];
    server.storage.putUser({ id: ben, name: 'Ben' });
    const conv = directConversationId(ana, ben);
    const a = await TestClient.connect(server, ana);
    assert.equal((await a.sendText(conv, 'one', { to: [ben] })).t, 'ack');
    const created = () => receiver.processed.filter((e) => e.type === 'message.created' && e.conv === conv);
    await waitFor('the first event', () => created().length === 1);

    // The worker ends abruptly (as a crash would); the server goes on, and so do the messages.
    await first.terminate();
    for (const text of ['two', 'three']) assert.equal((await a.sendText(conv, text)).t, 'ack', 'acks do not wait for the delivery');
    await waitFor('a new worker', () => workerOf(server) !== undefined && workerOf(server) !== first, 5_000);
    await waitFor('the events recorded meanwhile', () => created().length === 3, 10_000);
    assert.deepEqual(
      created().map((e) => e.seq),
      [1, 2, 3],
    );
    assert.equal(receiver.badSignatures, 0);
    await closeAll(a);
    await server.webhooks!.idle();
    assert.equal(server.webhooks!.counts().pending, 0, 'nothing left queued');
  } finally {
    await server.close();
    await receiver.down();
  }
  assert.deepEqual(
    lines.filter((l) => l.includes('worker failed')),
    [],
    'a terminated worker is not an error, only an exit',
  );
});

test('an in-memory database keeps the delivery on the event loop', async () => {
  const receiver = await Receiver.start();
  const server = await startWithWebhooks(receiver, {}, { dbPath: ':memory:' });
  try {
    assert.equal(workerOf(server), undefined);
    const [ana, ben] = [uid('ana'), uid('ben')];
    server.storage.putUser({ id: ben, name: 'Ben' });
    const a = await TestClient.connect(server, ana);
    assert.equal((await a.sendText(directConversationId(ana, ben), 'hi', { to: [ben] })).t, 'ack');
    await waitFor('the event', () => receiver.processed.some((e) => e.type === 'message.created'));
    await closeAll(a);
  } finally {
    await server.close();
    await receiver.down();
  }
});

test('with a worker, delivered queue rows leave the file in bulk, counted; a failed batch moves into the outbox before its rows go', async () => {
  const receiver = await Receiver.start();
  receiver.behaviour = { answer: 500 };
  const dbPath = join(mkdtempSync(join(tmpdir(), 'pin-hook-drop-')), 'chat.db');
  const server = await startWithWebhooks(receiver, { schedule: { baseMs: 100, capMs: 200 } }, { dbPath });
  const file = openLibsql(dbPath, { reader: true });
  const one = (sql: string) => Number(file.all(sql)[0].n);
  const queued = () => one('SELECT count(*) AS n FROM webhook_messages');
  const movedMessages = () => one(`SELECT count(*) AS n FROM webhook_outbox WHERE type = 'message.created'`);
  try {
    assert.ok(workerOf(server), 'a worker thread delivers');
    const [ana, ben] = [uid('ana'), uid('ben')];
    server.storage.putUser({ id: ben, name: 'Ben' });
    const conv = directConversationId(ana, ben);
    const a = await TestClient.connect(server, ana);
    for (const text of ['one', 'two', 'three']) assert.equal((await a.sendText(conv, text, { to: [ben] })).t, 'ack');

    // Refused: the events are in the outbox under their ids, and only then do their queue rows go.
    await waitFor('the failed events moved into the outbox', () => movedMessages() === 3 && queued() === 0, 5_000, 20);
    assert.equal(server.webhooks!.counts().pending >= 3, true, 'still pending, now in the outbox');
    receiver.behaviour = { answer: 204 };
    const created = () => receiver.processed.filter((e) => e.type === 'message.created' && e.conv === conv);
    await waitFor('the retried events', () => created().length === 3, 5_000, 20);

    // Accepted at once: the rows leave the file a moment later, and the day's count takes them.
    const before = one('SELECT coalesce(sum(n), 0) AS n FROM webhook_delivered');
    for (let i = 0; i < 6; i++) assert.equal((await a.sendText(conv, `more ${i}`)).t, 'ack');
    await waitFor('the new events', () => created().length === 9, 5_000, 20);
    await waitFor('their rows dropped and counted', () => queued() === 0 && one('SELECT coalesce(sum(n), 0) AS n FROM webhook_delivered') === before + 6, 5_000, 20);
    await server.webhooks!.idle();
    assert.deepEqual(server.webhooks!.counts(), { pending: 0, delivered: 10, dead: 0, inFlight: 0 }, 'the 9 messages and the conversation');
    // Each once; retries draw their own jitter, so the three retried may come in any order (each carries its seq).
    assert.deepEqual(
      created()
        .map((e) => e.seq)
        .sort((x, y) => x! - y!),
      Array.from({ length: 9 }, (_, i) => i + 1),
    );
    assert.equal(receiver.badSignatures, 0);
    await closeAll(a);
  } finally {
    await server.close();
    await file.close();
    await receiver.down();
  }
});
