// Webhooks through faults (F13): the server SIGKILLed right after an ack while
// the receiver is down; and a receiver answering 500, then timing out, then
// down while the server is killed and restarted, on a compressed schedule.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { test } from 'node:test';
import { directConversationId } from '../../../src/protocol/index.js';
import { openLibsql } from '../../../server/node/libsql.js';
import { TokenAuthority } from '../../../server/shared/auth.js';
import { ADMIN_KEY, ORIGIN, SECRET } from '../../conformance/backend.js';
import { TestClient, uid } from '../../conformance/client.js';
import { describeFault, webhookFault } from '../../conformance/webhook-fault.js';
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
async function outboxStates(dbPath: string, reader = false): Promise<Record<string, number>> {
  const db = openLibsql(dbPath, { reader });
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
  const port = await freePort();
  const dbPath = join(mkdtempSync(join(tmpdir(), 'pin-hook-f13-')), 'chat.db');
  const settings = {
    port,
    dbPath,
    secret: SECRET,
    origin: ORIGIN,
    adminKey: ADMIN_KEY,
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
  const figures = await webhookFault(
    {
      target: reach(port),
      kill: () => kill(child),
      start: async () => {
        child = await spawnServer(script, env, 'ready');
      },
    },
    receiver,
  );
  // Delivered rows leave the queue, counted, a moment after their delivery (in bulk): wait for the file to say so.
  const expected = { delivered: figures.events };
  const deadline = Date.now() + 5_000;
  let states = await outboxStates(dbPath, true);
  while (!isDeepStrictEqual(states, expected) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    states = await outboxStates(dbPath, true);
  }
  await kill(child);
  assert.deepEqual(await outboxStates(dbPath), expected, 'in the file: nothing pending, no dead letters');
  console.info(describeFault(figures, receiver, started));
});
