import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { CloseCode, LIMITS, randomId } from '../../src/protocol/index.js';
import type { ChatCore } from '../core/core.js';
import type { Connection } from '../core/types.js';
import type { ProfileClaims } from '../core/views.js';
import type { TokenAuthority, Verdict } from './auth.js';
import type { GroupCommit } from './group-commit.js';

export interface SocketHostOptions {
  core: ChatCore;
  /** Applies frames in per-turn transactions and holds replies until they commit. */
  commits: GroupCommit;
  auth: TokenAuthority;
  /** Exact Origin values allowed to open a socket. */
  allowedOrigins: readonly string[];
  /** Accept sockets without an Origin header (non-browser clients, tests). */
  allowNoOrigin: boolean;
  /** Ping interval; a socket that missed the previous pong is terminated. */
  heartbeatMs: number;
  log: (line: string) => void;
}

/** A reader this far behind is cut off; it resumes from its cursors on reconnect. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const ROOM_PATH = /^\/parties\/inbox\/([^/]+)\/?$/;

/** Whether `pathname` is an inbox socket URL (partysocket's /parties/<party>/<room> scheme). */
export function isInboxPath(pathname: string): boolean {
  return ROOM_PATH.test(pathname);
}

/**
 * Accepts WebSocket upgrades for /parties/inbox/<user>, checks Origin, token
 * and room before the core hears of the socket, and wires accepted sockets to
 * the core. Refusals still complete the upgrade and then close with a 4xxx
 * code, so clients can tell "refused" from "network down".
 */
export class SocketHost {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: LIMITS.hardFrameBytes,
    perMessageDeflate: false,
  });
  private readonly alive = new WeakSet<WebSocket>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly options: SocketHostOptions) {
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = ROOM_PATH.exec(url.pathname);
    if (!match) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    void this.admit(req, match[1], url.searchParams.get('token')).then((verdict) => {
      if (socket.destroyed) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => {});
        if (verdict.ok) this.attach(ws, verdict.user, verdict.profile, req);
        else {
          this.options.log(`refused code=${verdict.code} reason=${verdict.reason} origin=${JSON.stringify(req.headers.origin ?? null)}`);
          ws.close(verdict.code, verdict.reason);
        }
      });
    });
  }

  /** Closes every socket with `code` and goes on accepting new ones. */
  dropAll(code: number, reason: string): void {
    for (const ws of this.wss.clients) ws.close(code, reason);
  }

  /** Closes every socket with `code`, waiting up to `graceMs` for the close handshakes. */
  async closeAll(code: number, reason: string, graceMs = 1000): Promise<void> {
    clearInterval(this.heartbeat);
    this.options.commits.flush();
    const closing = [...this.wss.clients].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => ws.terminate(), graceMs);
          ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          ws.close(code, reason);
        }),
    );
    await Promise.all(closing);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private async admit(req: IncomingMessage, rawRoom: string, token: string | null): Promise<Verdict> {
    const { allowedOrigins, allowNoOrigin, auth } = this.options;
    const origin = req.headers.origin;
    if (origin === undefined ? !allowNoOrigin : !allowedOrigins.includes(origin)) {
      return { ok: false, code: CloseCode.ForbiddenOrigin, reason: 'origin not allowed' };
    }
    const verdict = await auth.verify(token);
    if (!verdict.ok) return verdict;
    let room: string | undefined;
    try {
      room = decodeURIComponent(rawRoom);
    } catch {
      room = undefined;
    }
    if (room !== verdict.user) return { ok: false, code: CloseCode.WrongRoom, reason: 'room is not the token subject' };
    return verdict;
  }

  private attach(ws: WebSocket, user: string, profile: ProfileClaims, req: IncomingMessage): void {
    const { core, commits, log } = this.options;
    const conn: Connection = {
      id: randomId(12),
      user,
      send: (frame) => commits.send(() => sendText(ws, frame)),
      close: (code, reason) => ws.close(code, reason),
    };
    this.alive.add(ws);
    commits.run(() => core.open(conn, profile));
    log(`open user=${user} conn=${conn.id} origin=${JSON.stringify(req.headers.origin ?? null)}`);
    ws.on('message', (data) => {
      this.alive.add(ws);
      // Binary frames are read as UTF-8 text too; the core validates either way.
      commits.run(() => core.receive(conn, (data as Buffer).toString('utf8')));
    });
    ws.on('pong', () => this.alive.add(ws));
    ws.on('close', (code) => {
      core.close(conn);
      log(`close user=${user} conn=${conn.id} code=${code}`);
    });
  }

  private beat(): void {
    for (const ws of this.wss.clients) {
      if (!this.alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }
}

// A fan-out sends the same string to many sockets in a row: encode it once.
let lastFrame = '';
let lastBytes = Buffer.alloc(0);

function sendText(ws: WebSocket, frame: string): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
    ws.terminate();
    return;
  }
  if (frame !== lastFrame) {
    lastFrame = frame;
    lastBytes = Buffer.from(frame, 'utf8');
  }
  ws.send(lastBytes, { binary: false });
}
