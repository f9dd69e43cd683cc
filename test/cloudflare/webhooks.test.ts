// Webhook outboxes inside the objects: an event commits with its change (and a
// refused change leaves neither), a failed try puts the object in the
// directory's registry, where the server API finds its dead letters.
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { objectsAdminBackend } from '../../server/cloudflare/worker/admin-backend.js';
import type { Conversation } from '../../server/cloudflare/worker/conversation.js';
import { directoryOf, type Env } from '../../server/cloudflare/worker/env.js';
import type { Envelope, Facts, InboxDelivery } from '../../server/cloudflare/worker/wire.js';
import { directConversationId, type ServerFrame } from '../../src/protocol/index.js';
import { Socket } from './helpers.js';

/** The object tests' outbound service answers 503: every try fails at once. */
const HOOKS: Partial<Env> = { PIN_WEBHOOK_URL: 'http://hooks.test/hooks', PIN_WEBHOOK_SECRET: 'object-test-webhook-secret-of-32-chars!' };

const facts = (users: string[], blocks: [string, string][] = []): Facts => ({ users: users.map((id) => ({ id, name: id })), blocks, follows: [] });

function send(from: string, conv: string, id: string, more: object, with_: Facts): Envelope {
  return { origin: { user: from, socket: 's1' }, raw: JSON.stringify({ t: 'send', conv, id, body: { kind: 'text', text: 'hi' }, ...more }), facts: with_ };
}

const replies = (out: InboxDelivery[]) => out.filter((d) => d.only === 's1').map((d) => JSON.parse(d.frame) as ServerFrame);

/** An object that records webhook events (set before its first call, while it has read nothing of its env). */
async function hooked<T extends Rpc.DurableObjectBranded | undefined>(stub: DurableObjectStub<T>, extra: Partial<Env> = {}): Promise<DurableObjectStub<T>> {
  await runInDurableObject(stub, (instance: unknown) => {
    const object = instance as { env: Env };
    object.env = { ...object.env, ...HOOKS, ...extra };
  });
  return stub;
}

const conversation = (name: string, extra?: Partial<Env>) => hooked(env.Conversation.get(env.Conversation.idFromName(name)), extra) as Promise<DurableObjectStub<Conversation>>;

/** Every table of an object's SQLite, as `table.column` where `needle` is found. */
function whereFound(stub: DurableObjectStub, needle: string): Promise<string[]> {
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

const outbox = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (_instance, state) => {
    const table = state.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'webhook_outbox'").toArray();
    if (table.length === 0) return undefined;
    return state.storage.sql.exec<{ type: string; body: string; state: string; attempts: number }>('SELECT type, body, state, attempts FROM webhook_outbox ORDER BY rowid').toArray();
  });

