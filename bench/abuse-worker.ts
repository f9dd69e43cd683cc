// One process of the abuse bench: either the well-behaved people or one
// abuser. Each runs in its own process so that its CPU never sits in the
// server's or in another role's event loop; the parent (bench/abuse.ts)
// drives it over IPC and reads back figures.
import { connect as tcpConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { connectMember, mintToken, type Endpoint, type Frame } from './client.js';

export type Role = 'well-behaved' | 'refused-send' | 'hello' | 'history' | 'idle' | 'slow-reader';

/** Figures shared by the seeding step and the roles that use the seeded history. */
export const SEED = {
  /** Conversations with history, each with `messages` messages; the hello and history abusers are members. */
  conversations: 32,
  messages: 400,
  writer: 'ab_seed',
  writers: 4,
  hello: 'ab_hello',
  pager: 'ab_pager',
  convId: (c: number) => `g:seed${String(c).padStart(6, '0')}`,
};

export type Request =
  | { cmd: 'setup'; role: Role; endpoint: Endpoint }
  | { cmd: 'start' }
  | { cmd: 'stop' }
  | { cmd: 'measure'; ms: number }
  | { cmd: 'exit' };

/** What the well-behaved process measured in one window. */
export interface WellBehavedWindow {
  /** Ping round trips and delivery latencies (send to the other member's copy), ms, ascending. */
  pings: number[];
  deliveries: number[];
  /** Messages sent in the window that never arrived (within 5 s), and pings never answered. */
  lost: number;
  lostPings: number;
  errors: Record<string, number>;
  closes: Record<string, number>;
  cpu: number;
}

/** What an abuser did between start and stop. */
export interface AbuseWindow {
  seconds: number;
  cpu: number;
  framesSent: number;
  bytesReceived: number;
  /** Reply frames by type (`error` frames by their code). */
  replies: Record<string, number>;
  /** Sockets closed by the server, by close code (1006: cut without a close frame). */
  closes: Record<string, number>;
  reconnects: number;
  /** Role-specific figures. */
  notes: Record<string, number>;
}

const send = (message: unknown) => process.send!(message);
const TEXT = 'Look at this lamp, would it fit the hallway? It comes in brass too.';
/** Four-byte characters: the largest text body a frame may carry (4 x 3,900 bytes < LIMITS.frameBytes). */
const BIG_TEXT = '\u{1F4CC}'.repeat(3_900);

let endpoint: Endpoint;
let role: Role;
let running = false;
let cpu0 = process.cpuUsage();
let wall0 = 0;
let stats: AbuseWindow = emptyStats();

function emptyStats(): AbuseWindow {
  return { seconds: 0, cpu: 0, framesSent: 0, bytesReceived: 0, replies: {}, closes: {}, reconnects: 0, notes: {} };
}

function count(record: Record<string, number>, key: string, n = 1): void {
  record[key] = (record[key] ?? 0) + n;
}

/** The frame type, or `error:<code>`, read without parsing (the abusers get many large frames). */
function kindOf(raw: string): string {
  const t = raw.slice(6, raw.indexOf('"', 6));
  if (t !== 'error') return t;
  const at = raw.indexOf('"code":"');
  return at < 0 ? 'error' : `error:${raw.slice(at + 8, raw.indexOf('"', at + 8))}`;
}

/** Opens a socket like a client but keeps no welcome wait: the abusers' replies are counted as they come. */
async function openRaw(user: string, token?: string): Promise<WebSocket> {
  const ws = new WebSocket(`${endpoint.url}/parties/inbox/${user}?token=${token ?? (await mintToken(endpoint, user))}`, {
    origin: endpoint.origin,
    perMessageDeflate: false,
    skipUTF8Validation: true,
  });
  ws.on('error', () => {});
  return ws;
}

function opened(ws: WebSocket): Promise<boolean> {
  if (ws.readyState === WebSocket.OPEN) return Promise.resolve(true);
  return new Promise((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('close', () => resolve(false));
  });
}

// Flooders --------------------------------------------------------------------

/**
 * A socket that writes `next()` frames as fast as the socket takes them and
 * reconnects whenever the server closes it, for as long as the abuse runs.
 */
class Flooder {
  private readonly sockets = new Set<WebSocket>();

  constructor(
    private readonly user: string,
    private readonly next: () => string,
    private readonly onReply: (kind: string, ws: WebSocket) => void = () => {},
    /** Frames in flight: undefined floods blindly, a number keeps that many unanswered. */
    private readonly window?: number,
  ) {}

  private token = '';
  private inFlight = 0;

  async start(): Promise<void> {
    this.token = await mintToken(endpoint, this.user);
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (!running) return;
    const ws = await openRaw(this.user, this.token);
    this.sockets.add(ws);
    this.inFlight = 0;
    ws.on('message', (data: Buffer) => {
      stats.bytesReceived += data.length;
      const kind = kindOf(data.toString('latin1', 0, 80));
      count(stats.replies, kind);
      this.onReply(kind, ws);
      if (this.window !== undefined && kind !== 'welcome') {
        this.inFlight--;
        this.pump(ws);
      }
    });
    ws.on('close', (code) => {
      this.sockets.delete(ws);
      if (!running) return;
      count(stats.closes, String(code));
      stats.reconnects++;
      // A refused connection (a cap) is retried after a pause; an abuse close at once, as an attacker would.
      setTimeout(() => void this.connect(), code === 4008 ? 0 : 50);
    });
    if (!(await opened(ws))) return;
    // Stopped while this socket was opening.
    if (!running) ws.terminate();
    else this.pump(ws);
  }

  private pump(ws: WebSocket): void {
    if (!running || ws.readyState !== WebSocket.OPEN) return;
    if (this.window !== undefined) {
      while (this.inFlight < this.window) {
        ws.send(this.next());
        this.inFlight++;
        stats.framesSent++;
      }
      return;
    }
    // Batches, so the replies are read between them; the kernel's buffer is the only brake.
    for (let i = 0; i < 64 && ws.bufferedAmount < 1 << 20; i++) {
      ws.send(this.next());
      stats.framesSent++;
    }
    setImmediate(() => this.pump(ws));
  }

  stop(): void {
    // terminate, not close: a reset makes the server drop what it has not read yet.
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
  }
}

const flooders: Flooder[] = [];
const FLOOD_SOCKETS = 4;

function setupRefusedSend(): void {
  let n = 0;
  for (let s = 0; s < FLOOD_SOCKETS; s++) {
    flooders.push(
      new Flooder('ab_refused', () => {
        const id = `rf${(n++).toString(36).padStart(8, '0')}`;
        // Alternately: a conversation that exists but has other members, and a new one with nobody real in it.
        return n % 2 === 0
          ? `{"t":"send","conv":"g:wb000000","id":"${id}","body":{"kind":"text","text":"hi"}}`
          : `{"t":"send","conv":"g:rf${id}","id":"${id}","to":["nobody${n % 1000}"],"body":{"kind":"text","text":"hi"}}`;
      }),
    );
  }
}

function helloFrame(): string {
  const cursors: Record<string, number> = {};
  for (let c = 0; c < SEED.conversations; c++) cursors[SEED.convId(c)] = 0;
  // Fill the frame up to just under LIMITS.frameBytes with conversations the person is not in.
  let frame = '';
  for (let k = 0; ; k++) {
    const next = JSON.stringify({ t: 'hello', v: 1, cursors });
    if (next.length > 16_000) break;
    frame = next;
    cursors[`g:stale${String(k).padStart(5, '0')}`] = 1;
  }
  return frame;
}

function setupHello(): void {
  const frame = helloFrame();
  stats.notes.cursorsPerHello = Object.keys(JSON.parse(frame).cursors).length;
  for (let s = 0; s < FLOOD_SOCKETS; s++) flooders.push(new Flooder(SEED.hello, () => frame));
}

function setupHistory(): void {
  let n = 0;
  const pages = Math.ceil(SEED.messages / 200);
  for (let s = 0; s < FLOOD_SOCKETS; s++) {
    flooders.push(
      new Flooder(
        SEED.pager,
        () => {
          const k = n++;
          // Walks every conversation back page by page, then starts again.
          const conv = SEED.convId(Math.floor(k / pages) % SEED.conversations);
          const before = SEED.messages + 1 - (k % pages) * 200;
          return `{"t":"history","req":"h${k}","conv":"${conv}","before":${before},"limit":200}`;
        },
        undefined,
        8,
      ),
    );
  }
}

// Idle sockets ----------------------------------------------------------------

const IDLE_TCP = 1_000;
const IDLE_WS_USERS = 100;
const IDLE_WS_PER_USER = 10;
let idleTokens: string[] = [];
interface Idle {
  kind: 'tcp' | 'ws';
  at: number;
  closedAt?: number;
  close: () => void;
}
let idles: Idle[] = [];

async function setupIdle(): Promise<void> {
  idleTokens = await Promise.all(Array.from({ length: IDLE_WS_USERS }, (_, u) => mintToken(endpoint, idleUser(u))));
}

const idleUser = (u: number) => `ab_idle${String(u).padStart(3, '0')}`;

async function startIdle(): Promise<void> {
  idles = [];
  const port = Number(new URL(endpoint.url).port);
  const openTcp = () =>
    new Promise<void>((resolve) => {
      const socket: Socket = tcpConnect({ port, host: '127.0.0.1' });
      const idle: Idle = { kind: 'tcp', at: performance.now(), close: () => socket.destroy() };
      socket.on('error', () => {});
      // Never sends, but reads (and drops) what comes: a socket nobody reads never sees the server's FIN.
      socket.resume();
      socket.once('connect', () => {
        idles.push(idle);
        resolve();
      });
      socket.once('close', () => {
        idle.closedAt ??= performance.now();
        resolve();
      });
    });
  const openWs = async (u: number) => {
    const ws = await openRaw(idleUser(u), idleTokens[u]);
    const idle: Idle = { kind: 'ws', at: performance.now(), close: () => ws.terminate() };
    ws.on('close', (code) => {
      idle.closedAt ??= performance.now();
      if (running) count(stats.closes, `ws ${code}`);
    });
    if (await opened(ws)) idles.push(idle);
    else count(stats.notes, 'wsRefused');
  };
  // In batches of 100, as a client with many connections would open them.
  for (let i = 0; i < IDLE_TCP; i += 100) await Promise.all(Array.from({ length: 100 }, openTcp));
  const all = Array.from({ length: IDLE_WS_USERS * IDLE_WS_PER_USER }, (_, k) => k % IDLE_WS_USERS);
  for (let i = 0; i < all.length; i += 100) await Promise.all(all.slice(i, i + 100).map(openWs));
  stats.notes.openMs = Math.round(performance.now() - wall0);
}

function stopIdle(): void {
  const now = performance.now();
  for (const kind of ['tcp', 'ws'] as const) {
    const mine = idles.filter((i) => i.kind === kind);
    const closed = mine.filter((i) => i.closedAt !== undefined);
    stats.notes[`${kind}Opened`] = mine.length;
    stats.notes[`${kind}Stayed`] = mine.length - closed.length;
    const lives = closed.map((i) => i.closedAt! - i.at).sort((a, b) => a - b);
    // NaN would cross IPC as null: leave the figure out when nothing closed.
    if (lives.length) stats.notes[`${kind}ClosedMedianMs`] = Math.round(lives[lives.length >> 1]);
    stats.notes[`${kind}HeldMs`] = Math.round(now - (mine[0]?.at ?? now));
  }
  for (const idle of idles) idle.close();
}

// Slow readers ----------------------------------------------------------------

const SLOW_GROUPS = 20;
const SLOW_SENDERS = 3;
const SLOW_READERS = 7;
/** Sends per second per sender, under the default 5 per person. */
const SLOW_RATE = 4;
const slowReader = (r: number) => `ab_slow_r${r}`;
const slowSender = (g: number, s: number) => `ab_slow_s${g}_${s}`;
const slowGroup = (g: number) => `g:slowgroup${String(g).padStart(3, '0')}`;
const slowSenders = new Map<string, { ws: WebSocket; group: number }>();
let readers: WebSocket[] = [];
let slowTimer: NodeJS.Timeout | undefined;

async function setupSlow(): Promise<void> {
  const onRaw = (raw: string) => {
    stats.bytesReceived += raw.length;
    count(stats.replies, kindOf(raw));
  };
  const readerSockets = await Promise.all(Array.from({ length: SLOW_READERS }, (_, r) => connectMember(endpoint, slowReader(r), onRaw)));
  for (let g = 0; g < SLOW_GROUPS; g++) {
    for (let s = 0; s < SLOW_SENDERS; s++) slowSenders.set(slowSender(g, s), { ws: await connectMember(endpoint, slowSender(g, s), onRaw), group: g });
  }
  let created = 0;
  await new Promise<void>((resolve, reject) => {
    setTimeout(() => reject(new Error('slow-reader groups were not created in 10 s')), 10_000).unref();
    for (let g = 0; g < SLOW_GROUPS; g++) {
      const { ws } = slowSenders.get(slowSender(g, 0))!;
      const to = [...Array.from({ length: SLOW_SENDERS - 1 }, (_, s) => slowSender(g, s + 1)), ...Array.from({ length: SLOW_READERS }, (_, r) => slowReader(r))];
      ws.on('message', (data) => {
        if (String(data).startsWith('{"t":"ack"') && ++created === SLOW_GROUPS) resolve();
        else if (String(data).startsWith('{"t":"error"')) reject(new Error(`creating a slow-reader group: ${String(data)}`));
      });
      ws.send(JSON.stringify({ t: 'send', conv: slowGroup(g), id: `slowcreate${g}`, to, body: { kind: 'text', text: TEXT } }));
    }
  });
  for (const ws of readerSockets) ws.terminate();
}

async function startSlow(): Promise<void> {
  const noop = () => {};
  readers = await Promise.all(Array.from({ length: SLOW_READERS }, (_, r) => connectMember(endpoint, slowReader(r), noop)));
  // Stop reading: the server's writes pile up in the kernel, then in its own buffer for the socket.
  for (const ws of readers) ws.pause();
  let n = 0;
  const senders = [...slowSenders.values()];
  const started = performance.now();
  let sent = 0;
  slowTimer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * SLOW_RATE * senders.length);
    for (; sent < due; sent++) {
      const { ws, group } = senders[sent % senders.length];
      ws.send(`{"t":"send","conv":"${slowGroup(group)}","id":"slow${(n++).toString(36).padStart(8, '0')}","body":{"kind":"text","text":"${BIG_TEXT}"}}`);
      stats.framesSent++;
    }
  }, 10);
}

