// Delivery in its worker thread (a database file): what the event loop keeps,
// and what happens when the worker dies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { directConversationId } from '../../../src/protocol/index.js';
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
