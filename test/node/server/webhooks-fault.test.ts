// Webhooks through faults (F13): the server SIGKILLed right after an ack while
// the receiver is down; and a receiver answering 500, then timing out, then
// down while the server is killed and restarted, on a compressed schedule.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { directConversationId, randomId } from '../../../src/protocol/index.js';
import { openLibsql } from '../../../server/node/libsql.js';
import { TokenAuthority } from '../../../server/shared/auth.js';
import { ORIGIN, SECRET } from '../../conformance/backend.js';
import { TestClient, uid } from '../../conformance/client.js';
import { waitFor } from '../support/wait.js';
import { HOOK_SECRET, Receiver } from './webhooks-support.js';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Spawns a server and resolves once it prints `ready` (a line containing it). */
async function spawnServer(args: string[], env: Record<string, string>, ready: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes(ready) && resolve());
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return child;
}

/** The server on `port`, with tokens signed here from its secret, as a host's backend signs them. */
function reach(port: number) {
  const auth = new TokenAuthority(SECRET, 'pin-messaging', 'pin-messaging');
  return { url: `http://127.0.0.1:${port}`, issueToken: (user: string) => auth.issue(user, { name: user }) };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Rows of the outbox per state, read from the file after the server is gone. */
async function outboxStates(dbPath: string): Promise<Record<string, number>> {
  const db = openLibsql(dbPath);
  try {
    // Events in the outbox by state, with the message events' queue: its rows pending, its deliveries counted.
    const states: Record<string, number> = Object.fromEntries(
      db.all('SELECT state, count(*) AS n FROM webhook_outbox GROUP BY state').map((r) => [String(r.state), Number(r.n)]),
    );
    const [queued] = db.all('SELECT count(*) AS n FROM webhook_messages');
    const [counted] = db.all('SELECT coalesce(sum(n), 0) AS n FROM webhook_delivered');
    if (Number(queued.n) > 0) states.pending = (states.pending ?? 0) + Number(queued.n);
    if (Number(counted.n) > 0) states.delivered = (states.delivered ?? 0) + Number(counted.n);
    return states;
  } finally {
    await db.close();
  }
}

test('an event acknowledged just before a SIGKILL, with the receiver down, is delivered after the restart (server/main.ts)', async () => {
  const receiver = await Receiver.start();
  await receiver.down();
  const port = await freePort();
  const dbPath = join(mkdtempSync(join(tmpdir(), 'pin-hook-kill-')), 'chat.db');
  const env = {
    PIN_PORT: String(port),
    PIN_DB: dbPath,
    PIN_AUTH_SECRET: SECRET,
    PIN_ALLOWED_ORIGINS: ORIGIN,
    PIN_WEBHOOK_URL: receiver.url,
    PIN_WEBHOOK_SECRET: HOOK_SECRET,
  };
  let child = await spawnServer(['server/main.ts'], env, 'server on');
  const target = reach(port);
  const [ana, ben] = [uid('ana'), uid('ben')];
  await (await TestClient.connect(target, ben)).close();
  const a = await TestClient.connect(target, ana);
  const conv = directConversationId(ana, ben);
  const ack = await a.sendText(conv, 'acked, then the server dies', { to: [ben] });
  assert.equal(ack.t, 'ack');
  await kill(child);
  await a.close();

  await receiver.up();
  child = await spawnServer(['server/main.ts'], env, 'server on');
  try {
    // The first try may have failed before the kill: the retry waits up to 10 s (the first ceiling).
    await waitFor('the message.created after the restart', () => receiver.of('message.created').some((e) => e.conv === conv && e.seq === 1), 15_000, 50);
    await waitFor('the conversation.created', () => receiver.of('conversation.created').some((e) => e.conv === conv), 15_000, 50);
    assert.equal(receiver.badSignatures, 0);
  } finally {
    await kill(child);
    await receiver.down();
  }
});

test('F13: receiver failing, then timing out, then down while the server is killed: every event once, all signed, no dead letters', async (t) => {
  const started = Date.now();
  const receiver = await Receiver.start();
  // A receiver left listening would keep this file's process, and the whole run, waiting.
  t.after(() => receiver.down());
  receiver.behaviour = { answer: 500 };
  const port = await freePort();
  const dbPath = join(mkdtempSync(join(tmpdir(), 'pin-hook-f13-')), 'chat.db');
  const settings = {
    port,
    dbPath,
    secret: SECRET,
    origin: ORIGIN,
    webhooks: {
      url: receiver.url,
      secret: HOOK_SECRET,
      timeoutMs: 1_000,
      pollMs: 100,
      // A minute of failures is many tries at this pace, and far from the horizon.
      schedule: { baseMs: 250, capMs: 2_000, horizonMs: 60_000 },
    },
  };
  const env = { PIN_WEBHOOK_TEST_SERVER: JSON.stringify(settings) };
  const script = ['test/node/server/webhooks-process.ts'];
  let child = await spawnServer(script, env, 'ready');
  t.after(() => kill(child));
  const target = reach(port);

  const [ana, ben, cy] = [uid('ana'), uid('ben'), uid('cy')];
  for (const who of [ben, cy]) await (await TestClient.connect(target, who)).close();
  const dm = directConversationId(ana, ben);
  const group = `g:${randomId(16)}`;
  /** (conv, seq) of every acknowledged message. */
  const acked = new Set<string>();
  const sendSome = async (n: number, label: string) => {
    const a = await TestClient.connect(target, ana);
    for (let i = 0; i < n; i++) {
      const conv = i % 2 ? group : dm;
      const ack = await a.sendText(conv, `${label} ${i}`, acked.size < 2 ? { to: conv === dm ? [ben] : [ben, cy] } : {});
      assert.equal(ack.t, 'ack');
      if (ack.t === 'ack') acked.add(`${conv} ${ack.seq}`);
      await new Promise((r) => setTimeout(r, 150));
    }
    return a;
  };

  // 1. The receiver answers 500 (compressed: 10 s for the issue's minute).
  let a = await sendSome(10, 'failing');
  assert.equal((await a.request({ t: 'report', conv: dm, seq: 1 })).t, 'ok');
  await a.close();
  await new Promise((r) => setTimeout(r, 8_000));
  const failures = receiver.requests.length;
  // 2. It answers too late: every try times out after 1 s, though the receiver may have processed it.
  receiver.behaviour = { answer: 204, delayMs: 1_500 };
  a = await sendSome(6, 'timing out');
  await a.close();
  await new Promise((r) => setTimeout(r, 6_000));
  const timeouts = receiver.requests.length - failures;
  // 3. It is down, and the server is killed right after acks, then started again.
  await receiver.down();
  a = await sendSome(4, 'receiver down');
  await kill(child);
  await a.close();
  child = await spawnServer(script, env, 'ready');
  a = await sendSome(4, 'after the restart');
  await a.close();
  // 4. It comes back.
  receiver.behaviour = { answer: 204 };
  await receiver.up();
  const recovering = Date.now();
  const expected = acked.size + 2 + 1; // messages, two conversations, the report
  await waitFor('every event at the receiver', () => receiver.processed.length >= expected, 20_000, 50);
  const recovered = Date.now() - recovering;
  // Some were processed while the answers came too late: their retries are what tells the server.
  await waitFor('every event acknowledged in time', () => receiver.processed.every((e) => receiver.acknowledged.has(e.id)), 20_000, 50);
  await new Promise((r) => setTimeout(r, 500));
  await kill(child);

  const delivered = new Set(receiver.of('message.created').map((e) => `${e.conv} ${e.seq}`));
  assert.deepEqual([...acked].filter((k) => !delivered.has(k)), [], 'every acknowledged message reached the receiver');
  assert.equal(receiver.of('conversation.created').length, 2);
  assert.equal(receiver.of('report.created').length, 1);
  assert.equal(receiver.processed.length, expected, 'no event recorded twice under two ids');
  assert.equal(new Set(receiver.processed.map((e) => e.id)).size, receiver.processed.length, 'each id processed once');
  assert.equal(receiver.badSignatures, 0, 'every signature verified');
  const states = await outboxStates(dbPath);
  assert.deepEqual(states, { delivered: expected }, 'nothing pending, no dead letters');
  const answered = receiver.requests.filter((r, i) => r.status === 204 && i >= failures + timeouts).length;
  console.info(
    `F13: ${expected} events (${acked.size} messages); receiver saw ${receiver.requests.length} events in ${receiver.posts} requests: ` +
      `${failures} answered 500, ${timeouts} answered too late (timed out), ${answered} answered in time; ` +
      `${receiver.requests.length - failures - new Set(receiver.requests.slice(failures).map((r) => r.event.id)).size} repeated an id already sent (dropped by the receiver's dedup); ` +
      `all delivered ${recovered} ms after the receiver came back; test ${Math.round((Date.now() - started) / 1000)} s`,
  );
});
