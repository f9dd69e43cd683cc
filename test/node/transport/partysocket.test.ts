import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { PartySocketTransport, type PartySocketTransportOptions } from '../../../src/transport/partysocket.js';
import { record, seeded, sleep, waitFor } from './helpers.js';

/** One socket as the test server saw it. */
interface ServerSocket {
  ws: WebSocket;
  path: string;
  token: string | null;
  at: number;
  frames: string[];
  /** Stop answering pings (and everything else): a half-open connection from the client's side. */
  silent: boolean;
}

/** A tiny stand-in for the real server: records sockets, answers pings. */
async function startServer(onConnection: (socket: ServerSocket) => void = () => {}) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const sockets: ServerSocket[] = [];
  wss.on('connection', (ws, req) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const socket: ServerSocket = {
      ws,
      path: url.pathname,
      token: url.searchParams.get('token'),
      at: Date.now(),
      frames: [],
      silent: false,
    };
    sockets.push(socket);
    ws.on('message', (data) => {
      const frame = String(data);
      socket.frames.push(frame);
      if (!socket.silent && frame.startsWith('{"t":"ping"')) ws.send(JSON.stringify({ t: 'pong' }));
    });
    onConnection(socket);
  });
  const { port } = wss.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(onConnection?: (socket: ServerSocket) => void) {
  const server = await startServer(onConnection);
  cleanups.push(server.close);
  return server;
}

function transport(host: string, options: Partial<PartySocketTransportOptions> = {}, hello = true) {
  const t = new PartySocketTransport({
    host,
    room: 'ada',
    token: 'token-1',
    WebSocket,
    heartbeat: false,
    backoff: { baseMs: 10, capMs: 50 },
    ...options,
  });
  cleanups.push(() => t.close());
  const rec = record(t, hello);
  t.connect();
  return { t, rec };
}

