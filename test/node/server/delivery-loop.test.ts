// The delivery loop's account of the message events' queue: the row through
// which every outcome is recorded, which a worker publishes so the server can
// drop those rows in bulk. Tries answer out of order here, as they do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliveryLoop, type DeliveryStore } from '../../../server/node/delivery-loop.js';
import type { QueuedEvent } from '../../../server/shared/webhooks/message-events.js';
import { DEFAULT_SCHEDULE } from '../../../server/shared/webhooks/schedule.js';
import { waitFor } from '../support/wait.js';

const event = (row: number): QueuedEvent => ({ row, id: `evt_${row}`, type: 'message.created', body: `{"id":"evt_${row}"}`, createdAt: 0, attempts: 0, since: 0, nextAt: 0 });

test('the settled row moves only past ranges whose outcome is recorded, however the answers come back; a restart goes on from it', async () => {
  const rows = Array.from({ length: 6 }, (_, i) => event(i + 1));
  const answers: { first: number; answer: (status: number) => void }[] = [];
  const told: number[] = [];
  const recorded: string[] = [];
  const store: DeliveryStore = {
    due: () => [],
    take: (after, limit) => {
      const events = rows.filter((e) => e.row > after).slice(0, limit);
      return { events, through: events.length > 0 ? events[events.length - 1].row : after };
    },
    outbox: { deliveredAll: () => {}, failedAll: () => {} },
    queueDelivered: (from, to) => void recorded.push(`delivered ${from}-${to}`),
    queueFailed: (from, to) => void recorded.push(`failed ${from}-${to}`),
  };
  const settings = (queueAfter = 0) => ({
    concurrency: 3,
    spacingMs: 0,
    queueAfter,
    onSettled: (through: number) => void told.push(through),
    delivery: {
      url: 'http://receiver.test/hooks',
      secret: 'x'.repeat(32),
      timeoutMs: 1_000,
      schedule: DEFAULT_SCHEDULE,
      // Two events a request: three requests carry rows 1-2, 3-4 and 5-6.
      batch: { maxEvents: 2, maxBytes: 1 << 20 },
      now: () => 0,
      random: () => 0.5,
      sign: () => 'signature',
      send: ({ body }: { body: string }) =>
        new Promise<{ status: number; retryAfter: null }>((resolve) => {
          answers.push({ first: Number(/evt_(\d+)/.exec(body)![1]), answer: (status) => resolve({ status, retryAfter: null }) });
        }),
    },
  });
  const loop = new DeliveryLoop(store, settings(), () => {});
  loop.pump();
  await waitFor('three requests', () => answers.length === 3);
  const answer = async (first: number, status: number) => {
    answers.find((a) => a.first === first)!.answer(status);
    await waitFor(`the outcome of rows from ${first}`, () => recorded.some((r) => r.includes(` ${first}-`)));
  };

  await answer(5, 204);
  assert.deepEqual(told, [], 'rows 1-4 are still in tries');
  await answer(1, 204);
  assert.deepEqual(told, [2]);
  await answer(3, 500);
  assert.deepEqual(told, [2, 6], 'a failure is settled once it is handed over');
  assert.deepEqual(recorded, ['delivered 5-6', 'delivered 1-2', 'failed 3-4']);
  loop.stop();

  // Another loop (a restarted worker) starts after the settled row: nothing is sent again.
  answers.length = 0;
  const again = new DeliveryLoop(store, settings(6), () => {});
  again.pump();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(answers.length, 0);
  again.stop();
});
