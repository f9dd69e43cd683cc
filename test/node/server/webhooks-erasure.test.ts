// Erasure with webhooks on: no event or notice about the person is left, the
// notification.due to the other person of their direct conversation included
// (it names them only inside the conversation's id).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'libsql';
import { directConversationId } from '../../../src/protocol/index.js';
import type { PinServer } from '../../../server/node/server.js';
import { ADMIN_KEY } from '../../conformance/backend.js';
import { clientId, closeAll, TestClient } from '../../conformance/client.js';
import { waitFor } from '../support/wait.js';
import { startWithWebhooks } from './webhooks-support.js';

const dir = mkdtempSync(join(tmpdir(), 'pin-webhook-erasure-'));
const dbPath = join(dir, 'chat.db');
let server: PinServer | undefined;
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function rows(query: string): Record<string, unknown>[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(query).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/** Every webhook row holding `needle` in any column, as `table.column`. */
function whereFound(needle: string): string[] {
  const hits = new Set<string>();
  const tables = rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'webhook%'").map((r) => String(r.name));
  assert.ok(tables.includes('webhook_messages') && tables.includes('webhook_outbox'), tables.join());
  for (const table of tables) {
    for (const row of rows(`SELECT * FROM ${table}`)) for (const [column, value] of Object.entries(row)) if (String(value).includes(needle)) hits.add(`${table}.${column}`);
  }
  return [...hits];
}

test('erasing the sender leaves no event or notice that names them, not even in a direct conversation id', async () => {
  // A receiver that never answers: every event stays in the outbox (or the message events' queue) to be looked at.
  server = await startWithWebhooks(
    { url: 'http://127.0.0.1:9/hook' },
    { fetch: () => new Promise(() => {}), notifyAfterMs: 50, scanEveryMs: 20 },
    { dbPath, adminKey: ADMIN_KEY },
  );
  const gone = 'ErasedSender7';
  const away = 'AwayReader7';
  const put = await fetch(`${server.url}/admin/v1/users/${away}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Away' }),
  });
  assert.equal(put.status, 200);
  const sender = await TestClient.connect({ url: server.url, issueToken: server.issueToken }, gone);
  const id = clientId();
  sender.send({ t: 'send', conv: directConversationId(gone, away), id, to: [away], body: { kind: 'text', text: 'are you there?' } });
  await sender.next((f) => f.t === 'ack' && f.id === id);
  await waitFor('a notification.due for the reader', () => rows("SELECT 1 FROM webhook_outbox WHERE type = 'notification.due'").length > 0, 5_000, 20);
  const [due] = rows("SELECT body FROM webhook_outbox WHERE type = 'notification.due'");
  assert.ok(!String(due.body).includes(`"${gone}"`), 'it names the sender only inside the conversation id');
  assert.ok(whereFound(gone).length > 0);

  const erased = await fetch(`${server.url}/admin/v1/users/${gone}`, { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal(erased.status, 200, await erased.text());
  assert.deepEqual(whereFound(gone), [], 'found after erasure');
  await closeAll(sender);
});
