// Authentication happens in the worker (partyserver's onBeforeConnect): a
// refused socket is accepted, closed with its 4xxx code, and reaches no object.
import { env, listDurableObjectIds, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { Socket, token } from './helpers.js';

describe('the worker', () => {
  it('refuses bad handshakes with their close codes before any object exists', async () => {
    const valid = `token=${await token('ivy')}`;
    const cases: { room?: string; query: string; origin?: string | null; code: number }[] = [
      { query: 'token=not.a.jwt', code: 4001 },
      { query: '', code: 4001 },
      { query: valid, origin: 'http://evil.example', code: 4003 },
      { query: valid, origin: null, code: 4003 },
      { room: 'someone-else', query: valid, code: 4004 },
    ];
    for (const { room = 'ivy', query, origin, code } of cases) {
      const socket = await Socket.open(room, query, origin);
      expect(await socket.closed).toBe(code);
      expect(socket.frames).toEqual([]);
    }
    expect(await listDurableObjectIds(env.Inbox)).toEqual([]);
    expect(await listDurableObjectIds(env.Directory)).toEqual([]);
  });

  it('welcomes a valid socket into the person’s inbox, with the profile from the token', async () => {
    const socket = await Socket.signIn('uma', 'Uma Reyes');
    const welcome = socket.frames[0];
    expect(welcome.t === 'welcome' && welcome.me).toEqual({ id: 'uma', name: 'Uma Reyes' });
    expect((await listDurableObjectIds(env.Inbox)).length).toBe(1);
    socket.close();
  });

  it('does not let sockets or requests reach conversation or directory objects', async () => {
    for (const path of ['/parties/conversation/dm:a:b', '/parties/directory/directory', '/parties/inbox/uma/extra']) {
      const response = await SELF.fetch(`http://pins.example${path}`, { headers: { Upgrade: 'websocket' } });
      expect(response.status, path).toBe(404);
    }
    expect((await SELF.fetch('http://pins.example/parties/inbox/uma')).status).toBe(426);
  });
});
