// What a stranger or an abuser can make the Cloudflare backend do: malformed
// upgrades and admin calls answered with a plain 400, refused creations that
// make no conversation object, a person's socket cap, a hello whose catch-up
// is paced by the person's replay budget, and deliveries that fail one by one.
import { env, listDurableObjectIds, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../server/cloudflare/worker/env.js';
import type { Inbox } from '../../server/cloudflare/worker/inbox.js';
import type { Conversation, ServerFrameOf } from '../../src/protocol/index.js';
import { directConversationId, newGroupId } from '../../src/protocol/index.js';
import { Socket, token } from './helpers.js';

const UPGRADE = { Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' };
const ADMIN = { Authorization: 'Bearer object-test-admin' };
const text = (t: string) => ({ kind: 'text', text: t });

/** How many objects of each kind have stored anything. */
async function everyObject(): Promise<number[]> {
  const namespaces: DurableObjectNamespace[] = [env.Inbox, env.Conversation, env.Directory];
  return Promise.all(namespaces.map(async (ns) => (await listDurableObjectIds(ns)).length));
}

async function admin(path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  const response = await SELF.fetch(`http://pins.example/admin/${path}`, { method, headers: ADMIN });
  return { status: response.status, body: await response.text() };
}

describe('the worker', () => {
  it('answers an upgrade that cannot be one with a 400, before any object exists', async () => {
    const query = `token=${await token('ivy')}`;
    const cases: RequestInit[] = [
      { headers: { ...UPGRADE, 'Sec-WebSocket-Version': '8' } },
      { headers: { ...UPGRADE, 'Sec-WebSocket-Key': 'not base64 at all' } },
    ];
    for (const init of cases) {
      const response = await SELF.fetch(`http://pins.example/parties/inbox/ivy?${query}`, init);
      expect(response.status, JSON.stringify(init)).toBe(400);
      expect(response.webSocket).toBeNull();
      expect(await response.json()).toEqual({ error: expect.any(String) });
    }
    // A room no token can name.
    const odd = await SELF.fetch(`http://pins.example/parties/inbox/iv%00y?${query}`, { headers: UPGRADE });
    expect(odd.status).toBe(400);
    expect(await listDurableObjectIds(env.Inbox)).toEqual([]);
    // Well formed, it is welcomed.
    const ok = await SELF.fetch(`http://pins.example/parties/inbox/ivy?${query}`, { headers: { ...UPGRADE, Origin: 'http://app.example' } });
    expect(ok.status).toBe(101);
    ok.webSocket!.accept();
    ok.webSocket!.close(1000);
  });

  it('answers admin calls with bad parameters with 400 and what was wrong, no stack trace, and touches no object', async () => {
    const objects = await everyObject();
    const bad = [
      'messages?conv=g:abcdefgh&limit=-1',
      'messages?conv=g:abcdefgh&limit=0',
      'messages?conv=g:abcdefgh&limit=10001',
      'messages?conv=g:abcdefgh&limit=ten',
      'messages?conv=g:abcdefgh&after=-5',
      'messages?conv=g:abcdefgh&after=1e3',
      'messages?conv=not-a-conversation',
      'messages',
      'reports?conv=dm:a',
      'user?id=' + 'x'.repeat(65),
      'user?id=a%2Fb',
    ];
    for (const path of bad) {
      const { status, body } = await admin(path);
      expect(status, path).toBe(400);
      expect(JSON.parse(body), path).toEqual({ error: expect.any(String) });
      expect(body, path).not.toMatch(/\bat \w|\.ts:\d/);
    }
    for (const path of ['revoke?user=', 'follow?follower=a&followee=a', 'follow?follower=a&followee=b&follows=maybe']) {
      expect((await admin(path, 'POST')).status, path).toBe(400);
    }
    expect(await everyObject()).toEqual(objects);
    expect(await admin('messages?conv=g:abcdefgh&after=0&limit=10000')).toEqual({ status: 200, body: '[]' });
    expect((await admin('nothing-here')).status).toBe(404);
  });
});

describe('an inbox', () => {
  it('refuses creations that cannot be made without making a conversation object', async () => {
    const conversations = (await listDurableObjectIds(env.Conversation)).length;
    (await Socket.signIn('bea')).close();
    const cal = await Socket.signIn('cal');
    // Ann blocks Bea: no group may hold both, whoever makes it.
    const ann = await Socket.signIn('ann');
    ann.send({ t: 'block', user: 'bea', blocked: true, req: 'r1' });
    await ann.next((f) => f.t === 'ok');
    ann.close();
    const refusals: [object, string][] = [
      [{ conv: newGroupId(), to: ['ann', 'ghost'] }, 'unknown_user'],
      [{ conv: directConversationId('cal', 'ghost'), to: ['ghost'] }, 'unknown_user'],
      [{ conv: directConversationId('ann', 'bea'), to: ['bea'] }, 'conflict'],
      [{ conv: newGroupId(), to: ['cal'] }, 'bad_frame'],
      [{ conv: newGroupId(), to: ['ann', 'bea'] }, 'blocked'],
      [{ conv: newGroupId(), to: ['ann'], body: { kind: 'pin', pin: { url: 'http://192.168.1.1/', image: 'https://img.example/i.jpg', title: 'A pin' } } }, 'unsafe_url'],
    ];
    for (const [i, [frame, code]] of refusals.entries()) {
      const id = `refused-creation-${i}`;
      cal.send({ t: 'send', id, body: text('hi'), ...frame });
      expect(await cal.next((f) => f.t === 'error' && f.id === id), JSON.stringify(frame)).toMatchObject({ code });
      expect((await listDurableObjectIds(env.Conversation)).length, JSON.stringify(frame)).toBe(conversations);
    }
    // Sends and reads behind a refused creation are refused by the inbox too.
    const conv = newGroupId();
    cal.send({ t: 'send', conv, id: 'behind-refused-0', to: ['ghost'], body: text('x') });
    cal.send({ t: 'send', conv, id: 'behind-refused-1', body: text('y') });
    cal.send({ t: 'history', conv, req: 'behind-refused-2' });
    expect(await cal.next((f) => f.t === 'error' && f.id === 'behind-refused-1')).toMatchObject({ code: 'not_member' });
    expect(await cal.next((f) => f.t === 'error' && f.req === 'behind-refused-2')).toMatchObject({ code: 'not_member' });
    expect((await listDurableObjectIds(env.Conversation)).length).toBe(conversations);
    cal.close();
  });

  it('closes a person’s socket past the cap with 4009, and keeps the others', async () => {
    const open = [];
    for (let i = 0; i < 20; i++) open.push(await Socket.signIn('dot'));
    const extra = await Socket.open('dot', `token=${await token('dot')}`);
    expect(await extra.closed).toBe(4009);
    const last = open[19];
    last.send({ t: 'ping', n: 3 });
    expect(await last.next((f) => f.t === 'pong')).toEqual({ t: 'pong', n: 3 });
    for (const socket of open) socket.close();
  });

  it('replays a hello’s stale cursors only as far as the replay budget pays, asking one conversation object per paid cursor', async () => {
    const kim = env.Inbox.get(env.Inbox.idFromName('kim'));
    const convs = Array.from({ length: 150 }, (_, i) => `g:stale-cursor-${String(i).padStart(3, '0')}`);
    for (const id of convs) {
      const view: Conversation = { id, kind: 'group', members: ['kim', 'lee'], createdBy: 'lee', createdAt: 1, lastSeq: 5, unread: 5, muted: false, reads: {} };
      await kim.deliver(id, [{ frame: JSON.stringify({ t: 'conv', conv: view }) }]);
    }
    const socket = await Socket.open('kim', `token=${await token('kim')}`);
    let calls = 0;
    await runInDurableObject(kim, (inbox: Inbox) => {
      const state = inbox as unknown as { env: Env };
      const real = state.env.Conversation;
      const counting = {
        idFromName: (name: string) => real.idFromName(name),
        get: (id: DurableObjectId) => ({
          page: async () => {
            calls++;
            return [];
          },
          sent: async () => [],
          receive: (...args: Parameters<ReturnType<typeof real.get>['receive']>) => real.get(id).receive(...args),
        }),
      };
      state.env = { ...state.env, Conversation: counting as unknown as Env['Conversation'] };
    });
    const cursors = Object.fromEntries(convs.map((c) => [c, 0]));
    socket.send({ t: 'hello', v: 1, cursors });
    await socket.next((f) => f.t === 'welcome');
    await socket.next((f) => f.t === 'history' && f.conv === convs[149]);
    const pages = socket.frames.filter((f): f is ServerFrameOf<'history'> => f.t === 'history');
    expect(pages).toHaveLength(150);
    // The default budget: 100 at once, 4 of which the welcome of 150 conversations cost.
    expect(calls).toBe(96);
    expect(pages.filter((p) => p.messages.length === 0 && p.hasMore)).toHaveLength(150 - 96);
    // Again at once: the welcome itself is over budget now, and no object is asked.
    socket.send({ t: 'hello', v: 1, cursors });
    expect(await socket.next((f) => f.t === 'error')).toMatchObject({ code: 'rate_limited' });
    expect(calls).toBe(96);
    socket.close();
  });

  it('withholds a group message from someone the person blocked, in its list too, and counts it as nothing unread', async () => {
    (await Socket.signIn('pat')).close();
    const quin = await Socket.signIn('quin');
    quin.send({ t: 'block', user: 'pat', blocked: true, req: 'b1' });
    await quin.next((f) => f.t === 'ok');
    const conv = 'g:withheld-in-list';
    const view: Conversation = { id: conv, kind: 'group', members: ['quin', 'pat', 'ray'], createdBy: 'ray', createdAt: 1, lastSeq: 0, unread: 0, muted: false, reads: {} };
    const m = (seq: number, from: string) => ({ seq, id: `withheld-${seq}`.padEnd(12, 'x'), from, at: 10 + seq, body: text(`words ${seq}`) });
    await env.Inbox.get(env.Inbox.idFromName('quin')).deliver(conv, [
      { frame: JSON.stringify({ t: 'conv', conv: view }) },
      { frame: JSON.stringify({ t: 'msg', conv, m: m(1, 'ray') }), seq: 1 },
      { frame: JSON.stringify({ t: 'msg', conv, m: m(2, 'pat') }), seq: 2 },
    ]);
    const live = await quin.next<ServerFrameOf<'msg'>>((f) => f.t === 'msg' && f.m.seq === 2);
    expect(live.m).toEqual({ seq: 2, id: m(2, 'pat').id, from: 'pat', at: 12, body: text(''), hidden: 'blocked' });
    quin.close();
    const again = await Socket.signIn('quin');
    const listed = (again.frames[0] as ServerFrameOf<'welcome'>).conversations.find((c) => c.id === conv);
    expect(listed).toMatchObject({ lastSeq: 2, unread: 1, last: { seq: 2, hidden: 'blocked' } });
    expect(JSON.stringify(again.frames)).not.toContain('words 2');
    again.close();
  });

  it('applies every good delivery of a batch when one of them is malformed', async () => {
    const conv = 'g:one-bad-delivery';
    const view: Conversation = { id: conv, kind: 'group', members: ['mo', 'nia'], createdBy: 'nia', createdAt: 1, lastSeq: 0, unread: 0, muted: false, reads: {} };
    const m = { seq: 1, id: 'good-delivery', from: 'nia', at: 2, body: text('fine') };
    await env.Inbox.get(env.Inbox.idFromName('mo')).deliver(conv, [
      { frame: JSON.stringify({ t: 'conv', conv: view }) },
      { frame: '{"t":"msg","conv":' },
      { frame: JSON.stringify({ t: 'msg', conv, m }), seq: 1 },
    ]);
    const socket = await Socket.signIn('mo');
    const welcome = socket.frames[0] as ServerFrameOf<'welcome'>;
    expect(welcome.conversations.find((c) => c.id === conv)).toMatchObject({ lastSeq: 1, unread: 1, last: m });
    socket.close();
  });
});
