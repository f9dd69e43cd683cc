// The worked receiver (examples/webhook-receiver/receiver.py, Python standard
// library only) takes a real delivery, and refuses a bad signature and an old
// timestamp.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { directConversationId, randomId } from '../../../src/protocol/index.js';
import type { PinEvent } from '../../../src/core/events.js';
import type { PinServer } from '../../../server/node/server.js';
import { signatureHeader } from '../../../server/shared/webhooks/signature.js';
import { TestClient, uid } from '../../conformance/client.js';
import { waitFor } from '../support/wait.js';
import { HOOK_SECRET, startWithWebhooks } from './webhooks-support.js';

let python: ChildProcess;
let receiverUrl: string;
const printed: PinEvent[] = [];
let server: PinServer;

before(async () => {
  python = spawn('python3', ['examples/webhook-receiver/receiver.py', '0'], {
    env: { ...process.env, PIN_WEBHOOK_SECRET: HOOK_SECRET },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: python.stdout! });
  receiverUrl = await new Promise<string>((resolve, reject) => {
    python.once('exit', (code) => reject(new Error(`receiver.py exited with ${code}`)));
    lines.on('line', (line) => {
      const port = /^listening on (\d+)/.exec(line)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}/`);
      else if (line.startsWith('{')) printed.push(JSON.parse(line) as PinEvent);
    });
  });
  server = await startWithWebhooks({ url: receiverUrl });
});

after(async () => {
  await server.close();
  python.kill();
});

async function post(body: string, signature: string): Promise<number> {
  const response = await fetch(receiverUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'Pin-Signature': signature }, body });
  await response.body?.cancel();
  return response.status;
}

test('receiver.py accepts a real delivery and prints the event once', async () => {
  const [ana, ben] = [uid('ana'), uid('ben')];
  server.storage.putUser({ id: ben, name: 'Ben' });
  const a = await TestClient.connect(server, ana);
  const conv = directConversationId(ana, ben);
  assert.equal((await a.sendText(conv, 'hello from Node', { to: [ben] })).t, 'ack');
  await waitFor('receiver.py to print the message', () => printed.some((e) => e.type === 'message.created' && e.conv === conv), 10_000);
  const event = printed.find((e) => e.type === 'message.created' && e.conv === conv)!;
  assert.equal(event.seq, 1);
  assert.deepEqual(event.type === 'message.created' && event.data.offline, [ben]);
  await waitFor('both events delivered', () => server.webhooks!.counts().delivered >= 2);
  assert.equal(server.webhooks!.counts().pending, 0, 'answered 2xx: delivered');

  // The same event again (a retry after a lost answer), in a batch with a new one: acknowledged, and only the new one processed.
  const fresh = { id: `evt_${randomId(20)}`, type: 'user.blocked', at: Date.now(), data: { user: ana, other: ben, blocked: true } };
  const body = `{"events":[${JSON.stringify(event)},${JSON.stringify(fresh)}]}`;
  assert.equal(await post(body, await signatureHeader(HOOK_SECRET, Date.now() / 1000, body)), 204);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(printed.filter((e) => e.id === event.id).length, 1);
  assert.equal(printed.filter((e) => e.id === fresh.id).length, 1, 'the other event of the batch is processed');
  await a.close();
});

test('receiver.py refuses a bad signature and an old timestamp', async () => {
  const body = JSON.stringify({ events: [{ id: `evt_${randomId(20)}`, type: 'user.blocked', at: Date.now(), data: { user: 'a', other: 'b', blocked: true } }] });
  const now = Date.now() / 1000;
  const good = await signatureHeader(HOOK_SECRET, now, body);
  assert.equal(await post(body, await signatureHeader(`${HOOK_SECRET}-wrong`, now, body)), 400, 'another secret');
  assert.equal(await post(body, good.replace(/v1=[0-9a-f]{4}/, 'v1=0000')), 400, 'a changed signature');
  assert.equal(await post(body.replace('"a"', '"c"'), good), 400, 'a changed body');
  assert.equal(await post(body, await signatureHeader(HOOK_SECRET, now - 600, body)), 400, '10 minutes old');
  assert.equal(await post(body, ''), 400, 'no signature');
  assert.equal(await post(body, good), 204, 'the same body, rightly signed');
});
