import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { CloseCode, LIMITS, randomId } from '../../src/protocol/index.js';
import { bannedReason } from '../../src/core/core.js';
import type { ChatCore } from '../../src/core/core.js';
import { RateLimiter } from '../../src/core/rate.js';
import type { Connection } from '../../src/core/types.js';
import type { ProfileClaims } from '../../src/core/views.js';
import type { TokenAuthority, Verdict } from '../shared/auth.js';
import type { GroupCommit } from './group-commit.js';
import type { Target } from './routes.js';
import { Paced } from './paced.js';

export interface SocketHostOptions {
  core: ChatCore;
  /** Applies frames in per-turn transactions and holds replies until they commit. */
  commits: GroupCommit;
  auth: TokenAuthority;
  /** Exact Origin values allowed to open a socket. */
  allowedOrigins: readonly string[];
  /** Accept sockets without an Origin header (non-browser clients, tests). */
  allowNoOrigin: boolean;
  /** The ban in force on a person: their sockets are refused with 4006 while it lasts. */
  banOf?: (user: string) => { until: number | null } | undefined;
  /** Ping interval; a socket that missed the previous pong is terminated. */
  heartbeatMs: number;
  /** Open sockets one person may have; the next is closed with 4009. */
  maxSocketsPerUser: number;
  /** After a socket of a person is closed as abusive (4008), their upgrades are refused (429) this long. */
  abusePenaltyMs?: number;
  /** A socket that sends no frame this long after it opened is closed with 4010. */
  helloTimeoutMs?: number;
  log: (line: string) => void;
}

/** A reader this far behind is cut off; it resumes from its cursors on reconnect. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/**
 * How long a refused connection may take to answer our close before it is cut.
 * `ws` would wait 30 s for the closing handshake, and a stranger who never
 * answers would hold the connection that long.
 */
const REFUSAL_LINGER_MS = 1_000;
const ROOM_PATH = /^\/parties\/inbox\/([^/]+)\/?$/;
/** Sockets one person may open in a burst, then per second: each costs a token check, a profile merge and a welcome. */
const OPENS_BURST = 60;
const OPENS_PER_SECOND = 10;
/** Penalties kept before expired ones are swept. */
const PENALTY_SWEEP_AT = 10_000;

/** Whether `pathname` is an inbox socket URL (partysocket's /parties/<party>/<room> scheme). */
export function isInboxPath(pathname: string): boolean {
  return ROOM_PATH.test(pathname);
}

/**
 * An error for a log line: its kind and where it was thrown. Not its message,
 * which may quote the input (V8's JSON errors quote the text they choke on).
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `non-error ${typeof error}`;
  const code = (error as NodeJS.ErrnoException).code;
  const at = error.stack?.split('\n').find((line) => line.trimStart().startsWith('at '));
  return [error.name, typeof code === 'string' ? `code=${code}` : '', at?.trim() ?? ''].filter(Boolean).join(' ');
}

/**
 * Answers a raw connection with an HTTP status and ends it; a client that does
 * not hang up in turn is cut after a moment.
 */
export function endWithStatus(socket: Duplex, status: number, headers: string[] = []): void {
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, ...headers, 'Connection: close', 'Content-Length: 0'];
  socket.end(`${head.join('\r\n')}\r\n\r\n`);
  const cut = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
  cut.unref();
  socket.once('close', () => clearTimeout(cut));
}

/**
 * Accepts WebSocket upgrades for /parties/inbox/<user>, checks Origin, token,
 * room and the person's socket count before the core hears of the socket, and
 * wires accepted sockets to the core. Refusals still complete the upgrade and
 * then close with a 4xxx code, so clients can tell "refused" from "network
 * down". Nothing a socket sends, and no failure while serving it, escapes to
 * the process: the socket is closed with 1011 instead.
 */