describe('webhook outboxes in the objects', () => {
  it('an event is stored by the call that made its change; a refused creation stores neither', async () => {
    const conv = await conversation('g:hooksAtomic01');
    const [out] = await conv.receive([send('ava', 'g:hooksAtomic01', 'hhhhhhhhhhhh', { to: ['ben', 'cal'], title: 'T' }, facts(['ava', 'ben', 'cal']))]);
    expect(replies(out).find((f) => f.t === 'ack')).toMatchObject({ seq: 1 });
    const rows = await outbox(conv);
    expect(rows?.map((r) => r.type)).toEqual(['conversation.created', 'message.created']);
    const created = JSON.parse(rows![1].body);
    expect(created).toMatchObject({ conv: 'g:hooksAtomic01', seq: 1, data: { members: ['ava', 'ben', 'cal'] } });
    // Before the inboxes answer, everyone else counts as offline (a host may notify one too many, never one too few).
    expect(created.data.offline.sort()).toEqual(['ben', 'cal']);

    const refused = await conversation('dm:dan:eve');
    const [no] = await refused.receive([send('dan', 'dm:dan:eve', 'iiiiiiiiiiii', { to: ['eve'] }, facts(['dan', 'eve'], [['eve', 'dan']]))]);
    expect(replies(no)).toMatchObject([{ t: 'error', code: 'blocked' }]);
    expect(await outbox(refused)).toBeUndefined();
  });

  it('completes message.created once the inboxes answered: only members whose inbox had no socket open stay offline', async () => {
    const gil = await Socket.signIn('gilOnline');
    const conv = await conversation('g:hooksPresence1');
    await conv.receive([send('fay', 'g:hooksPresence1', 'jjjjjjjjjjjj', { to: ['gilOnline', 'hyAway'] }, facts(['fay', 'gilOnline', 'hyAway']))]);
    await gil.next((f) => f.t === 'msg' && f.conv === 'g:hooksPresence1');
    const event = async () => {
      const row = (await outbox(conv))?.find((r) => r.type === 'message.created');
      return row && { offline: JSON.parse(row.body).data.offline as string[], tried: row.attempts > 0 };
    };
    // Completed, then sent: the try comes after the answers, not after the 15 s hold.
    await vi.waitUntil(async () => (await event())?.tried, { timeout: 5000, interval: 50 });
    expect((await event())?.offline).toEqual(['hyAway']);
    gil.close();
  });

  it('a failed try puts the object in the directory’s registry; the server API counts, lists and replays its dead letters', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const conv = await conversation('g:hooksRegistry1');
    await conv.receive([send('hap', 'g:hooksRegistry1', 'kkkkkkkkkkkk', { to: ['ivo'] }, facts(['hap', 'ivo']))]);
    const api = objectsAdminBackend({ ...env, ...HOOKS } as Env).webhooks!;
    await vi.waitUntil(async () => (await directoryOf(env).outboxes()).some((o) => o.name === 'g:hooksRegistry1'), { timeout: 5000, interval: 50 });
    expect((await api.counts()).pending).toBeGreaterThan(0);

    // Past the horizon: the next failed try dead-letters.
    await runInDurableObject(conv, (_instance, state) => state.storage.sql.exec("UPDATE webhook_outbox SET since = since - 86400000, next_at = 0 WHERE state = 'pending'"));
    await vi.waitUntil(async () => {
      await runDurableObjectAlarm(conv);
      return (await api.counts()).dead >= 2;
    }, { timeout: 5000, interval: 100 });
    const dead = await api.deadLetters('', 100);
    const mine = dead.filter((d) => JSON.parse(d.body).conv === 'g:hooksRegistry1');
    expect(mine.map((d) => d.type).sort()).toEqual(['conversation.created', 'message.created']);
    expect(mine.map((d) => d.lastError)).toEqual(['HTTP 503', 'HTTP 503']);
    expect(mine.every((d) => d.deadAt !== undefined)).toBe(true);
    expect(await api.replay([mine[0].id])).toEqual([mine[0].id]);
    expect((await outbox(conv))!.filter((r) => r.state === 'pending')).toHaveLength(1);
    logged.mockRestore();
  });

  it('erasure leaves no event, notice or timer of the person in any object, nor the registry', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const [gone, bo, cy] = ['zedHooked', 'boHooked', 'cyHooked'];
    const fast: Partial<Env> = { PIN_WEBHOOK_NOTIFY_AFTER_MIN: '0.001' };
    const group = 'g:hooksErasure1';
    const dm = directConversationId(gone, bo);
    const objects = [
      await hooked(env.Inbox.get(env.Inbox.idFromName(gone)), fast),
      await hooked(env.Inbox.get(env.Inbox.idFromName(bo)), fast),
      await conversation(group, fast),
      await conversation(dm, fast),
      directoryOf(env),
    ];
    await directoryOf(env).put({ id: cy, name: cy });
    const z = await Socket.signIn(gone);
    const b = await Socket.signIn(bo);
    z.send({ t: 'send', conv: group, id: 'hookerase01', to: [bo], title: 'T', body: { kind: 'text', text: 'group' } });
    await b.next((f) => f.t === 'msg' && f.conv === group);
    z.send({ t: 'send', conv: dm, id: 'hookerase02', to: [bo], body: { kind: 'text', text: 'just us' } });
    await b.next((f) => f.t === 'msg' && f.conv === dm);
    z.send({ t: 'block', req: 'zb', user: cy, blocked: true });
    await z.next((f) => f.t === 'ok' && f.req === 'zb');
    b.close();
    // Bo, offline now, is due a notification about the direct conversation: it names Zed only in its id.
    await vi.waitUntil(
      async () =>
        runInDurableObject(objects[1], (_i, state) => {
          const tables = state.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'webhook_outbox'").toArray();
          return tables.length > 0 && state.storage.sql.exec("SELECT 1 FROM webhook_outbox WHERE type = 'notification.due' AND body LIKE ?", `%${dm}%`).toArray().length > 0;
        }),
      { timeout: 5000, interval: 50 },
    );
    await vi.waitUntil(async () => (await directoryOf(env).outboxes()).some((o) => o.name === gone), { timeout: 5000, interval: 50 });
    const before = await Promise.all(objects.map((o) => whereFound(o, gone)));
    expect(before.every((hits) => hits.length > 0)).toBe(true);

    await objectsAdminBackend(env).eraseUser(gone);
    expect(await Promise.all(objects.map((o) => whereFound(o, gone)))).toEqual(objects.map(() => []));
    logged.mockRestore();
  });
});
