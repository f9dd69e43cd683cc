/**
 * F13, webhooks through faults, on any backend: a receiver answering 500 (for
 * a compressed "minute"), then answering too late for the timeout, then down
 * while the server is SIGKILLed right after acks and started again on the
 * same data; then it comes back. Afterwards every acknowledged message, both
 * conversations and the report reached it, each id was processed once by its
 * dedup, every signature verified, and nothing is pending or dead-lettered.
 */
import assert from 'node:assert/strict';
import { directConversationId, randomId } from '../../src/protocol/index.js';
import { ADMIN_KEY } from './backend.js';
import { TestClient, uid } from './client.js';
import type { Receiver } from './webhook-receiver.js';

/** A server in a process of its own, with webhooks to `receiver`, that the scenario kills and starts again. */
export interface KillableServer {
  /** Where clients connect, and tokens its host's backend would issue. */
  target: { url: string; issueToken(user: string): Promise<string> };
  /** SIGKILL, no goodbye; resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it answers. */
  start(): Promise<void>;
}

/** What the scenario saw, for the closing figures. */
export interface FaultFigures {
  events: number;
  messages: number;
  failures: number;
  timeouts: number;
  recoveredMs: number;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs F13 against `server` (already started, its webhooks to `receiver`
 * with a timeout of about 1 s and retries capped at about 2 s). `pause` is
 * the length of the failing phase (the issue's minute, compressed).
 */
export async function webhookFault(server: KillableServer, receiver: Receiver, pause = { failingMs: 8_000, timingOutMs: 6_000 }): Promise<FaultFigures> {
  receiver.behaviour = { answer: 500 };
  const [ana, ben, cy] = [uid('ana'), uid('ben'), uid('cy')];
  for (const who of [ben, cy]) await (await TestClient.connect(server.target, who)).close();
  const dm = directConversationId(ana, ben);
  const group = `g:${randomId(16)}`;
  /** (conv, seq) of every acknowledged message. */
  const acked = new Set<string>();
  const sendSome = async (n: number, label: string) => {
    const a = await TestClient.connect(server.target, ana);
    for (let i = 0; i < n; i++) {
      const conv = i % 2 ? group : dm;
      const ack = await a.sendText(conv, `${label} ${i}`, acked.size < 2 ? { to: conv === dm ? [ben] : [ben, cy] } : {});
      assert.equal(ack.t, 'ack');
      if (ack.t === 'ack') acked.add(`${conv} ${ack.seq}`);
      await new Promise((r) => setTimeout(r, 150));
    }
    return a;
  };

  // 1. The receiver answers 500.
  let a = await sendSome(10, 'failing');
  assert.equal((await a.request({ t: 'report', conv: dm, seq: 1 })).t, 'ok');
  await a.close();
  await new Promise((r) => setTimeout(r, pause.failingMs));
  const failures = receiver.requests.length;
  // 2. It answers too late: every try times out, though the receiver may have processed it.
  receiver.behaviour = { answer: 204, delayMs: 1_500 };
  a = await sendSome(6, 'timing out');
  await a.close();
  await new Promise((r) => setTimeout(r, pause.timingOutMs));
  const timeouts = receiver.requests.length - failures;
  // 3. It is down, and the server is killed right after acks, then started again.
  await receiver.down();
  a = await sendSome(4, 'receiver down');
  await server.kill();
  await a.close();
  await server.start();
  a = await sendSome(4, 'after the restart');
  await a.close();
  // 4. It comes back.
  receiver.behaviour = { answer: 204 };
  await receiver.up();
  const recovering = Date.now();
  const expected = acked.size + 2 + 1; // messages, two conversations, the report
  await waitFor('every event at the receiver', () => receiver.processed.length >= expected, 30_000);
  const recoveredMs = Date.now() - recovering;
  // Some were processed while the answers came too late: their retries are what tells the server.
  await waitFor('every event acknowledged in time', () => receiver.processed.every((e) => receiver.acknowledged.has(e.id)), 30_000);
  await waitFor(
    'nothing pending or dead-lettered',
    async () => {
      const counts = (await (await fetch(`${server.target.url}/admin/v1/webhooks/counts`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { pending: number; dead: number };
      return counts.pending === 0 && counts.dead === 0;
    },
    15_000,
  );

  const delivered = new Set(receiver.of('message.created').map((e) => `${e.conv} ${e.seq}`));
  assert.deepEqual([...acked].filter((k) => !delivered.has(k)), [], 'every acknowledged message reached the receiver');
  assert.equal(receiver.of('conversation.created').length, 2);
  assert.equal(receiver.of('report.created').length, 1);
  assert.equal(receiver.processed.length, expected, 'no event recorded twice under two ids');
  assert.equal(new Set(receiver.processed.map((e) => e.id)).size, receiver.processed.length, 'each id processed once');
  assert.equal(receiver.badSignatures, 0, 'every signature verified');
  return { events: expected, messages: acked.size, failures, timeouts, recoveredMs };
}

/** The closing line of a run. */
export function describeFault(f: FaultFigures, receiver: Receiver, started: number): string {
  const answered = receiver.requests.filter((r, i) => r.status === 204 && i >= f.failures + f.timeouts).length;
  const repeated = receiver.requests.length - f.failures - new Set(receiver.requests.slice(f.failures).map((r) => r.event.id)).size;
  return (
    `F13: ${f.events} events (${f.messages} messages); receiver saw ${receiver.requests.length} events in ${receiver.posts} requests: ` +
    `${f.failures} answered 500, ${f.timeouts} answered too late (timed out), ${answered} answered in time; ` +
    `${repeated} repeated an id already sent (dropped by the receiver's dedup); ` +
    `all delivered ${f.recoveredMs} ms after the receiver came back; test ${Math.round((Date.now() - started) / 1000)} s`
  );
}
