import { Backoff, isFatalClose, type BackoffOptions } from './backoff.js';
import { Heartbeat, type HeartbeatOptions } from './heartbeat.js';
import { TransportStatus, type Transport, type TransportEventMap } from './types.js';

/**
 * Close code a transport uses when it drops a socket itself (heartbeat
 * timeout, `reconnect()`). 4000 is private-use and not a server code, so it
 * never reads as a refusal.
 */
export const CLIENT_DROP_CODE = 4000;

/** Close code of a socket that died without a close frame (RFC 6455 1006). */
export const ABNORMAL_CLOSE_CODE = 1006;

/**
 * A `close` event in every runtime: browsers have `CloseEvent`, Node 20 does
 * not, so there a plain `Event` carries the same three fields.
 */
export function createCloseEvent(code: number, reason: string, wasClean: boolean): CloseEvent {
  if (typeof CloseEvent === 'function') return new CloseEvent('close', { code, reason, wasClean });
  return Object.assign(new Event('close'), { code, reason, wasClean }) as CloseEvent;
}

/** Typed events and the `status` field shared by the adapters. */
export abstract class TransportTarget extends EventTarget {
  #current: TransportStatus = TransportStatus.Idle;

  get status(): TransportStatus {
    return this.#current;
  }

  protected setStatus(next: TransportStatus): void {
    if (next === this.#current) return;
    this.#current = next;
    this.dispatchEvent(new Event('status'));
  }

  protected emitMessage(data: string): void {
    this.dispatchEvent(new MessageEvent('message', { data }));
  }
}

// The typed listener signatures, merged into the class as types only: overriding the methods to
// add them would ship two methods that only call `super`.
export interface TransportTarget {
  addEventListener<K extends keyof TransportEventMap>(
    type: K,
    listener: (event: TransportEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof TransportEventMap>(
    type: K,
    listener: (event: TransportEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

/** How a {@link SocketTransport} reconnects and checks its sockets; each field overrides the adapter's default. */
export interface ReconnectOptions {
  backoff?: Partial<BackoffOptions>;
  /** `false` turns the heartbeat off. */
  heartbeat?: HeartbeatOptions | false;
  /** A socket open this long resets the backoff. */
  stableMs?: number;
  /** An attempt that has not opened after this long (token fetch included) is abandoned and retried. */
  connectTimeoutMs?: number;
  /** Source of the reconnect jitter (tests make it deterministic). Default `Math.random`. */
  random?: () => number;
}

/** An adapter's defaults for {@link ReconnectOptions}. */
export interface ReconnectDefaults {
  backoff: BackoffOptions;
  heartbeat: HeartbeatOptions | false;
  stableMs: number;
  connectTimeoutMs: number;
}

/**
 * The socket life cycle every adapter shares, so that each adapter only
 * wires its own kind of socket to it. An adapter provides three things:
 * `openSocket()` (start one connection attempt), `write()` and `hangUp()`.
 * It reports what its socket does through `opened(socket)`,
 * `frame(socket, data)` and `closed(socket, code, reason, wasClean)`;
 * reports from a socket the transport has already left are ignored, so an
 * adapter never has to filter stale events itself.
 *
 * The order it keeps: wait out the jittered backoff, open, start the
 * heartbeat and reset the backoff once the socket proves stable, report
 * `open`; on a close stop the heartbeat, let the backoff see the code, set
 * `refused` for a fatal code (see `isFatalClose`) or `reconnecting`
 * otherwise, report `close`, and only then schedule the next attempt, so a
 * `close` listener may still call `close()` or `reconnect()`.
 *
 * @typeParam S - The adapter's socket: whatever identifies one connection attempt.
 */
export abstract class SocketTransport<S extends object> extends TransportTarget implements Transport {
  #socket: S | undefined;
  /** The wait before the next attempt, or the current attempt's connect timeout: never both. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #backoff: Backoff;
  readonly #heartbeat: Heartbeat;
  readonly #connectTimeoutMs: number;

  constructor(options: ReconnectOptions, defaults: ReconnectDefaults) {
    super();
    this.#backoff = new Backoff(
      { ...defaults.backoff, ...options.backoff },
      options.stableMs ?? defaults.stableMs,
      options.random ?? Math.random,
    );
    this.#heartbeat = new Heartbeat(
      options.heartbeat ?? defaults.heartbeat,
      (frame) => this.send(frame),
      () => this.#drop(CLIENT_DROP_CODE, 'heartbeat timeout', false),
    );
    this.#connectTimeoutMs = options.connectTimeoutMs ?? defaults.connectTimeoutMs;
  }

  /** The socket of the current attempt, connecting or open. */
  protected get socket(): S | undefined {
    return this.#socket;
  }

  /**
   * Starts one connection attempt, called after the backoff wait. Fetch a
   * fresh token here. Must not report on the new socket before returning it.
   */
  protected abstract openSocket(): S;

  /** Puts one frame on an open socket; false if the socket cannot take it. */
  protected abstract write(socket: S, frame: string): boolean;

  /**
   * Closes a socket the transport is leaving (`close()`, `reconnect()`, a
   * heartbeat or connect timeout). The transport reports the close itself
   * and ignores whatever the socket reports from now on, its own close too. `code` is
   * `ABNORMAL_CLOSE_CODE` when the attempt is abandoned before it opened: a
   * WebSocket cannot send that code, so close without one.
   */
  protected abstract hangUp(socket: S, code: number, reason: string): void;

  connect(): void {
    if (this.status !== TransportStatus.Idle && this.status !== TransportStatus.Refused) return;
    this.#backoff.reset();
    this.setStatus(TransportStatus.Connecting);
    this.#schedule();
  }

  send(frame: string): boolean {
    const socket = this.#socket;
    // Never queue for a later socket: the state bus keeps a durable outbox and resends after `open`.
    return !!socket && this.status === TransportStatus.Open && this.write(socket, frame);
  }

  close(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#clearTimer();
    this.#heartbeat.stop();
    if (socket) this.hangUp(socket, 1000, 'closed by client');
    this.#backoff.reset();
    this.setStatus(TransportStatus.Idle);
  }

  reconnect(): void {
    if (this.status === TransportStatus.Idle || this.status === TransportStatus.Refused) return this.connect();
    this.#backoff.skipNext();
    if (this.#socket) return this.#drop(CLIENT_DROP_CODE, 'reconnect', true);
    this.#clearTimer();
    this.#schedule();
  }

  /** The adapter's socket opened. */
  protected opened(socket: S): void {
    if (socket !== this.#socket) return;
    this.#clearTimer();
    this.#backoff.opened();
    this.#heartbeat.start();
    this.setStatus(TransportStatus.Open);
    this.dispatchEvent(new Event('open'));
  }

  /** One text frame arrived on the adapter's socket. */
  protected frame(socket: S, data: string): void {
    if (socket !== this.#socket) return;
    this.#heartbeat.seen();
    this.emitMessage(data);
  }

  /** The adapter's socket closed (the server closed it, or the network lost it). */
  protected closed(socket: S, code: number, reason: string, wasClean: boolean): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    this.#left(code, reason, wasClean);
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      const socket = this.openSocket();
      this.#socket = socket;
      this.#timer = setTimeout(() => this.#drop(ABNORMAL_CLOSE_CODE, 'connect timeout', false), this.#connectTimeoutMs);
      // Last, as a `status` listener may close the transport.
      this.setStatus(TransportStatus.Connecting);
    }, this.#backoff.nextDelay());
  }

  /** Leaves the current socket, as if it had closed with `code`. */
  #drop(code: number, reason: string, wasClean: boolean): void {
    const socket = this.#socket;
    if (!socket) return;
    // Forgotten first: a socket that reports its own close from inside `hangUp` is not heard.
    this.#socket = undefined;
    this.hangUp(socket, code, reason);
    this.#left(code, reason, wasClean);
  }

  #left(code: number, reason: string, wasClean: boolean): void {
    this.#clearTimer();
    this.#heartbeat.stop();
    this.#backoff.closed(code);
    this.setStatus(isFatalClose(code) ? TransportStatus.Refused : TransportStatus.Reconnecting);
    this.dispatchEvent(createCloseEvent(code, reason, wasClean));
    // Unless a listener has meanwhile closed, refused or rescheduled it.
    if (this.status === TransportStatus.Reconnecting && this.#timer === undefined) this.#schedule();
  }

  #clearTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
