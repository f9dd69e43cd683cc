// The Node server's webhook transport (node:http on a keep-alive Agent) and
// signer: one connection reused across deliveries, no redirect followed, the
// answer's body drained, a timeout over the whole exchange, and signatures a
// receiver verifies as it did with Web Crypto.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { nodeSender, nodeSigner } from '../../../server/node/webhook-transport.js';
import { postBatch } from '../../../server/shared/webhooks/post.js';
import { signatureHeader, verifySignature, webCryptoSigner } from '../../../server/shared/webhooks/signature.js';
import { HOOK_SECRET } from './webhooks-support.js';

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  let connections = 0;
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      handler(req, res);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  const close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return { url, bodies, connections: () => connections, close };
}

test('node:crypto and Web Crypto sign alike', async () => {
  const body = '{"events":[{"id":"evt_1","type":"user.blocked"}]}';
  assert.equal(await signatureHeader(HOOK_SECRET, 1_700_000_000, body, nodeSigner), await signatureHeader(HOOK_SECRET, 1_700_000_000, body, webCryptoSigner));
  assert.ok(await verifySignature(HOOK_SECRET, await signatureHeader(HOOK_SECRET, 1_700_000_000, body, nodeSigner), body, 1_700_000_010));
});

test('deliveries reuse one kept-alive connection; the answer body is drained', async () => {
  const receiver = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(100_000)));
  const transport = nodeSender(receiver.url, 2);
  const settings = { url: receiver.url, secret: HOOK_SECRET, timeoutMs: 5_000, now: Date.now, sign: nodeSigner, send: transport.send };
  for (let i = 0; i < 5; i++) assert.deepEqual(await postBatch(settings, [`{"id":"evt_${i}"}`]), { delivered: true, status: 200 });
  assert.equal(receiver.connections(), 1);
  assert.deepEqual(receiver.bodies, [0, 1, 2, 3, 4].map((i) => `{"events":[{"id":"evt_${i}"}]}`));
  transport.close();
  await receiver.close();
});

test('a redirect is an answer, not followed; Retry-After is read; a silent receiver times out', async () => {
  let answer: (res: ServerResponse) => void = (res) => res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end();
  const receiver = await serve((_req, res) => answer(res));
  const transport = nodeSender(receiver.url, 1);
  const settings = { url: receiver.url, secret: HOOK_SECRET, timeoutMs: 300, now: Date.now, sign: nodeSigner, send: transport.send };
  assert.deepEqual(await postBatch(settings, ['{}']), { delivered: false, status: 302, error: 'HTTP 302' });
  answer = (res) => res.writeHead(429, { 'retry-after': '7' }).end();
  assert.deepEqual(await postBatch(settings, ['{}']), { delivered: false, status: 429, error: 'HTTP 429', retryAfterMs: 7_000 });
  answer = () => {};
  const started = Date.now();
  assert.deepEqual(await postBatch(settings, ['{}']), { delivered: false, error: 'timed out after 300 ms' });
  assert.ok(Date.now() - started < 2_000);
  answer = (res) => res.writeHead(204).end();
  assert.deepEqual(await postBatch(settings, ['{}']), { delivered: true, status: 204 }, 'the next request gets a fresh socket');
  transport.close();
  await receiver.close();
  assert.match((await postBatch(settings, ['{}']) as { error: string }).error, /ECONNREFUSED/);
});
