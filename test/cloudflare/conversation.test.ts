// One conversation object as the single writer: gapless sequence numbers,
// deduplication, refusals from the sender's facts, and redelivery by alarm.
import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import type { Delivery, Envelope, Facts } from '../../server/cloudflare/worker/wire.js';
import type { ServerFrame } from '../../src/protocol/index.js';
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

/** The frames meant for the sending socket itself, parsed. */
const replies = (out: Delivery[]) => out.filter((d) => d.only === 's1').map((d) => JSON.parse(d.frame) as ServerFrame);

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

  it('refuses a send the sender’s facts forbid, and stores nothing', async () => {
    const conv = env.Conversation.get(env.Conversation.idFromName('dm:cy:dee'));
    const blocked = facts('cy', 'dee', { blocks: [['dee', 'cy']] });
    const [out] = await conv.receive([send('cy', 'dm:cy:dee', 'dddddddddddd', 'hi', { to: ['dee'] }, blocked)]);
    expect(replies(out)).toMatchObject([{ t: 'error', code: 'blocked', id: 'dddddddddddd' }]);
    const [unknown] = await conv.receive([send('cy', 'dm:cy:dee', 'eeeeeeeeeeee', 'hi', { to: ['dee'] }, { ...facts('cy', 'x'), users: [{ id: 'cy', name: 'Cy' }] })]);
    expect(replies(unknown)).toMatchObject([{ t: 'error', code: 'unknown_user' }]);
    await runInDurableObject(conv, (_instance, state) => {
      expect(state.storage.sql.exec('SELECT count(*) AS n FROM conversations').one()).toEqual({ n: 0 });
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
});
