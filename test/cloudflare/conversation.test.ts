// One conversation object as the single writer: gapless sequence numbers,
// deduplication, refusals from the sender's facts, and catching up a member whose delivery failed (next delivery or alarm).
import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import type { Conversation } from '../../server/cloudflare/worker/conversation.js';
import type { Env } from '../../server/cloudflare/worker/env.js';
import type { Inbox } from '../../server/cloudflare/worker/inbox.js';
import type { InboxDelivery, Envelope, Facts } from '../../server/cloudflare/worker/wire.js';
import type { ServerFrame, ServerFrameOf } from '../../src/protocol/index.js';
import { Socket } from './helpers.js';

const facts = (a: string, b: string, extra: Partial<Facts> = {}): Facts => ({
  users: [
    { id: a, name: a.toUpperCase() },
    { id: b, name: b.toUpperCase() },
  ],
  blocks: [],
  follows: [],
  ...extra,
});

function send(from: string, conv: string, id: string, text: string, more: object = {}, with_ = facts('ann', 'bo')): Envelope {
  return { origin: { user: from, socket: 's1' }, raw: JSON.stringify({ t: 'send', conv, id, body: { kind: 'text', text }, ...more }), facts: with_ };
}

/**
 * Makes the object's next `times` deliveries to `user`'s inbox fail on their
 * way there; returns how many have failed so far. Lasts while the object
 * stays in memory.
 */
async function failDeliveries(conv: DurableObjectStub<Conversation>, user: string, times: number): Promise<() => number> {
  let failed = 0;
  await runInDurableObject(conv, (instance: Conversation) => {
    const state = instance as unknown as { env: Env };
    const real = state.env.Inbox;
    const lossy = {
      idFromName: (name: string) => name,
      get: (name: string) => ({
        deliver: async (...args: Parameters<Inbox['deliver']>) => {
          if (name === user && failed < times) {
            failed++;
            throw new Error('inbox unreachable');
          }
          return real.get(real.idFromName(name)).deliver(...args);
        },
      }),
    };
    state.env = { ...state.env, Inbox: lossy as unknown as Env['Inbox'] };
  });
  return () => failed;
}

/** The conversation as the person's welcome lists it. */
async function listed(user: string, conv: string) {
  const socket = await Socket.signIn(user);
  socket.close();
  // A delivery may reach the new socket before its welcome.
  const welcome = socket.frames.find((f) => f.t === 'welcome') as ServerFrameOf<'welcome'>;
  return welcome.conversations.find((c) => c.id === conv);
}

/** The frames meant for the sending socket itself, parsed. */
const replies = (out: InboxDelivery[]) => out.filter((d) => d.only === 's1').map((d) => JSON.parse(d.frame) as ServerFrame);

