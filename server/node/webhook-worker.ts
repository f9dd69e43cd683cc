// The webhook delivery loop in a worker thread (see WebhookDelivery): it
// reads due events on its own connection to the database, builds, signs and
// posts them. The message events' queue needs no message per delivery: the
// worker publishes in shared memory the row through which every queued event
// is settled, and how many it delivered, and the server drops those rows in
// bulk now and then. The outbox's outcomes, and a queued batch that failed,
// go back to the server, which records them in its next turn's transaction.
// The server's event loop keeps the one INSERT per event and those writes.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { MessageEventQueue } from '../shared/webhooks/message-events.js';
import { SqlOutbox } from '../shared/webhooks/outbox.js';
import { DeliveryLoop, type DeliveryStore } from './delivery-loop.js';
import { openLibsql } from './libsql.js';
import { BUSY, DELIVERED, FLIGHT, loopSettings, OUTBOX, SETTLED, type ToMain, type ToWorker, type WorkerSettings } from './webhooks.js';

const port = parentPort!;
const settings = workerData as WorkerSettings;
const db = openLibsql(settings.dbPath, { reader: true });
const outbox = new SqlOutbox(db);
const queue = new MessageEventQueue(db);
const { loop: loopOptions, close } = loopSettings(settings.options);
const post = (message: ToMain) => port.postMessage(message);
const progress = new BigInt64Array(settings.progress);

/** Outbox events whose outcome the server has not yet recorded: not read again meanwhile. */
const unrecorded = new Set<string>();

const store: DeliveryStore = {
  due(now, limit, busy) {
    if (unrecorded.size === 0) return outbox.due(now, limit, busy);
    return outbox.due(now, limit, new Set([...busy, ...unrecorded]));
  },
  take: (after, limit) => queue.take(after, limit),
  outbox: {
    deliveredAll(ids, now) {
      for (const id of ids) unrecorded.add(id);
      post({ type: 'outbox-delivered', ids, now });
    },
    failedAll(events, error, now) {
      for (const { id } of events) unrecorded.add(id);
      post({ type: 'outbox-failed', events, error, now });
    },
  },
  // Counted here; the server drops the rows once SETTLED passes them.
  queueDelivered: (_from, _to, delivered) => void Atomics.add(progress, DELIVERED, BigInt(delivered)),
  queueFailed: (from, to, moved, error, now) => post({ type: 'queue-failed', from, to, moved, error, now }),
};

// The server reads [BUSY] before sending a wake, and sets [OUTBOX] when it has not sent one for the outbox's events.
const signals = new Int32Array(settings.signals);
const loop = new DeliveryLoop(
  store,
  {
    ...loopOptions,
    outboxSignal: () => Atomics.exchange(signals, OUTBOX, 0) === 1,
    onBusy: (busy) => Atomics.store(signals, BUSY, busy ? 1 : 0),
    onSettled: (through) => void Atomics.store(progress, SETTLED, BigInt(through)),
    queueAfter: Number(Atomics.load(progress, SETTLED)),
  },
  (line) => post({ type: 'log', line }),
  (events) => {
    const before = Atomics.exchange(progress, FLIGHT, BigInt(events));
    // The server reads the figure when it needs it; it is told only when the last try ends (its `idle()`).
    if (events === 0 && before !== 0n) post({ type: 'idle' });
  },
);
lowerPriority();
loop.start(settings.pollMs);

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'wake':
      return loop.wake(message.outbox);
    case 'recorded':
      for (const id of message.ids) unrecorded.delete(id);
      if (!message.committed) loop.pump();
      return;
    case 'stop':
      loop.stop();
      close();
      void db.close().finally(() => port.close());
  }
});

/**
 * Delivery is background work: on Linux this thread asks for ten steps less
 * CPU priority than the server's (never more than it had), so under
 * contention the event loop, which carries the messages, gets the cores
 * first, and delivery catches up when there is room. Elsewhere it keeps the
 * server's priority.
 */
function lowerPriority(): void {
  try {
    const thread = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(thread) && thread > 0) setPriority(thread, Math.min(19, getPriority(thread) + 10));
  } catch {
    // No per-thread priority here.
  }
}
