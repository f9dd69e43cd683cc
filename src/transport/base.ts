import { TransportStatus, type TransportEventMap } from './types.js';

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
