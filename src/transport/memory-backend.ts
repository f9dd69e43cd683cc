import { ChatCore } from '../core/core.js';
import { MemoryStorage } from '../core/memory-storage.js';
import type { Connection, ConnectionHandler, MessagingPolicy, ServerLimits, User } from '../core/types.js';
import { ABNORMAL_CLOSE_CODE } from './base.js';

export interface MemoryBackendOptions {
  /** Who may message whom; the core's default when omitted. */
  policy?: MessagingPolicy;
  /** Rate limits and thresholds; the core's defaults when omitted. */
  limits?: Partial<ServerLimits>;
  /** Server clock (ms since the epoch). */
  now?: () => number;
  /** Profiles to put in the directory at once. */
  users?: User[];
}

/** What the server does to a socket, as the client side of it sees it. */
export interface MemoryPeer {
  /** A frame the server sent. Called synchronously from the core: the client side must defer it. */
  frame(frame: string): void;
  /**
   * The server closed the socket: cleanly with a close code (after the frames
   * it sent before), or `abrupt`ly (code 1006: crash, restart, kill), which
   * loses whatever was in flight.
   */
  closed(code: number, reason: string, abrupt: boolean): void;
}

/** The server side of one in-memory socket. */
export interface MemorySocket {
  /** The connection the core knows. */
  readonly conn: Connection;
  /** A client frame arrives at the server. */
  receive(frame: string): void;
  /** The client went away (closed, or the server noticed the cut). */
  hangUp(): void;
}

/**
 * The real conversation core (`ChatCore` over `MemoryStorage`) running in the
 * page or the test process, with the life cycle of a server: sockets can be
 * dropped all at once (`restart`), and the server can be down (`kill` until
 * `start`). Storage survives both, as a database would.
 *
 * Shared by every `MemoryTransport` that talks to it; create one per test.
 */
export class MemoryBackend {
  /** The database: read it to assert what the server stored. */
  readonly storage = new MemoryStorage();
  private host: ConnectionHandler;
  private up = true;
  private nextId = 1;
  private readonly sockets = new Map<string, { conn: Connection; drop: (reason: string) => void }>();
  private readonly refusals = new Map<string, number>();

  constructor(private readonly options: MemoryBackendOptions = {}) {
    for (const user of options.users ?? []) this.storage.putUser(user);
    this.host = this.createCore();
  }

  /** The core now running (a new one after each `restart` or `start`). */
  get core(): ConnectionHandler {
    return this.host;
  }

  /** False between `kill()` and `start()`. */
  get running(): boolean {
    return this.up;
  }

  /** Puts a person in the directory. */
  addUser(user: User): void {
    this.storage.putUser(user);
  }

  /** Open sockets, of one person or of everyone. */
  openSockets(user?: string): number {
    let n = 0;
    for (const { conn } of this.sockets.values()) if (user === undefined || conn.user === user) n++;
    return n;
  }

  /**
   * From now on, sockets of `user` are accepted and closed at once with
   * `code` (as the real server does with a bad token: 4001, 4002, 4005...).
   * `undefined` lets them in again.
   */
  refuse(user: string, code: number | undefined): void {
    if (code === undefined) this.refusals.delete(user);
    else this.refusals.set(user, code);
  }

  /**
   * Opens a socket for `user`, as the host does after checking the token.
   * Returns undefined while the server is down.
   */
  connect(user: string, peer: MemoryPeer, profile?: Partial<Omit<User, 'id'>>): MemorySocket | undefined {
    if (!this.up) return undefined;
    const host = this.host;
    const id = `mem-${this.nextId++}`;
    let open = true;
    const forget = (): boolean => {
      if (!open) return false;
      open = false;
      this.sockets.delete(id);
      return true;
    };
    const conn: Connection = {
      id,
      user,
      send: (frame) => {
        if (open) peer.frame(frame);
      },
      close: (code, reason) => {
        if (!forget()) return;
        peer.closed(code, reason, false);
        // The core learns of the close later, as from a socket's close event.
        queueMicrotask(() => host.close(conn));
      },
    };
    const refusal = this.refusals.get(user);
    if (refusal !== undefined) {
      open = false;
      peer.closed(refusal, 'refused', false);
      return { conn, receive: () => {}, hangUp: () => {} };
    }
    this.sockets.set(id, {
      conn,
      drop: (reason) => {
        if (!forget()) return;
        peer.closed(ABNORMAL_CLOSE_CODE, reason, true);
        host.close(conn);
      },
    });
    host.open(conn, profile);
    return {
      conn,
      receive: (frame) => {
        if (open) host.receive(conn, frame);
      },
      hangUp: () => {
        if (forget()) host.close(conn);
      },
    };
  }

  /** Drops every socket and starts a fresh core on the same storage. */
  restart(): void {
    this.dropAll('server restarted');
    this.host = this.createCore();
    this.up = true;
  }

  /** Drops every socket; connections fail until `start()`. */
  kill(): void {
    this.dropAll('server killed');
    this.up = false;
  }

  /** Starts a fresh core after `kill()`. */
  start(): void {
    if (this.up) return;
    this.host = this.createCore();
    this.up = true;
  }

  private dropAll(reason: string): void {
    for (const socket of [...this.sockets.values()]) socket.drop(reason);
  }

  private createCore(): ConnectionHandler {
    const { policy, limits, now } = this.options;
    // Pages using the in-memory backend (tests, stories, local demos) serve their
    // pin images from this machine; a real server refuses such hosts by default.
    return new ChatCore({ storage: this.storage, policy, limits: { allowPrivateUrls: true, ...limits }, now });
  }
}

/** A backend running the real core in memory. */
export function createMemoryBackend(options?: MemoryBackendOptions): MemoryBackend {
  return new MemoryBackend(options);
}
