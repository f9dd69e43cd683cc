import { atom, batch, type WritableAtom } from 'nanostores';
import { parseServerFrame, type ClientFrameOf, type CloseCode, type ServerFrame } from '../protocol/index.js';
import { TransportStatus } from '../transport/types.js';
import type { SliceContext } from './context.js';

/** What the elements show about the connection. */
export const ConnectionStatus = {
  Idle: 'idle',
  Connecting: 'connecting',
  /** Socket open, waiting for the server's welcome. */
  Syncing: 'syncing',
  Online: 'online',
  Reconnecting: 'reconnecting',
  /** The server refused the credentials or the page's origin; it will not retry. */
  Refused: 'refused',
} as const;
export type ConnectionStatus = (typeof ConnectionStatus)[keyof typeof ConnectionStatus];

// The `ping` sent right behind each `hello`: its answer comes after everything the hello
// brings back. It carries a number because a bare `{"t":"ping"}` may be answered by the
// platform itself (a Durable Object's auto-response), ahead of the hello's replies.
const FENCE = 0;

/** What the connection asks of the rest of the client. */
export interface ConnectionHooks {
  /** Where each conversation's history stands, and the sends not known to have arrived. */
  resume(): Pick<ClientFrameOf<'hello'>, 'cursors' | 'pending'>;
  /** One valid frame from the server, inside a batch. */
  frame(frame: ServerFrame): void;
  /** The hello's replies are all in: sending may start. */
  ready(): void;
  /** The frame budget is spent: hold sends for `ms`. */
  pause(ms: number): void;
  /** The socket closed: what was in flight on it will not be answered. */
  closed(): void;
}

/**
 * Connection and resume: the status the elements show, and the greeting on
 * every socket (hello, then a fence ping whose answer says the hello's
 * replies are in, and only then sending).
 */
export interface Connection {
  readonly stores: { readonly $status: WritableAtom<ConnectionStatus> };
  open(): void;
  close(): void;
  /** The server's welcome arrived. */
  welcomed(): void;
  pong(): void;
  /** A refusal naming no frame: the person's frame budget is spent. */
  slowDown(wait: number): void;
}

export function createConnection(ctx: SliceContext, hooks: ConnectionHooks): Connection {
  const { transport } = ctx;
  const $status = atom<ConnectionStatus>(ConnectionStatus.Idle);
  /** Waiting for the welcome, then for the fence; undefined once sending may start. */
  let greeting: 'hello' | 'fence' | undefined;
  let helloTimer: ReturnType<typeof setTimeout> | undefined;

  function onStatus(): void {
    const s = transport.status;
    // The transport's other states have the same names here (the type checker holds them to it);
    // an open socket is syncing until the server's welcome.
    const online = $status.get() === ConnectionStatus.Online;
    $status.set(s !== TransportStatus.Open ? s : online ? ConnectionStatus.Online : ConnectionStatus.Syncing);
  }

  function onOpen(): void {
    $status.set(ConnectionStatus.Syncing);
    ctx.send({ t: 'hello', v: 1, ...hooks.resume() });
    // Sending starts once this is answered: by then the acks the hello replays are in, so
    // nothing they acknowledge goes out again (a duplicate costs a send token too, and one
    // refused would hold back the socket's later sends behind a message no longer held).
    ctx.send({ t: 'ping', n: FENCE });
    greeting = 'hello';
  }

  function onClose(event: CloseEvent): void {
    // The server's own log says why; the page's developer is looking at this console. The close is
    // fatal (no reconnect), so this is said once per start.
    if (event.code === (4003 satisfies typeof CloseCode.ForbiddenOrigin)) {
      console.warn(`pin-messaging: the server refused origin ${globalThis.location?.origin}; add it to PIN_ALLOWED_ORIGINS`);
    }
    stopGreeting();
    hooks.closed();
    if ($status.get() === ConnectionStatus.Online || $status.get() === ConnectionStatus.Syncing) {
      $status.set(ConnectionStatus.Reconnecting);
    }
  }

  function onMessage(event: MessageEvent<string>): void {
    // A frame that trails its socket's close belongs to a connection that is gone: the next
    // welcome and resume bring whatever it said.
    if (typeof event.data !== 'string' || transport.status !== TransportStatus.Open) return;
    const parsed = parseServerFrame(event.data);
    if (!parsed.ok) {
      console.warn(`pin-messaging: ignored a server frame (${parsed.code}: ${parsed.message})`);
      return;
    }
    batch(() => hooks.frame(parsed.frame));
  }

  function listen(on: boolean): void {
    const target: EventTarget = transport;
    const listeners = { open: onOpen, message: onMessage, close: onClose, status: onStatus };
    for (const [type, listener] of Object.entries(listeners)) {
      target[on ? 'addEventListener' : 'removeEventListener'](type, listener as EventListener);
    }
  }

  function stopGreeting(): void {
    greeting = undefined;
    clearTimeout(helloTimer);
    helloTimer = undefined;
  }

  function pong(): void {
    // Any pong after the welcome will do (the heartbeat's pings all follow the hello): a lost
    // fence only delays sending until the next one.
    if (greeting !== 'fence') return;
    greeting = undefined;
    hooks.ready();
  }

  return {
    stores: { $status },
    open() {
      listen(true);
      transport.connect();
      onStatus();
    },
    close() {
      listen(false);
      transport.close();
      stopGreeting();
      $status.set(ConnectionStatus.Idle);
    },
    welcomed() {
      $status.set(ConnectionStatus.Online);
      if (greeting === 'hello') greeting = 'fence';
    },
    pong,
    slowDown(wait) {
      if (greeting === 'hello') {
        // The hello itself was refused (no welcome came before it): say it again after the wait.
        helloTimer ??= setTimeout(() => {
          helloTimer = undefined;
          if (transport.status === TransportStatus.Open) onOpen();
        }, wait);
        return;
      }
      hooks.pause(wait);
      // The fence's ping was refused: that answer too comes after everything the hello brought.
      if (greeting === 'fence') pong();
    },
  };
}
