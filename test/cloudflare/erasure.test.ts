// Erasure across the objects: afterwards no table of any object the person touched
// (their inbox, the others' inboxes, the conversations, the directory) holds their id.
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { objectsAdminBackend } from '../../server/cloudflare/worker/admin-backend.js';
import { conversationOf, directoryOf, inboxOf } from '../../server/cloudflare/worker/env.js';
import { directConversationId, type ServerFrameOf } from '../../src/protocol/index.js';
import { Socket } from './helpers.js';

/** Every table of an object's SQLite, as `table.column` where `needle` is found. */
async function whereFound(stub: DurableObjectStub, needle: string): Promise<string[]> {
  return runInDurableObject(stub, (_instance, state) => {
    const hits = new Set<string>();
    const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'").toArray();
    for (const { name } of tables) {
      for (const row of state.storage.sql.exec(`SELECT * FROM "${name}"`).toArray()) {
        for (const [column, value] of Object.entries(row)) if (String(value).includes(needle)) hits.add(`${name}.${column}`);
      }
    }
    return [...hits];
  });
}

describe('erasure', () => {
  it('leaves nothing of the person in any object, and tells the others live', async () => {
    const [gone, bo, cy] = ['zoeErased', 'boKeeps', 'cyKeeps'];
    const z = await Socket.signIn(gone);
    const b = await Socket.signIn(bo);
    const c = await Socket.signIn(cy);
    const group = 'g:erasureGroup01';
    z.send({ t: 'send', conv: group, id: 'erase0001', to: [bo, cy], title: 'Trip', body: { kind: 'text', text: 'from zoe' } });
    await c.next((f) => f.t === 'msg' && f.conv === group);
    const dm = directConversationId(gone, bo);
    z.send({ t: 'send', conv: dm, id: 'erase0002', to: [bo], body: { kind: 'text', text: 'just us' } });
    await b.next((f) => f.t === 'msg' && f.conv === dm);
    b.send({ t: 'block', req: 'b1', user: gone, blocked: true });
    await b.next((f) => f.t === 'ok' && f.req === 'b1');
    c.send({ t: 'report', req: 'r1', conv: group, seq: 1, reason: 'by cy' });
    await c.next((f) => f.t === 'ok' && f.req === 'r1');
    z.send({ t: 'report', req: 'r2', conv: dm, seq: 1 });
    await z.next((f) => f.t === 'ok' && f.req === 'r2');
    await objectsAdminBackend(env).setFollows([{ follower: cy, followee: gone, follows: true }]);

    const objects = [inboxOf(env, gone), inboxOf(env, bo), inboxOf(env, cy), conversationOf(env, group), conversationOf(env, dm), directoryOf(env)];
    const before = await Promise.all(objects.map((o) => whereFound(o, gone)));
    expect(before.every((hits) => hits.length > 0)).toBe(true);

    await objectsAdminBackend(env).eraseUser(gone);

    expect(await z.closed).toBe(4005);
    const tomb = await c.next<ServerFrameOf<'deleted'>>((f) => f.t === 'deleted' && f.conv === group);
    expect([tomb.m.from, tomb.m.hidden, tomb.m.body]).toEqual(['deleted', 'deleted', { kind: 'text', text: '' }]);
    await b.next((f) => f.t === 'gone' && f.conv === dm);
    // Deliveries to the others' inboxes are on their way after the call returns.
    for (let i = 0; i < 40 && (await Promise.all(objects.map((o) => whereFound(o, gone)))).some((h) => h.length > 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const after = await Promise.all(objects.map((o) => whereFound(o, gone)));
    expect(after).toEqual(objects.map(() => []));
    expect(await whereFound(conversationOf(env, group), bo)).not.toEqual([]);
    const reports = await directoryOf(env).reportPage('open', '', 100);
    expect(reports.map((r) => [r.conv, r.reporter, r.sender])).toEqual([[group, cy, 'deleted']]);
    b.close();
    c.close();
  });
});