describe('a conversation object', () => {
  it('numbers messages without gaps and stores a resent one once', async () => {
    const conv = env.Conversation.get(env.Conversation.idFromName('dm:ann:bo'));
    const out = await conv.receive([
      send('ann', 'dm:ann:bo', 'aaaaaaaaaaaa', 'one', { to: ['bo'] }),
      send('ann', 'dm:ann:bo', 'bbbbbbbbbbbb', 'two'),
      send('ann', 'dm:ann:bo', 'aaaaaaaaaaaa', 'one'),
    ]);
    const acks = out.flatMap(replies).filter((f) => f.t === 'ack');
    expect(acks.map((f) => f.t === 'ack' && [f.seq, f.dup ?? false])).toEqual([
      [1, false],
      [2, false],
      [1, true],
    ]);
    const [again] = await conv.receive([send('bo', 'dm:ann:bo', 'cccccccccccc', 'three')]);
    expect(replies(again).find((f) => f.t === 'ack')).toMatchObject({ seq: 3 });
    await runInDurableObject(conv, (_instance, state) => {
      const rows = state.storage.sql.exec('SELECT seq, sender FROM messages ORDER BY seq').toArray();
      expect(rows).toEqual([
        { seq: 1, sender: 'ann' },
        { seq: 2, sender: 'ann' },
        { seq: 3, sender: 'bo' },
      ]);
    });
  });

  it('keeps the conversation’s tables only, and its inboxes the people’s', async () => {
    const conv = env.Conversation.get(env.Conversation.idFromName('dm:gus:hal'));
    await conv.receive([send('gus', 'dm:gus:hal', 'tttttttttttt', 'hi', { to: ['hal'] }, facts('gus', 'hal'))]);
    await listed('hal', 'dm:gus:hal');
    const tables = (stub: DurableObjectStub) =>
      runInDurableObject(stub, (_instance, state) =>
        state.storage.sql
          .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
          .toArray()
          .map((t) => t.name)
          .filter((name) => !name.startsWith('_cf_')),
      );
    const own = await tables(conv);
    expect(own).toEqual(expect.arrayContaining(['conversations', 'members', 'messages', 'reads', 'mutes', 'reports']));
    expect(own.filter((name) => ['users', 'blocks', 'follows'].includes(name))).toEqual([]);
    const inbox = await tables(env.Inbox.get(env.Inbox.idFromName('hal')));
    expect(inbox).toEqual(expect.arrayContaining(['users', 'blocks', 'follows', 'inbox']));
    expect(inbox.filter((name) => ['conversations', 'members', 'messages', 'reads', 'mutes', 'reports'].includes(name))).toEqual([]);
  });

  it('refuses a send the sender’s facts forbid, and stores nothing', async () => {
    const conv = env.Conversation.get(env.Conversation.idFromName('dm:cy:dee'));
    const blocked = facts('cy', 'dee', { blocks: [['dee', 'cy']] });
    const [out] = await conv.receive([send('cy', 'dm:cy:dee', 'dddddddddddd', 'hi', { to: ['dee'] }, blocked)]);
    expect(replies(out)).toMatchObject([{ t: 'error', code: 'blocked', id: 'dddddddddddd' }]);
    const [unknown] = await conv.receive([send('cy', 'dm:cy:dee', 'eeeeeeeeeeee', 'hi', { to: ['dee'] }, { ...facts('cy', 'x'), users: [{ id: 'cy', name: 'Cy' }] })]);
    expect(replies(unknown)).toMatchObject([{ t: 'error', code: 'unknown_user' }]);
    // Not even its tables: the object holds nothing at all.
    await runInDurableObject(conv, (_instance, state) => {
      const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray();
      expect(tables.map((t) => t.name).filter((name) => !name.startsWith('_cf_'))).toEqual([]);
    });
  });

  it('brings a member whose inbox lost its deliveries up to date when its alarm runs', async () => {
    const conv = env.Conversation.get(env.Conversation.idFromName('dm:eve:fay'));
    const pair = facts('eve', 'fay');
    await conv.receive([send('eve', 'dm:eve:fay', 'ffffffffffff', 'first', { to: ['fay'] }, pair)]);
    await conv.receive([send('eve', 'dm:eve:fay', 'gggggggggggg', 'second', {}, pair)]);
    // Both deliveries reached Fay's inbox...
    await vi.waitUntil(() =>
      runInDurableObject(conv, (_instance, state) => state.storage.sql.exec("SELECT seq FROM fanout WHERE user_id = 'fay'").toArray()[0]?.seq === 2),
    );
    // ...then her inbox forgets everything, and the conversation forgets having delivered to her.
    const fay = env.Inbox.get(env.Inbox.idFromName('fay'));
    await runInDurableObject(fay, (_instance, state) => void state.storage.sql.exec('DELETE FROM inbox'));
    await runInDurableObject(conv, (_instance, state) => void state.storage.sql.exec("UPDATE fanout SET seq = 0 WHERE user_id = 'fay'"));
    await abortAllDurableObjects();

    const before = await Socket.signIn('fay');
    expect(before.frames[0]).toMatchObject({ t: 'welcome', conversations: [] });
    expect(await runDurableObjectAlarm(env.Conversation.get(env.Conversation.idFromName('dm:eve:fay')))).toBe(true);
    const restored = await before.next((f) => f.t === 'conv');
    expect(restored).toMatchObject({ conv: { id: 'dm:eve:fay', lastSeq: 2, unread: 2 } });
    const after = await Socket.signIn('fay');
    expect(after.frames[0]).toMatchObject({ t: 'welcome', conversations: [{ id: 'dm:eve:fay', lastSeq: 2, unread: 2 }] });
    before.close();
    after.close();
  });

  it('brings a member whose inbox missed the conversation’s creation up to date with the next delivery, the conversation first', async () => {
    const name = 'dm:gus:hoa';
    const conv = env.Conversation.get(env.Conversation.idFromName(name));
    const pair = facts('gus', 'hoa');
    (await Socket.signIn('gus', 'Gus')).close();
    const hoa = await Socket.signIn('hoa');
    // The objects share the test's console; left to the pool, an object's log line
    // just before abortAllDurableObjects() keeps the run from ending.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failures = await failDeliveries(conv, 'hoa', 1);
    await conv.receive([send('gus', name, 'hhhhhhhhhhhh', 'first', { to: ['hoa'] }, pair)]);
    await vi.waitUntil(() => failures() === 1);
    expect(logged).toHaveBeenCalledWith('[pin-messaging] delivery failed', 'inbox unreachable');
    logged.mockRestore();
    await conv.receive([send('gus', name, 'iiiiiiiiiiii', 'second', {}, pair)]);
    await hoa.next((f) => f.t === 'msg' && f.m.seq === 2);
    const got = hoa.frames.filter((f) => f.t === 'conv' || f.t === 'msg').map((f) => (f.t === 'msg' ? f.m.seq : f.t));
    expect(got).toEqual(['conv', 1, 2]);
    hoa.close();
    expect(await listed('hoa', name)).toMatchObject({ lastSeq: 2, unread: 2, last: { seq: 2 } });
    // With the name the creation would have brought.
    const again = await Socket.signIn('hoa');
    again.close();
    expect(again.frames.find((f): f is ServerFrameOf<'welcome'> => f.t === 'welcome')?.users).toContainEqual(expect.objectContaining({ id: 'gus', name: 'Gus' }));
  });

  it('redelivers by alarm an update of the member list whose delivery failed', async () => {
    const name = 'g:list-update-lost';
    const conv = env.Conversation.get(env.Conversation.idFromName(name));
    const three: Facts = { users: ['jon', 'kai', 'lea'].map((id) => ({ id, name: id })), blocks: [], follows: [] };
    await conv.receive([send('jon', name, 'jjjjjjjjjjjj', 'hi', { to: ['kai', 'lea'] }, three)]);
    await vi.waitUntil(() =>
      runInDurableObject(conv, (_instance, state) => state.storage.sql.exec("SELECT seq FROM fanout WHERE user_id = 'kai'").toArray()[0]?.seq === 1),
    );
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failures = await failDeliveries(conv, 'kai', 1);
    // Lea leaves: Kai's inbox does not get the new member list.
    await conv.receive([{ origin: { user: 'lea', socket: 's1' }, raw: JSON.stringify({ t: 'leave', conv: name }) }]);
    await vi.waitUntil(() => failures() === 1);
    logged.mockRestore();
    expect(await listed('kai', name)).toMatchObject({ members: ['jon', 'kai', 'lea'] });
    expect(await runDurableObjectAlarm(conv)).toBe(true);
    await vi.waitUntil(async () => (await listed('kai', name))?.members.length === 2, { timeout: 2000, interval: 50 });
    expect(await listed('kai', name)).toMatchObject({ members: ['jon', 'kai'], lastSeq: 1 });
  });

  it('redelivers when its alarm wakes it cold, without its name, and goes on working', async () => {
    const name = 'dm:mia:ned';
    const conv = env.Conversation.get(env.Conversation.idFromName(name));
    const pair = facts('mia', 'ned');
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failures = await failDeliveries(conv, 'ned', 1);
    await conv.receive([send('mia', name, 'mmmmmmmmmmmm', 'first', { to: ['ned'] }, pair)]);
    await vi.waitUntil(() => failures() === 1);
    logged.mockRestore();
    // The alarm comes due while the object is out of memory: the runtime starts it
    // for the alarm without its name (cloudflare/partykit#390), and that instance
    // keeps none for the calls after.
    await runInDurableObject(conv, (_instance, state) => state.storage.setAlarm(Date.now() + 300));
    await abortAllDurableObjects();
    await vi.waitUntil(async () => (await listed('ned', name)) !== undefined, { timeout: 3000, interval: 100 });
    expect(await listed('ned', name)).toMatchObject({ lastSeq: 1, unread: 1 });
    const [out] = await env.Conversation.get(env.Conversation.idFromName(name)).receive([send('mia', name, 'nnnnnnnnnnnn', 'second', {}, pair)]);
    expect(replies(out).find((f) => f.t === 'ack')).toMatchObject({ seq: 2 });
    await vi.waitUntil(async () => (await listed('ned', name))?.lastSeq === 2, { timeout: 2000, interval: 50 });
  });
});
