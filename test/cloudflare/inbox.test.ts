// A person's inbox keeps their conversation list from what conversation
// objects deliver, which may reach it by two paths (replies to their own
// frames, deliveries for others' frames) in either order, and routes the
// frames about a conversation to its object, in order, from its creation on.
import { abortAllDurableObjects, env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import type { Env } from '../../server/cloudflare/worker/env.js';
import type { Inbox } from '../../server/cloudflare/worker/inbox.js';
import type { InboxDelivery, Envelope } from '../../server/cloudflare/worker/wire.js';
import type { Conversation, Message, ServerFrame, ServerFrameOf } from '../../src/protocol/index.js';
import { Socket } from './helpers.js';

const CONV = 'g:unread-accounting';

function view(lastSeq = 0): Conversation {
  return { id: CONV, kind: 'group', members: ['gil', 'hal', 'ida'], createdBy: 'hal', createdAt: 1, lastSeq, unread: 0, muted: false, reads: {} };
}

function msg(seq: number, from: string): InboxDelivery {
  const m: Message = { seq, id: `client-id-${seq}`.padEnd(12, 'x'), from, at: 1000 + seq, body: { kind: 'text', text: `m${seq}` } };
  return { frame: JSON.stringify({ t: 'msg', conv: CONV, m }), seq };
}

const text = (t: string) => ({ kind: 'text', text: t });

/**
 * Hands frames to the person's inbox (one socket open) as the runtime hands
 * a socket's frames to it: one after the other, in the order sent. Frames sent
 * back to back on a test socket may reach the inbox in another order: the
 * test pool wraps every event of an object in a module import that goes
 * through another object, and those do not finish in order. Resolves once
 * every frame is routed, with whether the send opening `conv` was still
 * unanswered then.
 */
async function pipeline(user: string, conv: string, frames: object[]): Promise<boolean> {
  return runInDurableObject(env.Inbox.get(env.Inbox.idFromName(user)), async (inbox: Inbox, state) => {
    const [socket] = inbox.getConnections();
    await Promise.all(frames.map((frame) => inbox.onMessage(socket, JSON.stringify(frame))));
    return state.storage.sql.exec('SELECT conv FROM opening WHERE conv = ?', conv).toArray().length > 0;
  });
}

/** The ack or error answering the send with client id `id`, whole: a refusal shows its code and message. */
function answer(socket: Socket, id: string): Promise<ServerFrame> {
  return socket.next((f) => (f.t === 'ack' || f.t === 'error') && f.id === id);
}

/** The conversation as the person's welcome lists it. */
async function listed(user: string, conv = CONV): Promise<Conversation | undefined> {
  const socket = await Socket.signIn(user);
  const welcome = socket.frames[0] as ServerFrameOf<'welcome'>;
  socket.close();
  return welcome.conversations.find((c) => c.id === conv);
}

describe('an inbox', () => {
  it('counts others’ messages above the read marker once, whatever order they arrive in', async () => {
    const gil = env.Inbox.get(env.Inbox.idFromName('gil'));
    await gil.deliver(CONV, [{ frame: JSON.stringify({ t: 'conv', conv: view() }) }]);
    await gil.deliver(CONV, [msg(1, 'hal')]);
    // Gil's own message 3 comes back with the reply to Gil's send before
    // Ida's message 2 is delivered; then a redelivery repeats message 1.
    await gil.deliver(CONV, [{ ...msg(3, 'gil'), except: 'gil-tab' }]);
    await gil.deliver(CONV, [msg(2, 'ida'), msg(1, 'hal')]);
    expect(await listed('gil')).toMatchObject({ lastSeq: 3, unread: 2, last: { seq: 3, from: 'gil' } });

    // Gil reads up to 2; the conversation says 0 unread as of seq 4, and
    // message 4 itself arrives after that.
    const read = { frame: JSON.stringify({ t: 'read', conv: CONV, user: 'gil', seq: 2 }), unread: 1, asOf: 4 };
    await gil.deliver(CONV, [read]);
    await gil.deliver(CONV, [msg(4, 'hal')]);
    expect(await listed('gil')).toMatchObject({ lastSeq: 4, unread: 1, reads: { gil: 2 } });
  });

  // Sixty rounds through three objects: 1-2 s on an idle machine, past the default 5 s on a busy one.
  it('routes sends made right behind the one creating their conversation, before the creation is answered, in order', async () => {
    const lou = await Socket.signIn('lou');
    const ned = await Socket.signIn('ned');
    const max = await Socket.signIn('max');
    let unanswered = 0;
    for (let i = 0; i < 60; i++) {
      // One follower, several, and several behind a group's creation.
      const to = i % 3 === 2 ? ['lou', 'ned'] : ['lou'];
      const followers = i % 3 === 0 ? 1 : 3;
      const conv = `g:pipelined-${i}`;
      const ids = Array.from({ length: followers + 1 }, (_, k) => `${conv.slice(2)}-${k}`);
      const early = await pipeline('max', conv, [
        { t: 'send', conv, id: ids[0], to, body: text('0') },
        ...ids.slice(1).map((id, k) => ({ t: 'send', conv, id, body: text(String(k + 1)) })),
      ]);
      if (early) unanswered++;
      // Answers that are not the expected ack, whole (a refusal with its code and message), by client id.
      const wrong: Record<string, ServerFrame> = {};
      for (const [k, id] of ids.entries()) {
        const got = await answer(max, id);
        if (got.t !== 'ack' || got.seq !== k + 1) wrong[id] = got;
      }
      expect(wrong).toEqual({});
      for (const member of to.map((user) => (user === 'lou' ? lou : ned))) {
        await member.next((f) => f.t === 'msg' && f.conv === conv && f.m.seq === ids.length);
        const got = member.frames.filter((f) => f.t === 'msg' && f.conv === conv).map((f) => f.t === 'msg' && [f.m.seq, f.m.body]);
        expect(got).toEqual(ids.map((_, k) => [k + 1, text(String(k))]));
      }
    }
    // Every time, the sends behind it were routed before the creation was answered.
    expect(unanswered).toBe(60);
    for (const socket of [lou, ned, max]) socket.close();
  }, 20_000);

  it('routes the next send to a conversation whose creation was stored but never answered, across a restart, and lists it', async () => {
    (await Socket.signIn('oz')).close();
    const max = await Socket.signIn('max');
    const conv = 'g:answer-lost';
    await runInDurableObject(env.Inbox.get(env.Inbox.idFromName('max')), (inbox: Inbox) => {
      // The conversation object handles what the inbox sends it, then each call fails on its way back.
      const state = inbox as unknown as { env: Env };
      const real = state.env.Conversation;
      const lossy = {
        idFromName: (name: string) => real.idFromName(name),
        get: (id: DurableObjectId) => ({
          receive: async (batch: Envelope[]) => {
            await real.get(id).receive(batch);
            throw new Error('connection lost');
          },
        }),
      };
      state.env = { ...state.env, Conversation: lossy as unknown as Env['Conversation'] };
    });
    // The objects share the test's console; left to the pool, an object's log line
    // just before abortAllDurableObjects() keeps the run from ending.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    max.send({ t: 'send', conv, id: 'lost-answer-1', to: ['oz'], body: text('first') });
    expect(await answer(max, 'lost-answer-1')).toEqual(expect.objectContaining({ t: 'error', code: 'internal' }));
    expect(logged).toHaveBeenCalledWith('[pin-messaging] conversation call failed', 'connection lost');
    logged.mockRestore();
    max.close();
    // The inbox restarts: what it held in memory is gone, and its calls go through again.
    await abortAllDurableObjects();

    const again = await Socket.signIn('max');
    again.send({ t: 'send', conv, id: 'lost-answer-2', body: text('second') });
    expect(await answer(again, 'lost-answer-2')).toEqual(expect.objectContaining({ t: 'ack', seq: 2 }));
    expect(await again.next((f) => f.t === 'conv')).toMatchObject({ conv: { id: conv, members: ['max', 'oz'], lastSeq: 2 } });
    // The client sends the unanswered one again: it was stored once.
    again.send({ t: 'send', conv, id: 'lost-answer-1', to: ['oz'], body: text('first') });
    expect(await answer(again, 'lost-answer-1')).toEqual(expect.objectContaining({ t: 'ack', seq: 1, dup: true }));
    again.close();
    expect(await listed('max', conv)).toMatchObject({ lastSeq: 2, unread: 0 });
  });

  it('refuses the sends behind one whose conversation call failed until that one comes again, so they are stored in the order sent', async () => {
    (await Socket.signIn('pia')).close();
    const rex = await Socket.signIn('rex');
    const conv = 'g:call-failed';
    await pipeline('rex', conv, [{ t: 'send', conv, id: 'call-failed-0', to: ['pia'], body: text('0') }]);
    expect(await answer(rex, 'call-failed-0')).toMatchObject({ t: 'ack', seq: 1 });
    const ids = ['call-failed-1', 'call-failed-2', 'call-failed-3'];
    const sends = ids.map((id, k) => ({ t: 'send', conv, id, body: text(String(k + 1)) }));
    // The objects share the test's console (see above).
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    await runInDurableObject(env.Inbox.get(env.Inbox.idFromName('rex')), async (inbox: Inbox) => {
      // The next call to the conversation fails on its way there, once the two sends behind it wait for it.
      const state = inbox as unknown as { env: Env };
      const real = state.env.Conversation;
      let release!: () => void;
      const routed = new Promise<void>((resolve) => (release = resolve));
      let calls = 0;
      const failing = {
        idFromName: (name: string) => real.idFromName(name),
        get: (id: DurableObjectId) => ({
          receive: async (batch: Envelope[]) => {
            if (calls++ > 0) return real.get(id).receive(batch);
            await routed;
            throw new Error('connection lost');
          },
        }),
      };
      state.env = { ...state.env, Conversation: failing as unknown as Env['Conversation'] };
      const [socket] = inbox.getConnections();
      await Promise.all(sends.map((frame) => inbox.onMessage(socket, JSON.stringify(frame))));
      release();
    });
    // The first is refused as a failure of the server; the two behind it until it comes again.
    expect(await answer(rex, ids[0])).toMatchObject({ t: 'error', code: 'internal' });
    expect(await answer(rex, ids[1])).toMatchObject({ t: 'error', code: 'rate_limited' });
    expect(await answer(rex, ids[2])).toMatchObject({ t: 'error', code: 'rate_limited' });
    logged.mockRestore();
    // The client's outbox sends the refused ones again, oldest first.
    rex.frames.splice(0);
    await pipeline('rex', conv, sends);
    for (const [k, id] of ids.entries()) expect(await answer(rex, id)).toMatchObject({ t: 'ack', seq: k + 2 });
    rex.close();
    const stored = await runInDurableObject(env.Conversation.get(env.Conversation.idFromName(conv)), (_instance, state) =>
      state.storage.sql.exec<{ client_id: string }>('SELECT client_id FROM messages ORDER BY seq').toArray(),
    );
    expect(stored.map((r) => r.client_id)).toEqual(['call-failed-0', ...ids]);
  });

  it('refuses the sends behind a creating send whose recipient could not be looked up, instead of refusing them for good', async () => {
    (await Socket.signIn('uma')).close();
    const vic = await Socket.signIn('vic');
    const conv = 'g:lookup-failed';
    const ids = ['lookup-failed-0', 'lookup-failed-1', 'lookup-failed-2'];
    const sends = ids.map((id, k) => ({ t: 'send', conv, id, ...(k === 0 ? { to: ['uma'] } : {}), body: text(String(k)) }));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    await runInDurableObject(env.Inbox.get(env.Inbox.idFromName('vic')), async (inbox: Inbox) => {
      // The directory does not answer while the three are routed.
      const state = inbox as unknown as { env: Env };
      const real = state.env;
      const down = {
        idFromName: (name: string) => real.Directory.idFromName(name),
        get: () => ({
          get: async () => {
            throw new Error('directory unreachable');
          },
        }),
      };
      state.env = { ...real, Directory: down as unknown as Env['Directory'] };
      const [socket] = inbox.getConnections();
      await Promise.all(sends.map((frame) => inbox.onMessage(socket, JSON.stringify(frame))));
      state.env = real;
    });
    expect(await answer(vic, ids[0])).toMatchObject({ t: 'error', code: 'internal' });
    // Not `not_member`, which the client would show as failed for good: the conversation is not made yet.
    expect(await answer(vic, ids[1])).toMatchObject({ t: 'error', code: 'rate_limited' });
    expect(await answer(vic, ids[2])).toMatchObject({ t: 'error', code: 'rate_limited' });
    expect(logged).toHaveBeenCalledWith('[pin-messaging] inbox read failed', 'directory unreachable');
    logged.mockRestore();
    vic.frames.splice(0);
    await pipeline('vic', conv, sends);
    for (const [k, id] of ids.entries()) expect(await answer(vic, id)).toMatchObject({ t: 'ack', seq: k + 1 });
    vic.close();
  });

  it('hides a direct conversation the person left, yet routes their next write to it, which brings them back', async () => {
    const conv = env.Conversation.get(env.Conversation.idFromName('dm:jo:kit'));
    const jo = env.Inbox.get(env.Inbox.idFromName('jo'));
    const origin = { user: 'jo', socket: 'elsewhere' };
    const facts = { users: [{ id: 'jo', name: 'Jo' }, { id: 'kit', name: 'Kit' }], blocks: [], follows: [] };
    // What Jo's inbox would forward and apply for a send and a leave from another device.
    const [created] = await conv.receive([{ origin, facts, raw: JSON.stringify({ t: 'send', conv: 'dm:jo:kit', id: 'yyyyyyyyyyyy', to: ['kit'], body: { kind: 'text', text: 'hi' } }) }]);
    await jo.deliver('dm:jo:kit', created);
    const [left] = await conv.receive([{ origin, raw: JSON.stringify({ t: 'leave', conv: 'dm:jo:kit' }) }]);
    await jo.deliver('dm:jo:kit', left);

    const socket = await Socket.signIn('jo');
    expect((socket.frames[0] as ServerFrameOf<'welcome'>).conversations).toEqual([]);
    socket.send({ t: 'send', conv: 'dm:jo:kit', id: 'zzzzzzzzzzzz', body: { kind: 'text', text: 'back again' } });
    expect(await socket.next((f) => f.t === 'ack' || f.t === 'error')).toMatchObject({ t: 'ack', seq: 2 });
    // Back in, at the end of the member list.
    expect(await socket.next((f) => f.t === 'conv')).toMatchObject({ conv: { members: ['kit', 'jo'] } });
    socket.close();
    expect(await listed('jo', 'dm:jo:kit')).toMatchObject({ lastSeq: 2, members: ['kit', 'jo'] });
  });
});
