/** Connection states a transport reports. */
export const TransportStatus = {
  /** Not started, or stopped by `close()`. */
  Idle: 'idle',
  /** Opening a socket (first time or after a drop). */
  Connecting: 'connecting',
  Open: 'open',
  /** Dropped; a reconnect is scheduled. */
  Reconnecting: 'reconnecting',
  /** Stopped for good: the server refused the credentials or the Origin. */
  Refused: 'refused',
} as const;
export type TransportStatus = (typeof TransportStatus)[keyof typeof TransportStatus];

export interface TransportEventMap {
  /** A socket opened: the client must send `hello` now. */
  open: Event;
  /** One text frame from the server (unparsed). */
  message: MessageEvent<string>;
  /** The socket closed; `code` and `reason` as the server or the network gave them. */
  close: CloseEvent;
  /** `status` changed. */
  status: Event;
}

/**
 * What the state bus needs from a connection to a backend. Implementations:
 * PartySocketTransport (default), MemoryTransport (tests, stories). Anything
 * that can carry JSON text frames both ways can implement it.
 *
 * Contract: frames are delivered in order per socket; `send` never queues
 * across sockets (a frame that cannot go out now returns false and is the
 * caller's to resend after the next `open`); `open` fires for every new
 * socket, after which the caller re-sends `hello`.
 */
export interface Transport extends EventTarget {
  readonly status: TransportStatus;
  /** Starts connecting (idempotent). */
  connect(): void;
  /** Sends one frame on the current socket; false if there is no open socket. */
  send(frame: string): boolean;
  /** Closes and stops reconnecting. */
  close(): void;
  /** Drops the current socket and reconnects (for "retry now" and tests). */
  reconnect(): void;
  addEventListener<K extends keyof TransportEventMap>(
    type: K,
    listener: (event: TransportEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof TransportEventMap>(
    type: K,
    listener: (event: TransportEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
}