async function stopSlow(): Promise<void> {
  clearInterval(slowTimer);
  // Every reader is in every group: each acknowledged message was queued to each of them.
  stats.notes.bytesPerReader = (stats.replies.ack ?? 0) * Buffer.byteLength(BIG_TEXT);
  // Read again: a socket the server cut off ends (1006) once its backlog is read; one it kept
  // goes quiet with the socket still open once the backlog is read (the senders have stopped).
  let cut = 0;
  await Promise.all(
    readers.map(
      (ws) =>
        new Promise<void>((resolve) => {
          let last = performance.now();
          ws.on('message', () => (last = performance.now()));
          const deadline = last + 10_000;
          const timer = setInterval(() => {
            const now = performance.now();
            if (now - last > 500 || now > deadline) done();
          }, 100);
          const done = () => {
            clearInterval(timer);
            resolve();
          };
          ws.once('close', (code) => {
            cut++;
            count(stats.closes, String(code));
            done();
          });
          ws.resume();
        }),
    ),
  );
  stats.notes.readersCut = cut;
  stats.notes.readers = readers.length;
  for (const ws of readers) ws.terminate();
}

// Well-behaved people ---------------------------------------------------------

export const WELL_BEHAVED = {
  /** Pairs of people, each pair in its own group; both send and both ping. */
  pairs: 20,
  /** Messages per second per person (under the default 5) and pings per second per socket. */
  sendRate: 2.5,
  pingRate: 5,
};
const WB_PAIRS = WELL_BEHAVED.pairs;
const WB_SEND_RATE = WELL_BEHAVED.sendRate;
const WB_PING_RATE = WELL_BEHAVED.pingRate;
const wbUser = (p: number, side: number) => `wb${String(p).padStart(3, '0')}${side ? 'b' : 'a'}`;
const wbConv = (p: number) => `g:wb${String(p).padStart(6, '0')}`;
interface Pending {
  at: number;
  done?: number;
  /** A send's frame and socket, to send it again when it is refused for now. */
  frame?: string;
  ws?: WebSocket;
}
const wbSockets: { user: string; conv: string; ws: WebSocket }[] = [];
const sentMsgs = new Map<string, Pending>();
const sentPings = new Map<number, Pending>();
const wbErrors: { at: number; code: string }[] = [];
const wbCloses: { at: number; code: number }[] = [];

