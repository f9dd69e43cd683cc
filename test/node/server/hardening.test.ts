// B11 and B13 against the Node host: nothing a stranger sends over HTTP, and no
// failure while serving a frame, ends the process; idle and half-finished
// connections are timed out; connections and sockets per person are capped.
// After every case the server still answers /health and a signed-in socket.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { CloseCode } from '../../../src/protocol/index.js';
import { startServer, type PinServer, type ServerOptions } from '../../../server/node/server.js';
import { ORIGIN, SECRET } from '../../conformance/backend.js';
import { TestClient, uid } from '../../conformance/client.js';
import { exchange, hold, request, upgrade } from './raw-http.js';

const HEADERS_TIMEOUT_MS = 1_000;
const IDLE_TIMEOUT_MS = 1_000;
/** How late a timeout may fire: Node's check interval, the refusal linger, a busy machine. */
const SLACK_MS = 2_000;

const dirs: string[] = [];

async function start(options: Partial<ServerOptions> = {}): Promise<{ server: PinServer; log: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'pin-hardening-'));
  dirs.push(dir);
  const log: string[] = [];
  const server = await startServer({
    port: 0,
    dbPath: join(dir, 'chat.db'),
    authSecret: SECRET,
    allowedOrigins: [ORIGIN],
    allowNoOrigin: true,
    log: (line) => log.push(line),
    ...options,
  });
  return { server, log };
}

/** `promise`, or a failure naming `what` after `ms`: a server that never answers fails the test rather than hanging it. */
function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function pong(client: TestClient): Promise<void> {
  const n = Math.floor(Math.random() * 1e9);
  client.send({ t: 'ping', n });
  await client.next('pong', (f) => f.n === n);
}

async function health(server: PinServer): Promise<{ ok: boolean; open: number; connections: number }> {
  const response = await fetch(`${server.url}/health`);
  assert.equal(response.status, 200);
  return response.json();
}