export class SocketHost {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: LIMITS.hardFrameBytes,
    perMessageDeflate: false,
  });
  private readonly alive = new WeakSet<WebSocket>();
  /** Open sockets per person, for the per-person cap. */
  private readonly byUser = new Map<string, Set<WebSocket>>();
  private readonly heartbeat: NodeJS.Timeout;
  /**
   * Sockets that have not sent a frame yet, with the time they must have by.
   * Every socket gets the same allowance, so insertion order is deadline
   * order and a sweep stops at the first socket still in time: one timer for
   * all of them instead of a timer per socket.
   */
  private readonly silent = new Map<WebSocket, number>();
  private readonly silenceSweep: NodeJS.Timeout;
  /** Until when each person's upgrades are refused after an abuse close. */
  private readonly penalties = new Map<string, number>();
  private readonly opens = new RateLimiter(OPENS_BURST, OPENS_PER_SECOND, Date.now);
  /** Heartbeats and silence timeouts, a slice per turn: thousands can come due at once. */
  private readonly paced = new Paced((error) => this.options.log(`paced close failed: ${describeError(error)}`));

  constructor(private readonly options: SocketHostOptions) {
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
    const helloMs = options.helloTimeoutMs ?? 10_000;
    this.silenceSweep = setInterval(() => this.closeSilent(), Math.max(50, Math.min(1_000, Math.floor(helloMs / 4))));
    this.silenceSweep.unref();
  }

  /** Serves an upgrade whose target is already parsed; what fails after the admission starts is answered, never thrown. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: Target): void {
    guardSocket(socket);
    const match = ROOM_PATH.exec(target.path);
    if (!match) return endWithStatus(socket, 404);
    // RFC 6455 is version 13 (answered this way, section 4.4); `ws` alone would also take draft version 8.
    if (req.headers['sec-websocket-version'] !== '13') return endWithStatus(socket, 426, ['Sec-WebSocket-Version: 13']);
    // A person whose socket was just closed as abusive is turned away before any work: their
    // client does not reconnect after 4008, so only a client that ignores the close is refused.
    const penalty = (this.penalties.get(match[1]) ?? 0) - Date.now();
    if (penalty > 0) return endWithStatus(socket, 429, [`Retry-After: ${Math.ceil(penalty / 1000)}`]);
    this.admit(req, match[1], target.query.get('token'))
      .then((verdict) => this.complete(req, socket, head, verdict))
      .catch((error: unknown) => {
        this.options.log(`upgrade failed: ${describeError(error)}`);
        endWithStatus(socket, 500);
      });
  }

  /** Completes the handshake only to close with `code` (for refusals decided before admission). */
  refuse(req: IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string): void {
    guardSocket(socket);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', ignore);
      closeRefused(ws, code, reason);
    });
  }

  /** Closes every socket with `code` and goes on accepting new ones. */
  dropAll(code: number, reason: string): void {
    for (const ws of this.wss.clients) ws.close(code, reason);
  }

  /** Closes every socket with `code`, waiting up to `graceMs` for the close handshakes. */
  async closeAll(code: number, reason: string, graceMs = 1000): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.silenceSweep);
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
    const ban = this.options.banOf?.(verdict.user);
    if (ban) return { ok: false, code: CloseCode.Banned, reason: bannedReason(ban.until) };
    return verdict;
  }

  private complete(req: IncomingMessage, socket: Duplex, head: Buffer, verdict: Verdict): void {
    if (socket.destroyed) return;
    const { log, maxSocketsPerUser } = this.options;
    // Read before the callback: a closure that named `req` would keep the whole
    // request (headers and all) alive for as long as the socket is open.
    const origin = originOf(req);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', ignore);
      if (!verdict.ok) {
        log(`refused code=${verdict.code} reason=${verdict.reason} origin=${origin}`);
        return closeRefused(ws, verdict.code, verdict.reason);
      }
      if (this.opens.take(verdict.user) > 0) {
        log(`refused code=${CloseCode.TryAgainLater} reason=reconnecting too fast user=${verdict.user}`);
        return closeRefused(ws, CloseCode.TryAgainLater, 'reconnecting too fast');
      }
      const open = this.byUser.get(verdict.user)?.size ?? 0;
      if (open >= maxSocketsPerUser) {
        log(`refused code=${CloseCode.TooManySockets} reason=too many sockets user=${verdict.user} open=${open}`);
        return closeRefused(ws, CloseCode.TooManySockets, 'too many sockets');
      }
      try {
        this.attach(ws, verdict.user, verdict.profile, origin);
      } catch (error) {
        log(`open failed user=${verdict.user}: ${describeError(error)}`);
        ws.close(CloseCode.ServerError, 'internal error');
      }
    });
  }

  private attach(ws: WebSocket, user: string, profile: ProfileClaims, origin: string): void {
    const { core, commits, log } = this.options;
    const conn: Connection = {
      id: randomId(12),
      user,
      send: (frame) => commits.send(() => sendText(ws, frame)),
      close: (code, reason) => {
        if (code === CloseCode.Abuse) this.penalise(user);
        ws.close(code, reason);
      },
    };
    // A socket that never says anything holds memory and a slot of the person's cap for nothing.
    this.silent.set(ws, Date.now() + (this.options.helloTimeoutMs ?? 10_000));
    const sockets = this.byUser.get(user) ?? new Set<WebSocket>();
    this.byUser.set(user, sockets.add(ws));
    this.alive.add(ws);
    ws.on('close', (code) => {
      this.silent.delete(ws);
      if (sockets.delete(ws) && sockets.size === 0) this.byUser.delete(user);
      try {
        core.close(conn);
      } catch (error) {
        log(`close failed user=${user} conn=${conn.id}: ${describeError(error)}`);
      }
      log(`close user=${user} conn=${conn.id} code=${code}`);
    });
    ws.on('message', (data) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      this.silent.delete(ws);
      this.alive.add(ws);
      try {
        // Binary frames are read as UTF-8 text too; the core validates either way.
        commits.run(() => core.receive(conn, (data as Buffer).toString('utf8')));
      } catch (error) {
        // The core answers its own handlers' failures; this is everything around them.
        log(`frame failed user=${user} conn=${conn.id}: ${describeError(error)}`);
        this.fail(ws, conn);
      }
    });
    ws.on('pong', () => this.alive.add(ws));
    commits.run(() => core.open(conn, profile));
    log(`open user=${user} conn=${conn.id} origin=${origin}`);
  }

  private penalise(user: string): void {
    const now = Date.now();
    if (this.penalties.size >= PENALTY_SWEEP_AT) {
      for (const [who, until] of this.penalties) if (until <= now) this.penalties.delete(who);
    }
    this.penalties.set(user, now + (this.options.abusePenaltyMs ?? 30_000));
  }

  /** Stops serving a socket whose state is now unknown; the client resumes from its cursors. */
  private fail(ws: WebSocket, conn: Connection): void {
    try {
      this.options.core.close(conn);
    } catch {
      // Already logged once; closing the socket is what matters now.
    }
    ws.close(CloseCode.ServerError, 'internal error');
  }

  /** Closes the sockets past their deadline for a first frame, a paced slice at a time. */
  private closeSilent(): void {
    const now = Date.now();
    for (const [ws, by] of this.silent) {
      if (by > now) return;
      this.silent.delete(ws);
      this.paced.run(() => ws.readyState === WebSocket.OPEN && ws.close(CloseCode.HelloTimeout, 'no hello'));
    }
  }

  private beat(): void {
    for (const ws of this.wss.clients) {
      this.paced.run(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        try {
          if (!this.alive.has(ws)) return ws.terminate();
          this.alive.delete(ws);
          ws.ping();
        } catch (error) {
          this.options.log(`heartbeat failed: ${describeError(error)}`);
          ws.terminate();
        }
      });
    }
  }
}

