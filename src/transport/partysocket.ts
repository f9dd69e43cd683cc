import PartySocket from 'partysocket';
import { Backoff, isFatalClose, type BackoffOptions } from './backoff.js';
import { CLIENT_DROP_CODE, TransportTarget, createCloseEvent } from './base.js';
import { Heartbeat, type HeartbeatOptions } from './heartbeat.js';
import { TransportStatus, type Transport } from './types.js';

/** A token, or a function that fetches a fresh one (called before every connection attempt). */
export type TokenProvider = string | (() => string | Promise<string>);

/** A WebSocket constructor: the platform's in browsers, `ws` in Node 20. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

export interface PartySocketTransportOptions {
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
  backoff?: Partial<BackoffOptions>;
  /** `false` turns the heartbeat off. */
  heartbeat?: HeartbeatOptions | false;
  /** A socket open this long resets the backoff. */
  stableMs?: number;
  /** An attempt that has not opened after this long is abandoned and retried. */
  connectTimeoutMs?: number;
  /** Source of the reconnect jitter (tests make it deterministic). */
  random?: () => number;
}

export const DEFAULTS = {
  party: 'inbox',
  backoff: { baseMs: 500, capMs: 15_000 },
  heartbeat: { intervalMs: 15_000, timeoutMs: 10_000 },
  stableMs: 5_000,
  connectTimeoutMs: 4_000,
} as const;

const OPEN = 1;

/**
 * The default transport: one reconnecting WebSocket to the user's inbox room,
 * built on PartySocket for URL building and the reconnect loop, with what it
 * lacks added here: full-jitter backoff (its own delay has no jitter), a
 * heartbeat that detects half-open sockets, fatal close codes that stop
 * reconnecting, and an honest `send` that never lets PartySocket buffer
 * (its buffer dies with the page; the state bus keeps a durable outbox).
 *
 * Nothing pauses on hidden tabs: messages must keep arriving in a background tab.
 */
export class PartySocketTransport extends TransportTarget implements Transport {
  readonly #options: PartySocketTransportOptions;
  readonly #backoff: Backoff;
  readonly #heartbeat: Heartbeat;
  #socket: PartySocket | undefined;
  #wake: (() => void) | undefined;

  constructor(options: PartySocketTransportOptions) {
    super();
    this.#options = options;
    const backoff = { ...DEFAULTS.backoff, ...options.backoff };
    this.#backoff = new Backoff(backoff, options.stableMs ?? DEFAULTS.stableMs, options.random ?? Math.random);
    this.#heartbeat = new Heartbeat(
      options.heartbeat ?? DEFAULTS.heartbeat,
      (frame) => this.send(frame),
      () => this.#socket?.reconnect(CLIENT_DROP_CODE, 'heartbeat timeout'),
    );
  }

  connect(): void {
    if (this.#socket && this.status !== TransportStatus.Refused) return;
    this.#dispose();
    this.#backoff.reset();
    this.setStatus(TransportStatus.Connecting);
    const o = this.#options;
    const socket: PartySocket = new PartySocket({
      host: o.host,
      room: o.room,
      party: o.party ?? DEFAULTS.party,
      prefix: o.prefix,
      protocol: o.protocol,
      WebSocket: o.WebSocket,
      query: () => this.#query(socket),
      // Delays are ours (jittered, in `query`); a queue would outlive neither socket nor page.
      minReconnectionDelay: 0,
      maxReconnectionDelay: 0,
      maxEnqueuedMessages: 0,
      connectionTimeout: o.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      shouldReconnectOnClose: (event) => !isFatalClose(event.code),
    });
    // The on* handlers get PartySocket's own events; the ones it dispatches
    // are clones, which lose `code` in browsers for the closes it makes up.
    socket.onopen = () => {
      if (socket !== this.#socket) return;
      this.#backoff.opened();
      this.#heartbeat.start();
      this.setStatus(TransportStatus.Open);
      this.dispatchEvent(new Event('open'));
    };
    socket.onmessage = (event) => {
      if (socket !== this.#socket) return;
      this.#heartbeat.seen();
      if (typeof event.data === 'string') this.emitMessage(event.data);
    };
    socket.onclose = (event) => {
      if (socket !== this.#socket) return;
      this.#heartbeat.stop();
      this.#backoff.closed(event.code);
      this.setStatus(isFatalClose(event.code) ? TransportStatus.Refused : TransportStatus.Reconnecting);
      this.dispatchEvent(createCloseEvent(event.code, event.reason ?? '', event.wasClean ?? false));
    };
    this.#socket = socket;
  }

  send(frame: string): boolean {
    const socket = this.#socket;
    // PartySocket's own send() would buffer when not open and flush on the
    // next socket, behind the caller's back: check the real state first.
    if (!socket || this.status !== TransportStatus.Open || socket.readyState !== OPEN) return false;
    socket.send(frame);
    return true;
  }

  close(): void {
    this.#dispose();
    this.#backoff.reset();
    this.setStatus(TransportStatus.Idle);
  }

  reconnect(): void {
    if (!this.#socket || this.status === TransportStatus.Refused) return this.connect();
    if (this.#wake) return this.#wake();
    this.#backoff.skipNext();
    this.#socket.reconnect(CLIENT_DROP_CODE, 'reconnect');
  }

  /** Runs before every attempt: waits out the backoff, then fetches the token. */
  async #query(socket: PartySocket): Promise<Record<string, string>> {
    const delay = this.#backoff.nextDelay();
    if (delay > 0) await this.#sleep(delay);
    // Closed meanwhile: PartySocket sees its own close flag and does not connect.
    if (socket !== this.#socket) return {};
    this.setStatus(TransportStatus.Connecting);
    const { token } = this.#options;
    return { token: typeof token === 'function' ? await token() : token };
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  #dispose(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#heartbeat.stop();
    this.#wake?.();
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = null;
    socket.close(1000, 'closed by client');
  }
}