function closeCode(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('close', (code) => resolve(code));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode} instead of an upgrade`)));
    ws.on('error', () => {});
  });
}

after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('Node host hardening', () => {
  let server: PinServer;
  let log: string[];
  let witness: TestClient;
  const tokens: string[] = [];

  before(async () => {
    ({ server, log } = await start({
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      requestTimeoutMs: 2_000,
      idleTimeoutMs: IDLE_TIMEOUT_MS,
      maxSocketsPerUser: 3,
    }));
    const user = uid('witness');
    const token = await server.issueToken(user);
    tokens.push(token);
    witness = await TestClient.connect(server, user, { token });
  });

  after(async () => {
    await witness.close();
    await server.close();
  });

  afterEach(async () => {
    assert.equal((await health(server)).ok, true, 'the server still answers /health');
    await pong(witness);
  });

  test('GET //x:99999 (a target `new URL` throws on) is answered, not fatal', async () => {
    const answer = await exchange(server.port, request('GET', '//x:99999'));
    assert.equal(answer.status, 404);
  });

  test('an upgrade to //[ gets 404 and a closed connection', async () => {
    const answer = await exchange(server.port, upgrade('//['));
    assert.equal(answer.status, 404);
    assert.equal(answer.closed, true);
  });

  test('other hostile targets get 400 or 404, as requests and as upgrades', async () => {
    const cases: [target: string, status: number][] = [
      ['//', 404],
      ['/%', 404],
      ['//@', 404],
      ['/health?%zz=%', 200],
      ['http://[', 400],
      ['http://[::1/health', 400],
      ['http://127.0.0.1/health', 200],
      ['*', 400],
      ['/parties/inbox/%E0%A4%A?token=%', 426],
    ];
    for (const [target, status] of cases) {
      assert.equal((await exchange(server.port, request('GET', target))).status, status, `GET ${target}`);
      const upgraded = await exchange(server.port, upgrade(target));
      if (target.startsWith('/parties/inbox/')) {
        // A well-formed socket path with a bad token: accepted, then closed with 4001.
        assert.match(upgraded.text, /^HTTP\/1\.1 101 /, `upgrade ${target}`);
      } else {
        assert.ok(upgraded.status !== undefined && upgraded.status >= 400 && upgraded.status < 500, `upgrade ${target}: ${upgraded.status}`);
      }
      assert.equal(upgraded.closed, true, `upgrade ${target} is closed`);
    }
  });

  test('long targets: over 8 KiB gets 414, over the header limit 431', async () => {
    const long = `/health?pad=${'a'.repeat(9 * 1024)}`;
    assert.equal((await exchange(server.port, request('GET', long))).status, 414);
    assert.equal((await exchange(server.port, upgrade(`/parties/inbox/x?token=${'a'.repeat(9 * 1024)}`))).status, 414);
    const huge = `/health?pad=${'a'.repeat(20 * 1024)}`;
    const answer = await exchange(server.port, request('GET', huge));
    assert.equal(answer.status, 431);
    assert.equal(answer.closed, true);
  });

  test('malformed request lines get 400 and a closed connection', async () => {
    for (const head of ['GARBAGE\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n', 'GET / HTTP/1.1\r\nBad Header\r\n\r\n', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03']) {
      const answer = await exchange(server.port, Buffer.from(head, 'latin1'));
      assert.equal(answer.status, 400, JSON.stringify(head));
      assert.equal(answer.closed, true, JSON.stringify(head));
    }
    const noHost = await exchange(server.port, 'GET /health HTTP/1.1\r\n\r\n');
    assert.equal(noHost.status, 400, 'HTTP/1.1 without Host');
    const draft = await exchange(server.port, upgrade('/parties/inbox/x?token=t').replace('Version: 13', 'Version: 8'));
    assert.equal(draft.status, 426, 'a WebSocket version other than 13');
    assert.match(draft.text, /\r\nSec-WebSocket-Version: 13\r\n/);
  });

  test('oversize headers get 431', async () => {
    const answer = await exchange(server.port, request('GET', '/health', [`X-Pad: ${'b'.repeat(20 * 1024)}`]));
    assert.equal(answer.status, 431);
    assert.equal(answer.closed, true);
    const many = Array.from({ length: 3_000 }, (_, i) => `X-H${i}: v`);
    assert.equal((await exchange(server.port, request('GET', '/health', many))).status, 431);
  });

  test('methods outside a route’s list get 405 with Allow', async () => {
    const answer = await exchange(server.port, request('DELETE', '/health'));
    assert.equal(answer.status, 405);
    assert.match(answer.text, /\r\nAllow: GET, HEAD\r\n/i);
    assert.equal((await exchange(server.port, request('POST', '/parties/inbox/someone', ['Content-Length: 3']) + 'abc')).status, 405);
    const body = await fetch(`${server.url}/avatars/x.svg`, { method: 'PUT', body: 'x' });
    assert.equal(body.status, 405);
  });

  test('a half-finished upgrade is dropped within the headers timeout', async () => {
    const half = await hold(server.port, 'GET /parties/inbox/x HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n');
    const ms = await within(half.closed, 'close of the half-finished upgrade');
    assert.ok(ms >= HEADERS_TIMEOUT_MS - 100 && ms < HEADERS_TIMEOUT_MS + SLACK_MS, `closed after ${ms} ms`);
  });

  test('past the headers timeout, a silent connection is closed without a word, and a half-sent request head gets 408', async () => {
    const [silent, half] = await Promise.all([hold(server.port), hold(server.port, 'GET /health HTTP/1.1\r\nHost: a\r\n')]);
    const said = ['', ''];
    silent.socket.on('data', (chunk) => (said[0] += chunk));
    half.socket.on('data', (chunk) => (said[1] += chunk));
    const times = await within(Promise.all([silent.closed, half.closed]), 'close of both connections');
    for (const ms of times) assert.ok(ms >= HEADERS_TIMEOUT_MS - 100 && ms < HEADERS_TIMEOUT_MS + SLACK_MS, `closed after ${ms} ms`);
    // Nothing to answer on the silent one: a close costs the server one step, an answer three.
    assert.equal(said[0], '');
    assert.match(said[1], /^HTTP\/1\.1 408 /);
  });

  test('a request body trickling in is not waited for: answered, then the connection is closed', async () => {
    const slow = await hold(server.port, request('GET', '/health', ['Content-Length: 100']) + 'part');
    let answer = '';
    slow.socket.on('data', (chunk) => (answer += chunk));
    const trickle = setInterval(() => slow.socket.write('x'), 100);
    try {
      const ms = await within(slow.closed, 'close of the slow request');
      assert.match(answer, /^HTTP\/1\.1 200 /);
      // Well before the request timeout (2 s), which would otherwise end it.
      assert.ok(ms < 1_000, `closed after ${ms} ms`);
    } finally {
      clearInterval(trickle);
    }
  });

  test('idle connections, never used or kept alive after a response, are closed within seconds', async () => {
    const idle = await Promise.all(Array.from({ length: 50 }, () => hold(server.port)));
    assert.ok((await health(server)).open >= 50, '/health counts open connections');
    const keptAlive = await hold(server.port, request('GET', '/health'));
    const times = await within(Promise.all([...idle, keptAlive].map((h) => h.closed)), 'close of every idle connection');
    const slowest = Math.max(...times);
    assert.ok(slowest < Math.max(HEADERS_TIMEOUT_MS, IDLE_TIMEOUT_MS) + SLACK_MS, `slowest closed after ${slowest} ms`);
  });

  test('per-person socket cap: the extra socket gets 4009, the others keep working', async () => {
    const user = uid('many');
    const token = await server.issueToken(user);
    tokens.push(token);
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await TestClient.connect(server, user, { token }));
    const extra = await TestClient.open(server, user, { token });
    assert.equal((await within(extra.closed, 'close of the extra socket')).code, CloseCode.TooManySockets);
    assert.ok(log.some((line) => line.includes(`code=${CloseCode.TooManySockets}`) && line.includes(user)), 'the refusal is logged');
    for (const client of open) await pong(client);
    await open[0].close();
    const again = await TestClient.connect(server, user, { token });
    await pong(again);
    await Promise.all([again, ...open].map((c) => c.close()));
  });

  test('a frame whose handling throws closes that socket with 1011 and is logged without contents', async () => {
    const victim = await TestClient.connect(server, uid('victim'));
    const receive = server.core.receive;
    server.core.receive = () => {
      throw new Error('failure quoting secret-body-text');
    };
    try {
      victim.send({ t: 'send', conv: 'c', id: 'secret-body-text', body: { kind: 'text', text: 'secret-body-text' } });
      assert.equal((await within(victim.closed, 'close of the failing socket')).code, CloseCode.ServerError);
    } finally {
      server.core.receive = receive;
    }
    assert.ok(log.some((line) => line.startsWith('frame failed')), 'the failure is logged');
    assert.ok(!log.some((line) => line.includes('secret-body-text')), 'no message contents in the log');
  });

  test('failures while opening or closing a socket, or in a route, are contained', async () => {
    const open = server.core.open;
    server.core.open = () => {
      throw new Error('open failed');
    };
    try {
      const refused = await TestClient.open(server, uid('open'));
      assert.equal((await within(refused.closed, 'close of the socket that failed to open')).code, CloseCode.ServerError);
    } finally {
      server.core.open = open;
    }
    const leaving = await TestClient.connect(server, uid('close'));
    const close = server.core.close;
    server.core.close = () => {
      throw new Error('close failed');
    };
    try {
      await leaving.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      server.core.close = close;
    }
    const getUser = server.storage.getUser;
    server.storage.getUser = () => {
      throw new Error('storage failed');
    };
    try {
      assert.equal((await fetch(`${server.url}/avatars/someone.svg?token=secret-query`)).status, 500);
    } finally {
      server.storage.getUser = getUser;
    }
    assert.ok(log.some((line) => line.startsWith('request failed') && line.includes('/avatars/someone.svg')));
    assert.ok(!log.some((line) => line.includes('secret-query')), 'no query in the log');
  });

  test('no log line carries a token', () => {
    assert.ok(log.length > 0);
    for (const token of tokens) assert.ok(!log.some((line) => line.includes(token)));
  });
});

describe('Node host: abusers and silent sockets', () => {
  test('after a 4008 close the person is turned away with 429 for a while; others are not', async () => {
    const { server } = await start({ abusePenaltyMs: 1_500, limits: { abuseThreshold: 2 } });
    try {
      const user = uid('abuser');
      const token = await server.issueToken(user);
      const abuser = await TestClient.connect(server, user, { token });
      for (let i = 0; i < 3; i++) abuser.send('not json');
      assert.equal((await within(abuser.closed, 'abuse close')).code, CloseCode.Abuse);
      const url = `${server.url.replace(/^http/, 'ws')}/parties/inbox/${user}?token=${encodeURIComponent(token)}`;
      await assert.rejects(closeCode(url), /HTTP 429/);
      const bystander = await TestClient.connect(server, uid('b'));
      await pong(bystander);
      await new Promise((resolve) => setTimeout(resolve, 1_700));
      const back = await TestClient.connect(server, user, { token });
      await pong(back);
      await Promise.all([bystander.close(), back.close()]);
    } finally {
      await server.close();
    }
  });

  test('a socket that never sends a frame is closed with 4010; one that says hello stays', async () => {
    const { server } = await start({ helloTimeoutMs: 300 });
    try {
      const silent = await TestClient.open(server, uid('silent'));
      const talker = await TestClient.connect(server, uid('talker'));
      assert.equal((await within(silent.closed, 'close of the silent socket', 3_000)).code, CloseCode.HelloTimeout);
      await new Promise((resolve) => setTimeout(resolve, 400));
      await pong(talker);
      await talker.close();
    } finally {
      await server.close();
    }
  });

  test('a person reconnecting faster than the open budget gets 1013 (try again later)', async () => {
    const { server } = await start({ maxSocketsPerUser: 100 });
    try {
      const user = uid('flap');
      const token = await server.issueToken(user);
      const clients = [];
      for (let i = 0; i < 80; i++) clients.push(await TestClient.open(server, user, { token }));
      await Promise.all(clients.map((c) => c.opened));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const refused = clients.filter((c) => !c.isOpen);
      const codes = await Promise.all(refused.map(async (c) => (await c.closed).code));
      assert.ok(refused.length >= 5, `${refused.length} of 80 refused`);
      assert.ok(codes.every((code) => code === CloseCode.TryAgainLater), `refusals: ${codes.join(',')}`);
      await Promise.all(clients.filter((c) => c.isOpen).map((c) => c.close()));
    } finally {
      await server.close();
    }
  });
});

describe('Node host connection cap', () => {
  test('over the cap, requests get 503 with Retry-After and upgrades 1013; sockets already open keep working', async () => {
    const { server } = await start({ maxConnections: 3 });
    try {
      const witness = await TestClient.connect(server, uid('early'));
      const idle = await Promise.all([hold(server.port), hold(server.port)]);
      const refused = await exchange(server.port, request('GET', '/health'));
      assert.equal(refused.status, 503);
      assert.match(refused.text, /\r\nRetry-After: \d+\r\n/i);
      assert.equal(refused.closed, true);
      const wsUrl = `${server.url.replace(/^http/, 'ws')}/parties/inbox/late?token=x`;
      assert.equal(await within(closeCode(wsUrl), 'close of the socket over the cap'), CloseCode.TryAgainLater);
      await pong(witness);
      for (const h of idle) h.socket.destroy();
      await within(Promise.all(idle.map((h) => h.closed)), 'close of the idle connections');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await health(server)).ok, true, 'under the cap again, requests are served');
      await witness.close();
    } finally {
      await server.close();
    }
  });
});

describe('Node host heartbeat', () => {
  test('a heartbeat that throws cuts only the socket it was pinging, and is logged', async () => {
    const { server, log } = await start({ heartbeatMs: 100 });
    const ping = WebSocket.prototype.ping;
    try {
      const client = await TestClient.connect(server, uid('beat'));
      WebSocket.prototype.ping = () => {
        throw new Error('ping failed');
      };
      assert.equal((await within(client.closed, 'close of the socket whose ping failed')).code, 1006);
      WebSocket.prototype.ping = ping;
      assert.ok(log.some((line) => line.startsWith('heartbeat failed')));
      const next = await TestClient.connect(server, uid('after'));
      await pong(next);
      await next.close();
    } finally {
      WebSocket.prototype.ping = ping;
      await server.close();
    }
  });
});