describe('PartySocketTransport', () => {
  test('connects to the inbox room with the token in the query and carries frames both ways', async () => {
    const server = await serve((s) => s.ws.send(JSON.stringify({ t: 'ok', req: 'welcome-ish' })));
    const { t, rec } = transport(server.host, { token: () => Promise.resolve('secret-token') });
    await waitFor(() => rec.frames.length, 'a frame from the server');
    assert.equal(t.status, 'open');
    assert.equal(server.sockets[0].path, '/parties/inbox/ada');
    assert.equal(server.sockets[0].token, 'secret-token');
    assert.equal(rec.frames[0].req, 'welcome-ish');
    await waitFor(() => server.sockets[0].frames.length, 'hello at the server');
    assert.deepEqual(JSON.parse(server.sockets[0].frames[0]), { t: 'hello', v: 1 });
  });

  test('reconnects after the server drops the socket, with a fresh token', async () => {
    const server = await serve();
    let issued = 0;
    const { rec } = transport(server.host, { token: () => `token-${++issued}` });
    await waitFor(() => rec.opens.length, 'open');
    server.sockets[0].ws.terminate();
    await waitFor(() => rec.opens.length === 2, 'the second open');
    assert.deepEqual(server.sockets.map((s) => s.token), ['token-1', 'token-2']);
    assert.equal(rec.closes.length, 1);
    assert.deepEqual(rec.statuses, ['connecting', 'open', 'reconnecting', 'connecting', 'open']);
  });

  test('jitter spreads 100 clients dropped at once: at most 10% due in any 100 ms, none reconnecting early', async () => {
    const server = await serve();
    // One seeded source for all: the same 100 draws on every run, spread as Math.random would.
    const shared = seeded(42);
    const baseMs = 3000;
    let dropped = 0;
    const clients = Array.from({ length: 100 }, () => {
      // Each client's draws after the drop, and when it asked for a token (right after its wait).
      const draws: number[] = [];
      const asked: number[] = [];
      const random = () => {
        const r = shared();
        if (dropped) draws.push(r);
        return r;
      };
      const token = () => {
        if (dropped) asked.push(Date.now() - dropped);
        return 'token-1';
      };
      return { draws, asked, ...transport(server.host, { backoff: { baseMs, capMs: baseMs }, random, token }) };
    });
    await waitFor(() => clients.every((c) => c.rec.opens.length === 1), 'all connected', 5000);
    dropped = Date.now();
    for (const s of server.sockets) s.ws.terminate();
    await waitFor(() => clients.every((c) => c.rec.opens.length === 2), 'all reconnected', baseMs + 5000);
    // When each was due: full jitter over [0, baseMs) (capMs = baseMs, so every attempt has that window).
    const due = clients.map((c) => Math.floor(c.draws[0] * baseMs));
    const sorted = [...due].sort((a, b) => a - b);
    let busiest = 0;
    for (let i = 0, j = 0; i < sorted.length; i++) {
      while (j < sorted.length && sorted[j] - sorted[i] < 100) j++;
      busiest = Math.max(busiest, j - i);
    }
    assert.ok(busiest <= 10, `${busiest} reconnects due in one 100 ms window`);
    assert.ok(sorted[99] - sorted[0] > baseMs / 2, `due over ${sorted[99] - sorted[0]} ms`);
    // Each waited its own delay: none came back before it was due. (Late is the machine's
    // doing: a busy event loop fires expired timers together, so arrivals are not judged.)
    for (const [i, c] of clients.entries()) {
      assert.equal(c.draws.length, 1, `client ${i} drew ${c.draws.length} delays for one reconnect`);
      assert.ok(c.asked[0] >= due[i] - 2, `client ${i} reconnected after ${c.asked[0]} ms, due at ${due[i]} ms`);
    }
  });

  test('a token provider that fails is retried after the backoff', async () => {
    const server = await serve();
    let calls = 0;
    const token = () => (++calls === 1 ? Promise.reject(new Error('token service down')) : Promise.resolve('token-2'));
    const { t, rec } = transport(server.host, { token });
    await waitFor(() => t.status === 'open', 'open after the second token');
    assert.equal(calls, 2);
    assert.deepEqual(server.sockets.map((s) => s.token), ['token-2']);
    assert.deepEqual(rec.closes.map((c) => [c.code, c.reason]), [[1006, 'token service down']]);
  });

  test('a fatal close code stops reconnecting with status refused', async () => {
    const server = await serve((s) => s.ws.close(4001, 'bad token'));
    const { t, rec } = transport(server.host);
    await waitFor(() => t.status === 'refused', 'refused');
    await sleep(200);
    assert.equal(server.sockets.length, 1);
    assert.deepEqual(rec.closes.map((c) => c.code), [4001]);
    assert.equal(t.send('{"t":"ping"}'), false);
  });

  test('an expired token (4002) reconnects at once with a fresh one', async () => {
    const server = await serve((s) => s.token === 'stale' && s.ws.close(4002, 'token expired'));
    const tokens = ['stale', 'fresh'];
    const { t, rec } = transport(server.host, { token: () => tokens.shift() ?? 'later', backoff: { baseMs: 5000, capMs: 5000 } });
    await waitFor(() => server.sockets.length === 2 && t.status === 'open', 'the second socket', 1000);
    assert.equal(server.sockets[1].token, 'fresh');
    assert.equal(rec.closes[0].code, 4002);
  });

  test('a silent server is detected within two heartbeat intervals, then the client reconnects', async () => {
    const server = await serve();
    const heartbeat = { intervalMs: 100, timeoutMs: 50 };
    const { rec } = transport(server.host, { heartbeat }, false);
    await waitFor(() => rec.of('pong').length, 'a first pong');
    server.sockets[0].silent = true;
    const lastHeard = Date.now();
    const close = await waitFor(() => rec.closes[0], 'the heartbeat timeout');
    assert.equal(close.code, 4000);
    assert.ok(close.at - lastHeard <= 2 * heartbeat.intervalMs, `noticed after ${close.at - lastHeard} ms`);
    await waitFor(() => rec.opens.length === 2, 'the second open');
    await waitFor(() => rec.of('pong').some((f) => f.socket === 2), 'a pong on the new socket');
  });

  test('send returns false while disconnected, and the adapter never delivers those frames later', async () => {
    const server = await serve();
    const { t, rec } = transport(server.host, { backoff: { baseMs: 150, capMs: 150 }, random: () => 0.99 }, false);
    await waitFor(() => rec.opens.length, 'open');
    assert.equal(t.send('{"t":"ping","n":1}'), true);
    server.sockets[0].ws.terminate();
    await waitFor(() => rec.closes.length, 'the close');
    let refused = 0;
    let accepted = 0;
    while (rec.opens.length < 2) {
      const ok = t.send(`{"t":"ping","n":${100 + refused + accepted}}`);
      if (ok) accepted++;
      else refused++;
      await sleep(1);
    }
    assert.ok(refused > 10, `${refused} sends refused while away`);
    t.send('{"t":"ping","n":2}');
    await waitFor(() => server.sockets[1]?.frames.length, 'a frame on the new socket');
    await sleep(50);
    // A send that reported true during the reconnect can only have gone out on the new, open socket.
    assert.equal(server.sockets[1].frames.length, accepted + 1);
    assert.equal(server.sockets[1].frames.at(-1), '{"t":"ping","n":2}');
  });

  test('close stops reconnecting; reconnect() drops the socket and comes back at once', async () => {
    const server = await serve();
    const { t, rec } = transport(server.host, { backoff: { baseMs: 5000, capMs: 5000 } });
    await waitFor(() => rec.opens.length, 'open');
    t.reconnect();
    await waitFor(() => rec.opens.length === 2, 'reconnected', 1000);
    assert.equal(rec.closes[0].code, 4000);
    t.close();
    assert.equal(t.status, 'idle');
    await waitFor(() => server.sockets[1].ws.readyState === WebSocket.CLOSED, 'the server saw the close');
    await sleep(100);
    assert.equal(server.sockets.length, 2);
  });
});
