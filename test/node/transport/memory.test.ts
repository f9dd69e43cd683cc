import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { CloseCode, directConversationId } from '../../../src/protocol/index.js';
import { MemoryTransport, createMemoryBackend, type MemoryBackend, type MemoryTransportOptions } from '../../../src/transport/memory.js';
import { record, seeded, sleep, waitFor } from './helpers.js';

const users = [
  { id: 'ada', name: 'Ada' },
  { id: 'bob', name: 'Bob' },
  { id: 'cy', name: 'Cy' },
];
const dm = directConversationId('ada', 'bob');
const textTo = (id: string, text: string) =>
  JSON.stringify({ t: 'send', conv: dm, id, to: ['bob'], body: { kind: 'text', text } });
const ping = (n: number) => JSON.stringify({ t: 'ping', n });

const transports: MemoryTransport[] = [];
function connect(backend: MemoryBackend, options: Partial<MemoryTransportOptions> = {}) {
  const transport = new MemoryTransport({ backend, user: 'ada', heartbeat: false, ...options });
  transports.push(transport);
  const rec = record(transport);
  transport.connect();
  return { transport, rec };
}

afterEach(() => {
  for (const t of transports.splice(0)) t.close();
});

describe('MemoryTransport', () => {
  test('frames cross asynchronously, as JSON text, through the real core', async () => {
    const backend = createMemoryBackend({ users });
    const ada = connect(backend);
    const bob = connect(backend, { user: 'bob' });
    await waitFor(() => ada.rec.of('welcome').length && bob.rec.of('welcome').length, 'both welcomes');

    assert.equal(ada.transport.send(textTo('hello-0001', 'hi Bob')), true);
    assert.equal(ada.rec.of('ack').length, 0, 'nothing arrives inside send()');
    const ack = await waitFor(() => ada.rec.of('ack')[0], 'the ack');
    const msg = await waitFor(() => bob.rec.of('msg')[0], "Bob's copy");
    assert.equal(ack.seq, 1);
    assert.equal(msg.m.body.text, 'hi Bob');
    assert.equal(backend.storage.getMessage(dm, 1)?.id, 'hello-0001');
  });

  test('send returns false unless a socket is open', async () => {
    const backend = createMemoryBackend({ users });
    const transport = new MemoryTransport({ backend, user: 'ada', heartbeat: false });
    transports.push(transport);
    assert.equal(transport.send(ping(1)), false, 'before connect');
    transport.connect();
    assert.equal(transport.send(ping(1)), false, 'while connecting');
    await waitFor(() => transport.status === 'open', 'open');
    assert.equal(transport.send(ping(2)), true);
    transport.disconnect();
    assert.equal(transport.send(ping(3)), false, 'after a cut');
    transport.close();
    assert.equal(transport.status, 'idle');
    assert.equal(transport.send(ping(4)), false, 'after close');
    await sleep(30);
    assert.equal(backend.openSockets('ada'), 0, 'the server forgot the socket');
  });

  test('latency delays each frame both ways and keeps order; reorder lets frames overtake', async () => {
    const backend = createMemoryBackend({ users });
    const slow = connect(backend, { latencyMs: 25 });
    await waitFor(() => slow.rec.of('welcome').length, 'welcome');
    const sent = Date.now();
    slow.transport.send(ping(1));
    await waitFor(() => slow.rec.of('pong').length, 'pong');
    assert.ok(Date.now() - sent >= 48, `round trip took ${Date.now() - sent} ms`);

    const ordered = connect(backend, { latencyMs: [0, 20], random: seeded(1) });
    const shuffled = connect(backend, { user: 'bob', latencyMs: [0, 20], reorder: true, random: seeded(1) });
    await waitFor(() => ordered.rec.of('welcome').length && shuffled.rec.of('welcome').length, 'welcomes');
    for (let n = 1; n <= 30; n++) {
      ordered.transport.send(ping(n));
      shuffled.transport.send(ping(n));
    }
    await waitFor(() => ordered.rec.of('pong').length === 30 && shuffled.rec.of('pong').length === 30, 'pongs');
    const inOrder = Array.from({ length: 30 }, (_, i) => i + 1);
    assert.deepEqual(ordered.rec.of('pong').map((f) => f.n), inOrder);
    assert.notDeepEqual(shuffled.rec.of('pong').map((f) => f.n), inOrder);
  });

  test('disconnectEvery cuts the socket right after its Nth frame, then a new socket opens', async () => {
    const backend = createMemoryBackend({ users });
    const { transport, rec } = connect(backend, { disconnectEvery: 6 });
    // Lock-step pings make the count exact: hello, welcome, ping, pong, ping, pong | cut.
    let n = 0;
    transport.addEventListener('message', () => transport.send(ping(++n)));
    await waitFor(() => rec.opens.length === 2, 'the second socket');
    assert.deepEqual(
      rec.frames.filter((f) => f.socket === 1).map((f) => f.t),
      ['welcome', 'pong', 'pong'],
    );
    assert.equal(rec.closes[0].code, 1006);
    assert.deepEqual(rec.statuses.slice(0, 5), ['connecting', 'open', 'reconnecting', 'connecting', 'open']);
  });

  test('a stalled socket is detected by the heartbeat within two intervals; the next one works', async () => {
    const backend = createMemoryBackend({ users });
    const { transport, rec } = connect(backend, { heartbeat: { intervalMs: 60, timeoutMs: 30 } });
    await waitFor(() => rec.of('welcome').length, 'welcome');
    await waitFor(() => rec.of('pong').length, 'a heartbeat answered');
    transport.stall();
    const lastHeard = Date.now();
    assert.equal(transport.send(textTo('stalled-01', 'lost')), true, 'a half-open socket still looks open');
    const close = await waitFor(() => rec.closes[0], 'the heartbeat timeout');
    assert.equal(close.code, 4000);
    assert.match(close.reason, /heartbeat/);
    assert.ok(close.at - lastHeard <= 2 * 60, `noticed after ${close.at - lastHeard} ms`);
    await waitFor(() => rec.of('welcome').some((f) => f.socket === 2), 'a welcome on the new socket');
    assert.equal(backend.storage.getMessage(dm, 1), undefined, 'the frame sent into the stall vanished');
  });

  test('resume lets frames through a stalled socket again', async () => {
    const backend = createMemoryBackend({ users });
    const { transport, rec } = connect(backend);
    await waitFor(() => rec.of('welcome').length, 'welcome');
    transport.stall();
    transport.send(ping(1));
    await sleep(20);
    transport.resume();
    transport.send(ping(2));
    await waitFor(() => rec.of('pong').length, 'pong');
    await sleep(20);
    assert.deepEqual(rec.of('pong').map((f) => f.n), [2]);
    assert.equal(rec.opens.length, 1);
  });

  test('dropAckRate loses acks only: the message is stored and delivered', async () => {
    const backend = createMemoryBackend({ users });
    const ada = connect(backend, { dropAckRate: 1 });
    const bob = connect(backend, { user: 'bob' });
    await waitFor(() => ada.rec.of('welcome').length && bob.rec.of('welcome').length, 'welcomes');
    ada.transport.send(textTo('noack-001', 'one'));
    ada.transport.send(ping(1));
    await waitFor(() => bob.rec.of('msg').length && ada.rec.of('pong').length, 'delivery and pong');
    assert.equal(ada.rec.of('ack').length, 0);
    assert.equal(backend.storage.getMessage(dm, 1)?.id, 'noack-001');
  });

  test('dropRate and duplicateRate act per direction', async () => {
    const backend = createMemoryBackend({ users });
    const deaf = connect(backend, { dropRate: { toClient: 1 } });
    const mute = connect(backend, { user: 'cy', dropRate: { toServer: 1 } });
    const echo = connect(backend, { duplicateRate: { toClient: 1 } });
    await waitFor(() => deaf.transport.status === 'open' && mute.transport.status === 'open', 'open');
    await waitFor(() => echo.rec.of('welcome').length === 2, 'two welcomes');
    deaf.transport.send(textTo('deafsend1', 'stored, never acked'));
    assert.equal(mute.transport.send(ping(1)), true);
    await waitFor(() => backend.storage.getMessage(dm, 1), 'the stored message');
    await sleep(20);
    assert.equal(deaf.rec.frames.length, 0, 'the deaf client heard nothing');
    assert.equal(mute.rec.frames.length, 0, 'the server never got hello or ping');
    assert.equal(mute.transport.status, 'open');
  });

  test('the same seed gives the same run through a lossy, duplicating link', async () => {
    const backend = createMemoryBackend({ users });
    const run = async (user: string, seed: number) => {
      const faults = { dropRate: 0.3, duplicateRate: 0.3, latencyMs: [0, 3] as [number, number], random: seeded(seed) };
      const { transport, rec } = connect(backend, { user, ...faults });
      await waitFor(() => transport.status === 'open', 'open');
      await sleep(20); // let hello and welcome settle, so the draws below come in one order
      for (let n = 1; n <= 40; n++) transport.send(ping(n));
      await sleep(40);
      return rec.of('pong').map((f) => f.n);
    };
    const first = await run('ada', 7);
    const again = await run('bob', 7);
    const other = await run('ada', 8);
    assert.deepEqual(again, first);
    assert.notDeepEqual(other, first);
  });

  test('restart drops every socket and keeps storage; clients reconnect and resume', async () => {
    const backend = createMemoryBackend({ users });
    const { transport, rec } = connect(backend);
    await waitFor(() => rec.of('welcome').length, 'welcome');
    transport.send(textTo('before-001', 'survives'));
    await waitFor(() => rec.of('ack').length, 'ack');
    backend.restart();
    await waitFor(() => rec.of('welcome').length === 2, 'welcome after restart');
    assert.equal(rec.closes[0].code, 1006);
    const welcome = rec.of('welcome')[1];
    assert.deepEqual(welcome.conversations.map((c: { id: string; lastSeq: number }) => [c.id, c.lastSeq]), [[dm, 1]]);
  });

  test('kill refuses connections until start; the client keeps retrying within the backoff cap', async () => {
    const backend = createMemoryBackend({ users });
    const { rec } = connect(backend, { backoff: { baseMs: 5, capMs: 40 } });
    await waitFor(() => rec.opens.length, 'open');
    backend.kill();
    await sleep(150);
    assert.equal(rec.opens.length, 1);
    assert.ok(rec.closes.length >= 3, `${rec.closes.length} failed attempts while down`);
    const started = Date.now();
    backend.start();
    await waitFor(() => rec.opens.length === 2, 'reconnected');
    assert.ok(Date.now() - started <= 40 + 60, `back after ${Date.now() - started} ms`);
  });

  test('fatal close codes stop reconnecting; an expired token is retried at once', async () => {
    const backend = createMemoryBackend({ users });
    backend.refuse('ada', CloseCode.Unauthorized);
    const refused = connect(backend);
    await waitFor(() => refused.transport.status === 'refused', 'refused');
    await sleep(60);
    assert.equal(refused.rec.closes.length, 1);
    assert.equal(refused.rec.closes[0].code, 4001);

    backend.refuse('bob', CloseCode.TokenExpired);
    const expired = connect(backend, { user: 'bob', backoff: { baseMs: 1000, capMs: 1000 }, random: () => 0.99 });
    await waitFor(() => expired.rec.closes.length === 2, 'the immediate retry');
    assert.ok(expired.rec.closes[1].at - expired.rec.closes[0].at < 100);
    await sleep(100);
    assert.equal(expired.rec.closes.length, 2, 'a second expiry in a row backs off');
    assert.equal(expired.transport.status, 'reconnecting');

    backend.refuse('ada', undefined);
    const live = connect(backend, { user: 'ada' });
    await waitFor(() => live.rec.of('welcome').length, 'welcome');
    backend.core.revoke('ada');
    await waitFor(() => live.transport.status === 'refused', 'refused after revoke');
    assert.equal(live.rec.closes.at(-1)?.code, CloseCode.Revoked);
  });

  test('an attempt that does not open within connectTimeoutMs is abandoned (1006) and retried', async () => {
    const backend = createMemoryBackend({ users });
    const { transport, rec } = connect(backend, { connectTimeoutMs: 30, latencyMs: 200, backoff: { baseMs: 5, capMs: 10 } });
    await waitFor(() => rec.closes.length >= 2, 'two abandoned attempts');
    assert.equal(rec.opens.length, 0);
    assert.deepEqual(rec.closes.slice(0, 2).map((c) => [c.code, c.reason]), [
      [1006, 'connect timeout'],
      [1006, 'connect timeout'],
    ]);
    transport.setFaults({});
    await waitFor(() => rec.of('welcome').length, 'welcome once the link is fast again');
    assert.equal(transport.status, 'open');
  });

  test('disconnect loses frames in flight both ways and reconnects', async () => {
    const backend = createMemoryBackend({ users });
    const { transport, rec } = connect(backend, { latencyMs: 20 });
    await waitFor(() => rec.of('welcome').length, 'welcome');
    transport.send(textTo('inflight1', 'lost in the cut'));
    transport.disconnect();
    await waitFor(() => rec.opens.length === 2, 'reconnected');
    await sleep(50);
    assert.equal(backend.storage.getMessage(dm, 1), undefined);
    assert.equal(rec.closes[0].code, 1006);
  });
});
