// A transport over the browser's own WebSocket, without PartySocket: the
// worked example of docs/transport.md. It keeps the contract of
// `pin-messaging/transport` (status events, `open` for every new socket,
// `send` honest about whether the frame went out) and reuses the library's
// jittered backoff and heartbeat. Type-checked against the package by
// test/package/types.
import {
  Backoff,
  CLIENT_DROP_CODE,
  createCloseEvent,
  Heartbeat,
  isFatalClose,
  TransportStatus,
  TransportTarget,
  type Transport,
} from 'pin-messaging/transport';

export interface PlainWebSocketTransportOptions {
  /** The person's inbox socket, without the token: `wss://chat.example.com/parties/inbox/ada`. */
  url: string;
  /** Fetches a fresh token from your backend; called before every connection attempt. */
  token: () => Promise<string>;
}

export class PlainWebSocketTransport extends TransportTarget implements Transport {
  private socket: WebSocket | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly backoff = new Backoff({ baseMs: 500, capMs: 15_000 }, 5_000, Math.random);
  private readonly heartbeat = new Heartbeat(
    { intervalMs: 15_000, timeoutMs: 10_000 },
    (frame) => this.send(frame),
    () => this.socket?.close(CLIENT_DROP_CODE, 'heartbeat timeout'),
  );

  constructor(private readonly options: PlainWebSocketTransportOptions) {
    super();
  }

  connect(): void {
    if (this.socket || this.timer !== undefined) return;
    this.backoff.reset();
    this.setStatus(TransportStatus.Connecting);
    this.schedule();
  }

  send(frame: string): boolean {
    // Never buffer: the state bus resends what did not go out after the next `open`.
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(frame);
    return true;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    this.heartbeat.stop();
    socket?.close(1000, 'closed by client');
    this.backoff.reset();
    this.setStatus(TransportStatus.Idle);
  }

  reconnect(): void {
    if (this.status === TransportStatus.Idle || this.status === TransportStatus.Refused) return this.connect();
    this.backoff.skipNext();
    if (this.socket) return this.socket.close(CLIENT_DROP_CODE, 'reconnect');
    clearTimeout(this.timer);
    this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.open(), this.backoff.nextDelay());
  }

  private async open(): Promise<void> {
    this.timer = undefined;
    let token: string;
    try {
      token = await this.options.token();
    } catch {
      return this.schedule(); // the backend is unreachable: try again later
    }
    if (this.status === TransportStatus.Idle) return; // closed meanwhile
    this.setStatus(TransportStatus.Connecting);
    const socket = new WebSocket(`${this.options.url}?token=${encodeURIComponent(token)}`);
    this.socket = socket;
    socket.onopen = () => {
      this.backoff.opened();
      this.heartbeat.start();
      this.setStatus(TransportStatus.Open);
      this.dispatchEvent(new Event('open')); // the client sends `hello` now
    };
    socket.onmessage = (event) => {
      this.heartbeat.seen();
      if (typeof event.data === 'string') this.emitMessage(event.data);
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.socket = undefined;
      this.heartbeat.stop();
      this.backoff.closed(event.code);
      const fatal = isFatalClose(event.code); // bad token or Origin: retrying cannot help
      this.setStatus(fatal ? TransportStatus.Refused : TransportStatus.Reconnecting);
      this.dispatchEvent(createCloseEvent(event.code, event.reason, event.wasClean));
      if (!fatal) this.schedule();
    };
  }
}