/**
 * As the real client's outbox does: sends refused for now go again, same ids,
 * oldest first, once the wait the first refusal named has passed (the server
 * holds every later send of the socket behind the first refused one).
 */
const retries = new Map<WebSocket, { queue: Pending[]; timer?: NodeJS.Timeout }>();

function retryLater(p: Pending, waitMs: number): void {
  let entry = retries.get(p.ws!);
  if (!entry) retries.set(p.ws!, (entry = { queue: [] }));
  entry.queue.push(p);
  const e = entry;
  e.timer ??= setTimeout(() => {
    e.timer = undefined;
    const queue = e.queue.sort((a, b) => a.at - b.at);
    e.queue = [];
    for (const q of queue) if (q.done === undefined) q.ws!.send(q.frame!);
  }, waitMs);
}

async function setupWellBehaved(): Promise<void> {
  const onRaw = (raw: string) => {
    const now = performance.now();
    const f = JSON.parse(raw) as Frame;
    if (f.t === 'pong') {
      const p = sentPings.get(f.n);
      if (p && p.done === undefined) p.done = now;
    } else if (f.t === 'msg') {
      const p = sentMsgs.get(f.m.id);
      if (p && p.done === undefined) p.done = now;
    } else if (f.t === 'error') {
      wbErrors.push({ at: now, code: f.code });
      const p = f.id ? sentMsgs.get(f.id) : undefined;
      if (p?.frame && f.code === 'rate_limited') retryLater(p, f.retryAfter ?? 100);
    }
  };
  for (let p = 0; p < WB_PAIRS; p++) {
    for (const side of [0, 1]) {
      const ws = await connectMember(endpoint, wbUser(p, side), onRaw);
      ws.on('close', (code) => wbCloses.push({ at: performance.now(), code }));
      wbSockets.push({ user: wbUser(p, side), conv: wbConv(p), ws });
    }
  }
  // Create each pair's group and wait for its first message to arrive.
  for (let p = 0; p < WB_PAIRS; p++) {
    const id = `wbcreate${p}`;
    sentMsgs.set(id, { at: performance.now() });
    wbSockets[2 * p].ws.send(JSON.stringify({ t: 'send', conv: wbConv(p), id, to: [wbUser(p, 1)], body: { kind: 'text', text: TEXT } }));
  }
  const deadline = performance.now() + 10_000;
  while ([...sentMsgs.values()].some((m) => m.done === undefined)) {
    if (performance.now() > deadline) throw new Error(`well-behaved groups not created: ${JSON.stringify(wbErrors)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  sentMsgs.clear();
  // Open loop, evenly spread: one send every 1/(rate x people) s, one ping every 1/(rate x sockets) s.
  const started = performance.now();
  let msgs = 0;
  let pings = 0;
  let ids = 0;
  const msgRate = WB_SEND_RATE * wbSockets.length;
  const pingRate = WB_PING_RATE * wbSockets.length;
  setInterval(() => {
    const now = performance.now();
    const elapsed = (now - started) / 1000;
    for (; msgs < Math.floor(elapsed * msgRate); msgs++) {
      const s = wbSockets[msgs % wbSockets.length];
      const id = `wbm${(ids++).toString(36).padStart(8, '0')}`;
      const frame = `{"t":"send","conv":"${s.conv}","id":"${id}","body":{"kind":"text","text":"${TEXT}"}}`;
      sentMsgs.set(id, { at: performance.now(), frame, ws: s.ws });
      s.ws.send(frame);
    }
    for (; pings < Math.floor(elapsed * pingRate); pings++) {
      const s = wbSockets[(pings * 7) % wbSockets.length];
      sentPings.set(pings, { at: performance.now() });
      s.ws.send(`{"t":"ping","n":${pings}}`);
    }
    // Forget what is long done or long lost.
    for (const map of [sentMsgs, sentPings] as Map<unknown, Pending>[]) {
      for (const [key, p] of map) {
        if (now - p.at < 30_000) break;
        map.delete(key);
      }
    }
  }, 5);
}

/** Samples whose send fell in the window; waits after it so late arrivals count (or count as lost). */
async function measureWellBehaved(ms: number): Promise<WellBehavedWindow> {
  const c0 = process.cpuUsage();
  const from = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const to = performance.now();
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6 / ((to - from) / 1000);
  const inWindow = (map: Map<unknown, Pending>) => [...map.values()].filter((p) => p.at >= from && p.at < to);
  const settleUntil = performance.now() + 5_000;
  while (performance.now() < settleUntil && [...inWindow(sentMsgs), ...inWindow(sentPings)].some((p) => p.done === undefined)) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const latencies = (list: Pending[]) => list.filter((p) => p.done !== undefined).map((p) => p.done! - p.at).sort((a, b) => a - b);
  const msgs = inWindow(sentMsgs);
  const pings = inWindow(sentPings);
  const errors: Record<string, number> = {};
  for (const e of wbErrors) if (e.at >= from && e.at < to + 5_000) count(errors, e.code);
  const closes: Record<string, number> = {};
  for (const e of wbCloses) if (e.at >= from) count(closes, String(e.code));
  return {
    pings: latencies(pings),
    deliveries: latencies(msgs),
    lost: msgs.filter((p) => p.done === undefined).length,
    lostPings: pings.filter((p) => p.done === undefined).length,
    errors,
    closes,
    cpu,
  };
}

// Driver ----------------------------------------------------------------------

async function handle(request: Request): Promise<unknown> {
  switch (request.cmd) {
    case 'setup':
      endpoint = request.endpoint;
      role = request.role;
      if (role === 'well-behaved') await setupWellBehaved();
      else if (role === 'refused-send') setupRefusedSend();
      else if (role === 'hello') setupHello();
      else if (role === 'history') setupHistory();
      else if (role === 'idle') await setupIdle();
      else if (role === 'slow-reader') await setupSlow();
      return undefined;
    case 'start': {
      const notes = { ...stats.notes };
      stats = emptyStats();
      if (role === 'hello') stats.notes.cursorsPerHello = notes.cursorsPerHello;
      running = true;
      cpu0 = process.cpuUsage();
      wall0 = performance.now();
      if (role === 'idle') await startIdle();
      else if (role === 'slow-reader') await startSlow();
      else await Promise.all(flooders.map((f) => f.start()));
      return undefined;
    }
    case 'stop': {
      const c = process.cpuUsage(cpu0);
      stats.seconds = (performance.now() - wall0) / 1000;
      stats.cpu = (c.user + c.system) / 1e6 / stats.seconds;
      running = false;
      if (role === 'idle') stopIdle();
      else if (role === 'slow-reader') await stopSlow();
      else for (const f of flooders) f.stop();
      return stats;
    }
    case 'measure':
      return measureWellBehaved(request.ms);
    case 'exit':
      setImmediate(() => process.exit(0));
      return undefined;
  }
}

process.on('message', (request: Request) => {
  handle(request).then(
    (result) => send({ ok: true, result }),
    (error: unknown) => send({ ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
