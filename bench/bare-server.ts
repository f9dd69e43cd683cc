// The practical floor for the benchmark: a bare `ws` broadcast server speaking
// just enough of protocol v1 for the load generator. Rooms, an ack to the
// sender, a broadcast to the other members, a replay from memory on `hello`.
// No storage, no validation, no auth, no rate limits.
import { WebSocketServer, type WebSocket } from 'ws';

interface StoredMessage {
  seq: number;
  id: string;
  from: string;
  at: number;
  body: unknown;
}
interface Room {
  members: string[];
  log: StoredMessage[];
}

const RESUME_PAGE = 500;
const HISTORY_PAGE = 200;
const port = Number(process.env.PIN_PORT ?? 1999);
const rooms = new Map<string, Room>();
const sockets = new Map<string, Set<WebSocket>>();

function page(room: Room, after: number, limit: number) {
  // seq n is at log[n - 1]: sequence numbers are gapless from 1.
  const messages = room.log.slice(after, after + limit);
  return { messages, hasMore: after + limit < room.log.length };
}

function onFrame(ws: WebSocket, user: string, raw: string): void {
  const f = JSON.parse(raw);
  switch (f.t) {
    case 'hello': {
      ws.send(JSON.stringify({ t: 'welcome', v: 1, me: { id: user, name: user }, conversations: [], users: [], blocked: [] }));
      for (const [conv, cursor] of Object.entries<number>(f.cursors ?? {})) {
        const room = rooms.get(conv);
        if (room && cursor < room.log.length) ws.send(JSON.stringify({ t: 'history', conv, ...page(room, cursor, RESUME_PAGE) }));
      }
      return;
    }
    case 'send': {
      let room = rooms.get(f.conv);
      if (!room) rooms.set(f.conv, (room = { members: [user, ...(f.to ?? [])], log: [] }));
      const m: StoredMessage = { seq: room.log.length + 1, id: f.id, from: user, at: Date.now(), body: f.body };
      room.log.push(m);
      ws.send(JSON.stringify({ t: 'ack', conv: f.conv, id: f.id, seq: m.seq, at: m.at }));
      const data = JSON.stringify({ t: 'msg', conv: f.conv, m });
      for (const member of room.members) {
        for (const other of sockets.get(member) ?? []) if (other !== ws) other.send(data);
      }
      return;
    }
    case 'history': {
      const room = rooms.get(f.conv);
      if (room) ws.send(JSON.stringify({ t: 'history', req: f.req, conv: f.conv, ...page(room, f.after ?? 0, f.limit ?? HISTORY_PAGE) }));
      return;
    }
    case 'ping':
      ws.send(JSON.stringify({ t: 'pong', n: f.n }));
      return;
  }
}

const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, maxPayload: 65_536 });
wss.on('connection', (ws, req) => {
  const user = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.split('/').pop() ?? '');
  let set = sockets.get(user);
  if (!set) sockets.set(user, (set = new Set()));
  set.add(ws);
  ws.on('message', (data) => onFrame(ws, user, String(data)));
  ws.on('close', () => set.delete(ws));
});
wss.on('listening', () => console.log(`bare server on ws://127.0.0.1:${port}`));
process.on('SIGTERM', () => process.exit(0));
