// The whole stack as a consumer runs it: the state bus over PartySocket over
// real sockets to a real server, whichever backend runs it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatClient } from '../../../src/state/index.js';
import { waitFor } from '../../node/support/wait.js';
import type { Backend, TestServer } from '../backend.js';
import { startProxy } from '../proxy.js';
import { realClient } from '../real-client.js';

/** The whole stack as a consumer runs it, with a flaky network (F1) and a restart. */
export function realServerSuite(backend: Backend): void {
  const pin = { url: 'https://example.com/p/9', image: 'https://img.example.com/9.jpg', title: 'Blue kitchen' };
  const bodies = (client: ChatClient, conv: string) =>
    client.timeline(conv).get().messages.map((m) => (m.body.kind === 'text' ? m.body.text : `pin:${m.body.pin.title}`));

  describe('real server, real clients', () => {
    let server: TestServer;
    const clients: ChatClient[] = [];
    const connect = (user: string, host = `127.0.0.1:${server.port}`, window?: number) => {
      const { client } = realClient(user, { host, token: () => server.issueToken(user, { name: user.toUpperCase() }), window });
      clients.push(client);
      return client;
    };
    const online = (...cs: ChatClient[]) => waitFor('clients online', () => cs.every((c) => c.$status.get() === 'online'));

    before(async () => {
      // F1's measure is how fast a queue drains through cuts, not the budgets: raise them all.
      server = await backend.start({
        limits: { rateBurst: 100_000, ratePerSecond: 100_000, frameBurst: 100_000, framesPerSecond: 100_000 },
      });
    });
    after(async () => {
      clients.forEach((c) => c.destroy());
      await server.stop();
    });

    test('two people exchange a pin, a note and text', async () => {
      const ann = connect('ann');
      const ben = connect('ben');
      await online(ann, ben);
      const [{ conv }] = await ann.sendPin({ to: ['ben'], pin, note: 'this one?' });
      await waitFor('ben has the pin', () => bodies(ben, conv).length === 1);
      await ben.sendText(conv, 'yes!');
      await waitFor('ann has the reply', () => bodies(ann, conv).length === 2);
      assert.deepEqual(bodies(ann, conv), ['pin:Blue kitchen', 'yes!']);
      assert.deepEqual(bodies(ben, conv), bodies(ann, conv));
      assert.equal(ben.$users.get().ann?.name, 'ANN');
    });

    test('a group of three sees one order', async () => {
      const [a, b, c] = ['gia', 'gus', 'gwen'].map((u) => connect(u));
      await online(a, b, c);
      const [{ conv }] = await a.sendPin({ to: ['gus', 'gwen'], pin, mode: 'group' });
      await waitFor('created for all', () => bodies(b, conv).length === 1 && bodies(c, conv).length === 1);
      for (let i = 0; i < 20; i++) for (const [n, x] of [a, b, c].entries()) void x.sendText(conv, `${n}:${i}`);
      await waitFor('61 messages each', () => [a, b, c].every((x) => bodies(x, conv).length === 61));
      assert.deepEqual(bodies(b, conv), bodies(a, conv));
      assert.deepEqual(bodies(c, conv), bodies(a, conv));
      for (const n of [0, 1, 2]) {
        const own = bodies(a, conv).filter((t) => t.startsWith(`${n}:`));
        assert.deepEqual(own, Array.from({ length: 20 }, (_, i) => `${n}:${i}`));
      }
    });

    test('F1: the connection cut every ~200 frames while 3,000 messages are sent: none lost, none doubled, order kept', { timeout: 120_000 }, async () => {
      const proxy = await startProxy(`127.0.0.1:${server.port}`, { cutEvery: 200 });
      try {
        const sender = connect('fay', proxy.host);
        const other = connect('fox');
        const third = connect('flo', proxy.host);
        await online(sender, other, third);
        const [{ conv }] = await sender.sendPin({ to: ['fox', 'flo'], pin, mode: 'group' });
        const N = 3_000;
        for (let i = 0; i < N; i++) void sender.sendText(conv, `m${i}`);
        const started = Date.now();
        await waitFor('everyone holds all messages', () => [sender, other, third].every((c) => c.timeline(conv).get().hi === N + 1), 90_000, 20);
        const drained = Date.now() - started;
        const expected = ['pin:Blue kitchen', ...Array.from({ length: N }, (_, i) => `m${i}`)];
        for (const c of [sender, other, third]) {
          while (c.timeline(conv).get().hasOlder) await c.loadOlder(conv, 200);
          assert.deepEqual(bodies(c, conv), expected, `${c.user} sees every message once, in send order`);
        }
        const stored = await server.messages(conv, 0, N + 10);
        assert.equal(stored.length, N + 1);
        assert.ok(proxy.cuts() >= 10, `the proxy cut the connection ${proxy.cuts()} times`);
        assert.equal(sender.$outbox.get().length, 0);
        console.info(`F1: ${N} messages through ${proxy.cuts()} cuts, all delivered ${drained} ms after the last send was queued`);
      } finally {
        await proxy.close();
      }
    });

    test('the server restarted mid-conversation loses nothing; messages queued while it was down go out after', { timeout: 30_000 }, async () => {
      const ida = connect('ida');
      const ivo = connect('ivo');
      await online(ida, ivo);
      const [{ conv }] = await ida.sendPin({ to: ['ivo'], pin });
      for (let i = 0; i < 50; i++) void ida.sendText(conv, `before ${i}`);
      await waitFor('ivo has the first 51', () => bodies(ivo, conv).length === 51);
      await server.shutdown();
      await waitFor('clients notice', () => ida.$status.get() !== 'online' && ivo.$status.get() !== 'online');
      for (let i = 0; i < 10; i++) void ida.sendText(conv, `while down ${i}`);
      await server.startAgain();
      await waitFor('both caught up', () => bodies(ivo, conv).length === 61 && bodies(ida, conv).length === 61, 20_000);
      assert.deepEqual(bodies(ivo, conv), bodies(ida, conv));
      assert.deepEqual(bodies(ivo, conv).slice(51), Array.from({ length: 10 }, (_, i) => `while down ${i}`));
      assert.deepEqual((await server.messages(conv, 0, 100)).map((m) => m.seq), Array.from({ length: 61 }, (_, i) => i + 1));
    });
  });
}
