import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { CloseCode } from '../../../src/protocol/codes.js';
import { SocketTransport, type ReconnectOptions } from '../../../src/transport/base.js';
import { record, sleep, waitFor } from './helpers.js';

/** A socket the test drives by hand: it only records what the transport asks of it. */
interface FakeSocket {
  n: number;
  open: boolean;
  written: string[];
  hungUp?: { code: number; reason: string };
}

/** The smallest adapter: it makes fake sockets, and the test reports their events through it. */
class FakeTransport extends SocketTransport<FakeSocket> {
  readonly sockets: FakeSocket[] = [];
  /** Set to report the close from inside `hangUp`, as PartySocket does. */
  closesInHangUp = false;

  constructor(options: ReconnectOptions = {}) {
    super(options, { backoff: { baseMs: 20, capMs: 20 }, heartbeat: false, stableMs: 1_000 });
  }

  get last(): FakeSocket {
    return this.sockets.at(-1)!;
  }

  protected openSocket(): FakeSocket {
    const socket = { n: this.sockets.length + 1, open: false, written: [] };
    this.sockets.push(socket);
    return socket;
  }

  protected write(socket: FakeSocket, frame: string): boolean {
    if (!socket.open) return false;
    socket.written.push(frame);
    return true;
  }

  protected hangUp(socket: FakeSocket, code: number, reason: string): void {
    socket.hungUp = { code, reason };
    if (this.closesInHangUp) this.closed(socket, code, `${reason} (from the socket)`, true);
  }

  // What a real socket's event handlers would call.
  opens(socket = this.last): void {
    socket.open = true;
    this.opened(socket);
  }
  receives(data: string, socket = this.last): void {
    this.frame(socket, data);
  }
  closes(code: number, reason = '', socket = this.last): void {
    socket.open = false;
    this.closed(socket, code, reason, true);
  }
}

const transports: FakeTransport[] = [];
afterEach(() => {
  for (const t of transports.splice(0)) t.close();
});

function fake(options?: ReconnectOptions) {
  const t = new FakeTransport(options);
  transports.push(t);
  const rec = record(t, false);
  return { t, rec };
}

