import { FATAL_CLOSE_CODES } from '../protocol/codes.js';
import { Backoff, type BackoffOptions } from './backoff.js';
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
  /** Source of the reconnect jitter (tests make it deterministic). Default `Math.random`. */
  random?: () => number;
}

/** An adapter's defaults for {@link ReconnectOptions}. */
export interface ReconnectDefaults {
  backoff: BackoffOptions;
  heartbeat: HeartbeatOptions | false;
  stableMs: number;
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
  /** The wait before the next attempt. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #backoff: Backoff;
  readonly #heartbeat: Heartbeat;

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
  }

  /**
   * Starts one connection attempt, called after the backoff wait. Fetch a
   * fresh token here, and give up on an attempt that does not open in time
   * (report it `closed`). Must not report on the new socket before returning it.
   */
  protected abstract openSocket(): S;

  /** Puts one frame on an open socket; false if the socket cannot take it. */
  protected abstract write(socket: S, frame: string): boolean;

  /**
   * Closes a socket the transport is leaving (`close()`, `reconnect()`, a
   * heartbeat timeout) with `code`, which a WebSocket can send. The
   * transport reports the close itself unless the socket reports it from
   * inside this call; it ignores whatever the socket reports afterwards.
   */
  protected abstract hangUp(socket: S, code: number, reason: string): void;

  connect(): void {
    // Already on a socket, or waiting to open one.
    if (this.#socket || this.#timer) return;
    this.#backoff.reset();
    this.setStatus(TransportStatus.Connecting);
    this.#schedule();
  }

  send(frame: string): boolean {
    // Never queue for a later socket: the state bus keeps a durable outbox and resends after `open`.
    // `open` is only ever the status of the current socket.
    return this.status === TransportStatus.Open && this.write(this.#socket!, frame);
  }

  close(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#heartbeat.stop();
    if (socket) this.hangUp(socket, 1000, 'closed by client');
    this.#backoff.reset();
    this.setStatus(TransportStatus.Idle);
  }

  reconnect(): void {
    if (!this.#socket && !this.#timer) return this.connect();
    this.#backoff.skipNext();
    if (this.#socket) return this.#drop(CLIENT_DROP_CODE, 'reconnect', true);
    clearTimeout(this.#timer);
    this.#schedule();
  }

  /** The adapter's socket opened. */
  protected opened(socket: S): void {
    if (socket !== this.#socket) return;
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
    this.#heartbeat.stop();
    this.#backoff.closed(code);
    this.setStatus(FATAL_CLOSE_CODES.has(code) ? TransportStatus.Refused : TransportStatus.Reconnecting);
    this.dispatchEvent(createCloseEvent(code, reason, wasClean));
    // Unless a listener has meanwhile closed, refused or rescheduled it.
    if (this.status === TransportStatus.Reconnecting && !this.#timer) this.#schedule();
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#socket = this.openSocket();
      // Last, as a `status` listener may close the transport.
      this.setStatus(TransportStatus.Connecting);
    }, this.#backoff.nextDelay());
  }

  /** Leaves the current socket, reporting it closed with `code`. */
  #drop(code: number, reason: string, wasClean: boolean): void {
    const socket = this.#socket;
    if (!socket) return;
    this.hangUp(socket, code, reason);
    // Not reported twice if the socket reported its own close from inside `hangUp`.
    this.closed(socket, code, reason, wasClean);
  }
}
