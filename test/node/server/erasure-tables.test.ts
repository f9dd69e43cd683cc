// After an erasure, nothing of the person is left anywhere in the Node server's SQLite file:
// every table (sqlite_master) and every column of every row is read back.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'libsql';
import { directConversationId, newGroupId } from '../../../src/protocol/index.js';
import { startServer, type PinServer } from '../../../server/node/server.js';
import { ADMIN_KEY, ORIGIN, SECRET } from '../../conformance/backend.js';
import { clientId, closeAll, TestClient } from '../../conformance/client.js';

const dir = mkdtempSync(join(tmpdir(), 'pin-erasure-'));
const dbPath = join(dir, 'chat.db');
let server: PinServer | undefined;
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Rows of every table holding `needle` in any column, as `table.column`. */
function whereFound(needle: string): string[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    const hits: string[] = [];
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
        for (const [column, value] of Object.entries(row)) if (String(value).includes(needle)) hits.push(`${name}.${column}`);
      }
    }
    return [...new Set(hits)];
  } finally {
    db.close();
  }
}

test('an erased person is nowhere in any table of the database', async () => {
  // A receiver that never answers keeps webhook events in the outbox, so they are in the file too.
  server = await startServer({
    port: 0,
    dbPath,
    authSecret: SECRET,
    allowedOrigins: [ORIGIN],
    adminKey: ADMIN_KEY,
    allowNoOrigin: true,
    log: () => {},
    webhooks: { url: 'http://127.0.0.1:9/hook', secret: 'webhook-secret-long-enough-for-the-test', fetch: () => new Promise(() => {}), pollMs: 60_000 },
  });
  const reach = { url: server.url, issueToken: server.issueToken };
  const gone = 'ErasedZelda42';
  const [z, b, c] = await Promise.all([gone, 'keeperBob', 'keeperCy'].map((u) => TestClient.connect(reach, u)));
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${server!.url}/admin/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const send = async (client: TestClient, conv: string, text: string, extra: object = {}) => {
    const id = clientId();
    client.send({ t: 'send', conv, id, body: { kind: 'text', text }, ...extra });
    const answer = await client.next((f) => (f.t === 'ack' || f.t === 'error') && f.id === id);
    assert.equal(answer.t, 'ack', JSON.stringify(answer));
    return answer as { seq: number };
  };

  const g = newGroupId();
  await send(z, g, `hi from ${gone}`, { to: [b.user, c.user], title: `${gone}'s group` });
  await send(b, g, 'hello');
  await send(z, directConversationId(gone, c.user), 'private', { to: [c.user] });
  const mine = newGroupId();
  await send(b, mine, 'a group they left', { to: [z.user, c.user] });
  await send(z, mine, 'before leaving');
  assert.equal((await z.request({ t: 'read', conv: mine, seq: 2 }), (await z.request({ t: 'leave', conv: mine })).t), 'ok');
  assert.equal((await z.request({ t: 'mute', conv: g, muted: true })).t, 'ok');
  z.send({ t: 'read', conv: g, seq: 2 });
  assert.equal((await z.request({ t: 'block', user: c.user, blocked: true })).t, 'ok');
  assert.equal((await b.request({ t: 'block', user: gone, blocked: true })).t, 'ok');
  assert.equal((await z.request({ t: 'report', conv: g, seq: 2, reason: 'reported by them' })).t, 'ok');
  assert.equal((await c.request({ t: 'report', conv: g, seq: 1, reason: 'reporting them' })).t, 'ok');
  await call('PUT', `/users/${gone}/follows/${b.user}`);
  await call('PUT', `/users/${c.user}/follows/${gone}`);
  await call('PUT', `/users/${c.user}/ban`, {});
  await call('DELETE', `/users/${c.user}/ban`);
  await call('PUT', `/users/${gone}/ban`, { until: new Date(Date.now() + 60_000).toISOString() });
  await new Promise((resolve) => setTimeout(resolve, 100));

  assert.ok(whereFound(gone).length >= 8, `the person is stored before: ${whereFound(gone).join(', ')}`);
  const erased = await call('DELETE', `/users/${gone}`);
  assert.equal(erased.status, 200, await erased.text());
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(whereFound(gone), [], 'found after erasure');
  assert.ok(whereFound('keeperBob').length > 0, 'the others are still there');
  assert.equal((await call('DELETE', `/users/${gone}`)).status, 404, 'a retry finds nobody');
  await closeAll(z, b, c);
});