function closeRefused(ws: WebSocket, code: number, reason: string): void {
  ws.close(code, reason);
  const cut = setTimeout(() => ws.terminate(), REFUSAL_LINGER_MS);
  cut.unref();
  ws.once('close', () => clearTimeout(cut));
}

/**
 * Node takes its own listeners off an upgrading socket, and an unheard reset
 * would end the process: a socket error destroys the socket instead. One
 * shared listener, not a closure per socket, which would keep the upgrade
 * request alive as long as the socket.
 */
export function guardSocket(socket: Duplex): void {
  if (!socket.listeners('error').includes(destroyOnError)) socket.on('error', destroyOnError);
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** Errors on an accepted socket end in its 'close', which is where they are handled. */
function ignore(): void {}

/** The Origin header for a log line: quoted, and short whatever a client sent. */
function originOf(req: IncomingMessage): string {
  return JSON.stringify(req.headers.origin?.slice(0, 200) ?? null);
}

// A fan-out sends the same string to many sockets in a row: encode it once.
let lastFrame = '';
let lastBytes = Buffer.alloc(0);

/** Sockets corked until the end of this turn. */
const corked = new Set<Socket>();

/**
 * Holds what a socket is sent in one turn (a welcome and its replay, a
 * turn's acks and fan-out) to go out in one write instead of one system call
 * per frame. `ws` keeps its TCP socket as `_socket`; without one, frames go
 * out one by one as before.
 */
function corkForTurn(ws: WebSocket): void {
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  if (!socket || corked.has(socket)) return;
  corked.add(socket);
  socket.cork();
  process.nextTick(() => {
    corked.delete(socket);
    socket.uncork();
  });
}

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
  corkForTurn(ws);
  try {
    ws.send(lastBytes, { binary: false });
  } catch {
    // A socket failing under us: cutting it makes the client resume from its cursors.
    ws.terminate();
  }
}
