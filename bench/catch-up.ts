// Catch-up: one member is offline while the others send `count` messages to
// its conversation; then it reconnects with its cursor in `hello` and pages
// (`history` with `after`) until it has them all. Runs on the main thread with
// its own conversation, while the load sockets sit idle.
import type WebSocket from 'ws';
import { closeAll, connectMember, parsed, type Endpoint, type Frame } from './client.js';

export interface CatchUpResult {
  /** ms from starting the reconnect to holding every missed message. */
  total: number;
  /** ms of that spent opening the socket and getting `welcome`. */
  welcome: number;
  pages: number;
}

const CONV = 'g:benchcatchup01';
const MEMBERS = Array.from({ length: 10 }, (_, i) => `catchup${i}`);
const TEXT = 'Look at this lamp, would it fit the hallway? It comes in brass too.';
/** Unacknowledged sends per sender, below the server's per-socket frame burst. */
const WINDOW = 16;

export async function measureCatchUp(endpoint: Endpoint, count: number, rounds: number): Promise<CatchUpResult[]> {
  // The server answers each send with one ack or one error, in order, per
  // socket; a frame-rate refusal names no id, so replies are matched by order.
  interface Sent {
    frame: string;
    done: () => void;
    fail: (error: Error) => void;
  }
  const queues = new Map<WebSocket, Sent[]>();
  const post = (ws: WebSocket, sent: Sent) => {
    queues.get(ws)!.push(sent);
    ws.send(sent.frame);
  };
  const onFrame = (f: Frame, ws: WebSocket) => {
    if (f.t !== 'ack' && f.t !== 'error') return;
    const sent = queues.get(ws)?.shift();
    if (!sent) return;
    if (f.t === 'ack') sent.done();
    else if (f.code === 'rate_limited') setTimeout(() => post(ws, sent), f.retryAfter ?? 100);
    else sent.fail(new Error(`catch-up send refused: ${f.code} ${f.message}`));
  };
  const sockets = new Map<string, WebSocket>();
  for (const user of MEMBERS) {
    const ws = await connectMember(endpoint, user, parsed(onFrame));
    queues.set(ws, []);
    sockets.set(user, ws);
  }
  let ids = 0;
  const sendAndAck = (sender: string, extra: Record<string, unknown> = {}) =>
    new Promise<void>((done, fail) => {
      const id = `cu_${(ids++).toString(36).padStart(7, '0')}`;
      const frame = JSON.stringify({ t: 'send', conv: CONV, id, ...extra, body: { kind: 'text', text: TEXT } });
      post(sockets.get(sender)!, { frame, done, fail });
    });

  const [creator, ...others] = MEMBERS;
  await sendAndAck(creator, { to: others, title: 'catch-up' });
  let cursor = 1;
  const reader = MEMBERS[MEMBERS.length - 1];
  const senders = MEMBERS.slice(0, -1);
  const results: CatchUpResult[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      await closeAll([sockets.get(reader)!]);
      // Each sender keeps WINDOW sends in flight until `count` are acknowledged.
      let left = count;
      await Promise.all(
        senders.map(async (sender) => {
          const lane = async () => {
            while (left > 0) {
              left--;
              await sendAndAck(sender);
            }
          };
          await Promise.all(Array.from({ length: WINDOW }, lane));
        }),
      );
      results.push(await reconnect(endpoint, reader, cursor, count, sockets));
      cursor += count;
    }
  } finally {
    await closeAll(sockets.values());
  }
  return results;
}

async function reconnect(
  endpoint: Endpoint,
  reader: string,
  cursor: number,
  count: number,
  sockets: Map<string, WebSocket>,
): Promise<CatchUpResult> {
  const seen = new Set<number>();
  let pages = 0;
  let welcomeAt = 0;
  let newest = cursor;
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`catch-up stalled at ${seen.size} of ${count}`)), 20_000);
    const onFrame = (f: Frame, ws: WebSocket) => {
      const messages: { seq: number }[] = f.t === 'history' ? f.messages : f.t === 'msg' ? [f.m] : [];
      for (const m of messages) {
        if (m.seq > cursor) seen.add(m.seq);
        newest = Math.max(newest, m.seq);
      }
      if (f.t === 'history') {
        pages++;
        if (f.hasMore) ws.send(JSON.stringify({ t: 'history', req: `p${pages}`, conv: CONV, after: newest, limit: 200 }));
      }
      if (seen.size >= count) {
        clearTimeout(timeout);
        resolve();
      }
    };
    connectMember(endpoint, reader, parsed(onFrame), { [CONV]: cursor }).then((socket) => {
      welcomeAt = performance.now();
      sockets.set(reader, socket);
    }, reject);
  });
  return { total: performance.now() - started, welcome: welcomeAt - started, pages };
}