describe('SocketTransport (the life cycle every adapter shares)', () => {
  test('opens at once, then reports open, frames and close in order, and reconnects after a jittered wait', async () => {
    const { t, rec } = fake({ random: () => 0.5 });
    t.connect();
    assert.equal(t.status, 'connecting');
    await waitFor(() => t.sockets.length, 'the first attempt');
    assert.equal(t.send('early'), false, 'nothing goes out before the socket opens');
    t.opens();
    t.receives('{"t":"pong"}');
    assert.equal(t.send('hello'), true);
    assert.deepEqual(t.last.written, ['hello']);
    t.closes(CloseCode.GoingAway, 'restart');
    assert.equal(t.send('late'), false);
    const closedAt = Date.now();
    await waitFor(() => t.sockets.length === 2, 'the second attempt');
    assert.ok(Date.now() - closedAt >= 8, 'the second attempt waits its draw of the backoff window');
    t.opens();
    assert.deepEqual(rec.statuses, ['connecting', 'open', 'reconnecting', 'connecting', 'open']);
    assert.equal(rec.opens.length, 2);
    assert.deepEqual(rec.closes.map((c) => [c.code, c.reason]), [[1001, 'restart']]);
    assert.deepEqual(rec.frames.map((f) => f.t), ['pong']);
  });

  test('a fatal close code stops it as refused; 4009 and 1013 are retried with backoff', async () => {
    for (const code of [CloseCode.TooManySockets, CloseCode.TryAgainLater]) {
      const { t } = fake();
      t.connect();
      await waitFor(() => t.sockets.length, 'the first attempt');
      t.opens();
      t.closes(code);
      assert.equal(t.status, 'reconnecting', `after ${code}`);
      await waitFor(() => t.sockets.length === 2, `a new attempt after ${code}`);
    }
    const { t, rec } = fake();
    t.connect();
    await waitFor(() => t.sockets.length, 'the first attempt');
    t.opens();
    t.closes(CloseCode.Unauthorized, 'bad token');
    assert.equal(t.status, 'refused');
    await sleep(60);
    assert.equal(t.sockets.length, 1);
    assert.equal(t.send('x'), false);
    t.connect();
    await waitFor(() => t.sockets.length === 2, 'connect() after a refusal starts again');
    assert.deepEqual(rec.statuses, ['connecting', 'open', 'refused', 'connecting']);
  });

  test('ignores what a socket it has left still reports', async () => {
    const { t, rec } = fake();
    t.connect();
    await waitFor(() => t.sockets.length, 'the first attempt');
    const first = t.last;
    t.opens(first);
    t.reconnect();
    assert.deepEqual(first.hungUp, { code: 4000, reason: 'reconnect' });
    assert.deepEqual(rec.closes.map((c) => c.code), [4000]);
    await waitFor(() => t.sockets.length === 2, 'the second attempt at once');
    t.receives('{"t":"stale"}', first);
    t.closes(1006, 'late close', first);
    t.opens(first);
    assert.equal(t.status, 'connecting');
    assert.equal(rec.frames.length, 0);
    assert.equal(rec.closes.length, 1);
    t.opens();
    assert.equal(rec.opens.length, 2);
  });

  test('a close the socket reports from inside hangUp is reported once', async () => {
    const { t, rec } = fake();
    t.closesInHangUp = true;
    t.connect();
    await waitFor(() => t.sockets.length, 'the first attempt');
    t.opens();
    t.reconnect();
    assert.deepEqual(rec.closes.map((c) => c.reason), ['reconnect (from the socket)']);
    await waitFor(() => t.sockets.length === 2, 'the second attempt');
    t.close();
    assert.equal(rec.closes.length, 1, 'close() reports no close event');
  });

  test('a close listener may stop it, or reconnect it once', async () => {
    const stopped = fake();
    stopped.t.addEventListener('close', () => stopped.t.close());
    stopped.t.connect();
    await waitFor(() => stopped.t.sockets.length, 'the first attempt');
    stopped.t.opens();
    stopped.t.closes(1011);
    assert.equal(stopped.t.status, 'idle');
    await sleep(60);
    assert.equal(stopped.t.sockets.length, 1);

    const again = fake();
    again.t.addEventListener('close', () => again.t.reconnect());
    again.t.connect();
    await waitFor(() => again.t.sockets.length, 'the first attempt');
    again.t.opens();
    again.t.closes(1011);
    await sleep(60);
    assert.equal(again.t.sockets.length, 2, 'one new attempt, not two');
  });

  test('the heartbeat hangs up a silent socket with 4000 and reconnects', async () => {
    const { t, rec } = fake({ heartbeat: { intervalMs: 20, timeoutMs: 10 } });
    t.connect();
    await waitFor(() => t.sockets.length, 'the first attempt');
    t.opens();
    const first = t.last;
    await waitFor(() => first.hungUp, 'the heartbeat timeout');
    assert.match(first.written[0], /^\{"t":"ping","n":1\}$/);
    assert.deepEqual(first.hungUp, { code: 4000, reason: 'heartbeat timeout' });
    assert.deepEqual(rec.closes.map((c) => [c.code, c.reason]), [[4000, 'heartbeat timeout']]);
    await waitFor(() => t.sockets.length === 2, 'the second attempt');
  });

  test('close() hangs up with 1000, cancels a pending attempt, and connect() starts again', async () => {
    const { t } = fake();
    t.connect();
    await waitFor(() => t.sockets.length, 'the first attempt');
    t.opens();
    t.close();
    assert.deepEqual(t.last.hungUp, { code: 1000, reason: 'closed by client' });
    assert.equal(t.status, 'idle');
    t.connect();
    t.close();
    await sleep(30);
    assert.equal(t.sockets.length, 1, 'the attempt scheduled before close() never ran');
    t.connect();
    await waitFor(() => t.sockets.length === 2, 'a new attempt');
  });
});
