// A person's inbox keeps their conversation list from what conversation
// objects deliver, which may reach it by two paths (replies to their own
// frames, deliveries for others' frames) in either order.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../server/cloudflare/worker/wire.js';
import type { Conversation, Message, ServerFrameOf } from '../../src/protocol/index.js';
import { Socket } from './helpers.js';

const CONV = 'g:unread-accounting';

function view(lastSeq = 0): Conversation {
  return { id: CONV, kind: 'group', members: ['gil', 'hal', 'ida'], createdBy: 'hal', createdAt: 1, lastSeq, unread: 0, muted: false, reads: {} };
}

function msg(seq: number, from: string): Delivery {
  const m: Message = { seq, id: `client-id-${seq}`.padEnd(12, 'x'), from, at: 1000 + seq, body: { kind: 'text', text: `m${seq}` } };
  return { frame: JSON.stringify({ t: 'msg', conv: CONV, m }), seq };
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

  // Skipped: this still fails about one run in ten (the second send is refused), so a
  // race between the creating reply and the next frame remains in the inbox's routing.
  // Open work on the Cloudflare issue; the conformance suite's pipelined sends pass.
  it.skip('routes a send made right behind the one creating its conversation, before the creation is answered', async () => {
    const lou = await Socket.signIn('lou');
    const max = await Socket.signIn('max');
    const body = (text: string) => ({ kind: 'text', text });
    max.send({ t: 'send', conv: 'g:pipelined', id: 'pipelined-01', to: ['lou'], body: body('first') });
    max.send({ t: 'send', conv: 'g:pipelined', id: 'pipelined-02', body: body('second') });
    expect(await max.next((f) => (f.t === 'ack' || f.t === 'error') && f.id === 'pipelined-02')).toMatchObject({ t: 'ack', seq: 2 });
    expect(await lou.next((f) => f.t === 'msg' && f.m.seq === 2)).toMatchObject({ m: { body: body('second') } });
    lou.close();
    max.close();
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
