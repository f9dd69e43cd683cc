import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { randomId, type ServerFrame, type ServerFrameOf } from '../../src/protocol/index.js';
import { ORIGIN, type TestServer } from './backend.js';

/** What a protocol test client needs of a server. */
type Reachable = Pick<TestServer, 'url' | 'issueToken'>;

/** A unique user id per test, so tests sharing a server do not see each other. */
export function uid(prefix: string): string {
  return `${prefix}-${randomId(6)}`;
}

export function clientId(): string {
  return randomId(12);
}

export interface ConnectOptions {
  token?: string;
  origin?: string | null;
  /** Room in the URL; the user by default. */
  room?: string;
  name?: string;
  brand?: boolean;
  /** Answer server pings (default true). */
  autoPong?: boolean;
}

type Pred<F> = (frame: F) => boolean;

/** A protocol client over a real socket that records every frame it receives. */
export class TestClient {
  readonly frames: ServerFrame[] = [];
  private readonly taken = new Set<ServerFrame>();
  private waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  private constructor(
    readonly user: string,
    readonly ws: WebSocket,
  ) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as ServerFrame);
      this.notify();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('error', () => {});
    void this.closed.then(() => this.notify());
  }

  /** Opens a socket without sending `hello` (for handshake tests). */
  static async open(server: Reachable, user: string, options: ConnectOptions = {}): Promise<TestClient> {
    const token = options.token ?? (await server.issueToken(user, { name: options.name ?? user, brand: options.brand }));
    const room = options.room ?? user;
    const headers: Record<string, string> = {};
    if (options.origin !== null) headers.Origin = options.origin ?? ORIGIN;
    const url = `${server.url.replace(/^http/, 'ws')}/parties/inbox/${encodeURIComponent(room)}?token=${encodeURIComponent(token)}`;
    return new TestClient(user, new WebSocket(url, { headers, autoPong: options.autoPong ?? true }));
  }

  /** Opens a socket, sends `hello` and waits for `welcome`. */
  static async connect(
    server: Reachable,
    user: string,
    options: ConnectOptions & { cursors?: Record<string, number>; pending?: { conv: string; id: string }[] } = {},
  ): Promise<TestClient> {
    const client = await TestClient.open(server, user, options);
    await client.opened;
    await client.hello(options.cursors, options.pending);
    return client;
  }

  async hello(cursors?: Record<string, number>, pending?: { conv: string; id: string }[]): Promise<ServerFrameOf<'welcome'>> {
    this.send({ t: 'hello', v: 1, ...(cursors ? { cursors } : {}), ...(pending ? { pending } : {}) });
    return this.next('welcome');
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a text message and waits for its ack or error (up to `timeoutMs`). */
  async sendText(conv: string, text: string, extra: object = {}, timeoutMs?: number): Promise<ServerFrameOf<'ack'> | ServerFrameOf<'error'>> {
    const id = clientId();
    this.send({ t: 'send', conv, id, body: { kind: 'text', text }, ...extra });
    return this.next((f) => (f.t === 'ack' || f.t === 'error') && f.id === id, timeoutMs) as Promise<ServerFrameOf<'ack'> | ServerFrameOf<'error'>>;
  }

  /**
   * Sends a text message that must be acknowledged, and returns its seq; waits
   * up to 10 s, room for a just-started server's cold objects (wrangler dev on
   * a busy machine).
   */
  async sendAcked(conv: string, text: string, extra: object = {}): Promise<number> {
    const answer = await this.sendText(conv, text, extra, 10_000);
    assert.equal(answer.t, 'ack', JSON.stringify(answer));
    return (answer as ServerFrameOf<'ack'>).seq;
  }

  /** Sends a frame with a fresh `req` and waits for the reply carrying it. */
  async request(frame: object): Promise<ServerFrame> {
    const req = randomId(8);
    this.send({ ...frame, req });
    return this.next((f) => 'req' in f && f.req === req);
  }

  /** The oldest frame not yet taken that matches; waits up to `timeoutMs`. */
  next<T extends ServerFrame['t']>(type: T, pred?: Pred<ServerFrameOf<T>>, timeoutMs?: number): Promise<ServerFrameOf<T>>;
  next(pred: Pred<ServerFrame>, timeoutMs?: number): Promise<ServerFrame>;
  async next(a: string | Pred<ServerFrame>, b?: unknown, c?: number): Promise<ServerFrame> {
    const pred: Pred<ServerFrame> =
      typeof a === 'string' ? (f) => f.t === a && (typeof b !== 'function' || (b as Pred<ServerFrame>)(f)) : a;
    const timeoutMs = (typeof a === 'string' ? c : (b as number | undefined)) ?? 2000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find((f) => !this.taken.has(f) && pred(f));
      if (found) {
        this.taken.add(found);
        return found;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.user}: no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Frames not yet taken that match, after waiting `ms` for stragglers. */
  async untaken(pred: Pred<ServerFrame>, ms = 300): Promise<ServerFrame[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.frames.filter((f) => !this.taken.has(f) && pred(f));
  }

  /** Resolves with a page of history as the server has it. */
  async history(conv: string, options: { before?: number; after?: number; limit?: number } = {}): Promise<ServerFrameOf<'history'> | ServerFrameOf<'error'>> {
    return this.request({ t: 'history', conv, ...options }) as Promise<ServerFrameOf<'history'> | ServerFrameOf<'error'>>;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * The socket's close, or a failure saying it did not come within `ms`: a
   * server that never closes fails the test instead of hanging the run.
   */
  closedWithin(ms = 15_000): Promise<{ code: number; reason: string }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.user}'s socket was not closed within ${ms} ms`)), ms);
    });
    return Promise.race([this.closed, late]).finally(() => clearTimeout(timer));
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Closes every client given, ignoring ones already closed. */
export async function closeAll(...clients: TestClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close()));
}

export function textOf(frame: ServerFrame): string | undefined {
  if (frame.t === 'msg' && frame.m.body.kind === 'text') return frame.m.body.text;
  return undefined;
}
