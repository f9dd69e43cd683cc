import PartySocket from 'partysocket';
import { ABNORMAL_CLOSE_CODE, SocketTransport, type ReconnectOptions } from './base.js';

/** A token, or a function that fetches a fresh one (called before every connection attempt). */
export type TokenProvider = string | (() => string | Promise<string>);

/** A WebSocket constructor: the platform's in browsers, `ws` in Node 20. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

/** Where to connect and as whom; the reconnect options are `SocketTransport`'s. */
export interface PartySocketTransportOptions extends ReconnectOptions {
  /** Server host, with port if any (`chat.example.com`, `localhost:8787`). */
  host: string;
  /** The signed-in person's id: their inbox room. */
  room: string;
  /** Default `inbox`: sockets go to `/parties/inbox/<room>`. */
  party?: string;
  /** Path prefix before the party name (default `parties`). */
  prefix?: string;
  /** Sent as `?token=`; a function runs again on every reconnect, so an expired token is replaced. */
  token: TokenProvider;
  /** Default: `ws` for localhost and private addresses, `wss` otherwise. */
  protocol?: 'ws' | 'wss';
  /** Needed where there is no global WebSocket (Node 20: pass `ws`). */
  WebSocket?: WebSocketConstructor;
  /** An attempt that has not opened after this long is abandoned and retried. */
  connectTimeoutMs?: number;
}

export const DEFAULTS = {
  party: 'inbox',
  backoff: { baseMs: 500, capMs: 15_000 },
  heartbeat: { intervalMs: 15_000, timeoutMs: 10_000 },
  stableMs: 5_000,
  connectTimeoutMs: 4_000,
} as const;

/**
 * The default transport: one WebSocket at a time to the user's inbox room.
 * PartySocket builds the URL, fetches the token and makes the socket; the
 * reconnect loop is `SocketTransport`'s, which adds what PartySocket lacks:
 * full-jitter backoff (its own delay has no jitter), a heartbeat that
 * detects half-open sockets, fatal close codes that stop reconnecting, and an
 * honest `send` that never lets PartySocket buffer (its buffer dies with the
 * page; the state bus keeps a durable outbox).
 *
 * Nothing pauses on hidden tabs: messages must keep arriving in a background tab.
 */
export class PartySocketTransport extends SocketTransport<PartySocket> {
  readonly #options: PartySocketTransportOptions;

  constructor(options: PartySocketTransportOptions) {
    super(options, DEFAULTS);
    this.#options = options;
  }

  protected openSocket(): PartySocket {
    const o = this.#options;
    const socket: PartySocket = new PartySocket({
      host: o.host,
      room: o.room,
      party: o.party ?? DEFAULTS.party,
      prefix: o.prefix,
      protocol: o.protocol,
      WebSocket: o.WebSocket,
      // Runs right before the socket is made (PartySocket makes none once closed): a fresh token per attempt.
      query: async () => ({ token: typeof o.token === 'function' ? await o.token() : o.token }),
      // One attempt per PartySocket: the waits and retries are the base class's. A queue would
      // outlive neither socket nor page.
      maxRetries: 0,
      maxEnqueuedMessages: 0,
      // Unset, PartySocket's own default applies: the same 4 s as DEFAULTS.connectTimeoutMs.
      connectionTimeout: o.connectTimeoutMs,
    });
    // The on* handlers get PartySocket's own events; the ones it dispatches
    // are clones, which lose `code` in browsers for the closes it makes up.
    socket.onopen = () => this.opened(socket);
    socket.onmessage = (event) => typeof event.data === 'string' && this.frame(socket, event.data);
    socket.onclose = (event) => this.closed(socket, event.code, event.reason, event.wasClean);
    // After the close it makes up for a failed socket (then ignored), or alone when no socket was
    // made: the token provider failed, and with no retries of its own PartySocket would wait forever.
    socket.onerror = (event) => this.closed(socket, ABNORMAL_CLOSE_CODE, event.message, false);
    return socket;
  }

  protected write(socket: PartySocket, frame: string): boolean {
    // True only when the frame went out on an open socket: with no queue, anything else is dropped.
    return socket.send(frame);
  }

  protected hangUp(socket: PartySocket, code: number, reason: string): void {
    socket.close(code, reason);
  }
}
