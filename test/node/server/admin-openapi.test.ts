// The server API's Node-only promises: off without a key, no short key, and
// docs/openapi.json describing exactly the routes the router answers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startServer, type PinServer } from '../../../server/node/server.js';
import { ROUTES } from '../../../server/shared/admin/index.js';

const KEY = 'node-server-api-key-that-is-long-enough';
const SECRET = 'test-secret-that-is-long-enough-for-hs256';
const doc = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as { paths: Record<string, Record<string, unknown>> };
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

let server: PinServer;
before(async () => {
  server = await startServer({ port: 0, dbPath: ':memory:', authSecret: SECRET, adminKey: KEY, log: () => {} });
});
after(() => server.close());

function documented(): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`));
}

test('every route the router answers is documented, and nothing else is', () => {
  const routed = ROUTES.flatMap((route) => Object.keys(route.methods).map((method) => `${method} ${route.path}`));
  assert.deepEqual([...documented()].sort(), [...routed].sort());
});

test('every documented path and method is answered by the server (not 404 or 405) with the key', async () => {
  await server.storage.putUser({ id: 'doc-a', name: 'A' });
  await server.storage.putUser({ id: 'doc-b', name: 'B' });
  await server.storage.putUser({ id: 'doc-erased', name: 'E' });
  server.storage.createConversation({ id: 'g:docsdocs', kind: 'group', members: ['doc-a', 'doc-b'], createdBy: 'doc-a', createdAt: 1, lastSeq: 0 });
  server.storage.append('g:docsdocs', 'doc-b', 'docmsg01', { kind: 'text', text: 'hi' }, 2);
  const report = server.storage.addReport('g:docsdocs', 1, 'doc-a', undefined, 3);
  const examples: Record<string, string> = { id: 'doc-a', follower: 'doc-a', followee: 'doc-b', report };
  const bodies: Record<string, unknown> = {
    'PUT /users/{id}': { name: 'A' },
    'POST /users/batch': { users: [] },
    'POST /follows/batch': { changes: [] },
    'PUT /users/{id}/ban': {},
    'POST /reports/{report}/resolve': { action: 'dismiss' },
    'POST /webhooks/dead-letters/replay': { all: true },
  };
  for (const entry of documented()) {
    const [method, path] = entry.split(' ');
    // Erasure is for good: it gets a person of its own.
    const names = entry === 'DELETE /users/{id}' ? { ...examples, id: 'doc-erased' } : examples;
    const url = `${server.url}/admin/v1${path.replace(/\{(\w+)\}/g, (_, name: string) => names[name])}`;
    const body = bodies[entry];
    const response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${KEY}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(response.status !== 404 && response.status !== 405, `${entry} answered ${response.status}`);
    assert.equal(response.status, 200, `${entry}: ${await response.text()}`);
  }
});

test('every documented error response points at the shared error shape', () => {
  const text = JSON.stringify(doc);
  for (const code of ['unauthorized', 'invalid_body', 'invalid_id', 'unknown_user', 'batch_too_large', 'body_too_large', 'method_not_allowed', 'unknown_report', 'already_resolved', 'reserved_user', 'unknown_event']) {
    assert.ok(text.includes(`"${code}"`), `${code} is documented`);
  }
});

test('without a key the whole API is 404, the document included', async () => {
  const off = await startServer({ port: 0, dbPath: ':memory:', authSecret: SECRET, log: () => {} });
  try {
    for (const path of ['/admin/v1/users', '/admin/v1/openapi.json', '/admin/v1/users/batch']) {
      const response = await fetch(`${off.url}${path}`, { headers: { Authorization: `Bearer ${KEY}` } });
      assert.equal(response.status, 404, path);
    }
  } finally {
    await off.close();
  }
});

test('a key shorter than 32 characters refuses to start', async () => {
  await assert.rejects(startServer({ port: 0, dbPath: ':memory:', authSecret: SECRET, adminKey: 'x'.repeat(31), log: () => {} }), /at least 32/);
});

test('a body sent slowly past the cap is cut off with 413, and the server keeps serving', async () => {
  const { request } = await import('node:http');
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`${server.url}/admin/v1/users/batch`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', (error) => (error.message.includes('EPIPE') || error.message.includes('reset') ? undefined : reject(error)));
    // A reset that loses the answer fails the test instead of leaving it waiting.
    req.on('close', () => reject(new Error('the connection closed without an answer')));
    const chunk = 'x'.repeat(256 * 1024);
    let sent = 0;
    const pump = () => {
      while (sent < 40 && req.write(chunk)) sent++;
      if (sent < 40) req.once('drain', () => (sent++, pump()));
    };
    pump();
  });
  assert.equal(status, 413);
  const health = await fetch(`${server.url}/health`);
  assert.equal(health.status, 200);
});

test('a stranger is answered 401 on the headers alone: the body is never waited for', async () => {
  const { request } = await import('node:http');
  const started = performance.now();
  const status = await new Promise<number>((resolve, reject) => {
    // Announces 3 MiB and sends one byte: a server reading the body first would wait for the timeout.
    const req = request(`${server.url}/admin/v1/users/batch`, {
      method: 'POST',
      headers: { Authorization: 'Bearer not-the-key', 'Content-Type': 'application/json', 'Content-Length': String(3 * 2 ** 20) },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', (error) => (error.message.includes('EPIPE') || error.message.includes('reset') ? undefined : reject(error)));
    // A reset that loses the answer fails the test instead of leaving it waiting.
    req.on('close', () => reject(new Error('the connection closed without an answer')));
    req.write('{');
  });
  assert.equal(status, 401);
  assert.ok(performance.now() - started < 2_000, `answered after ${Math.round(performance.now() - started)} ms`);
});
