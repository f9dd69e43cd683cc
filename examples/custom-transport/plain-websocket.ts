// A transport over the browser's own WebSocket, without PartySocket: the
// worked example of docs/transport.md. `SocketTransport` keeps the contract
// of `pin-messaging/transport` (jittered backoff, heartbeat, fatal close
// codes, status events, `open` for every new socket, `send` honest about
// whether the frame went out); this class only makes sockets and reports
// what they do. Type-checked against the package by test/package/types.
import { ABNORMAL_CLOSE_CODE, SocketTransport, type ReconnectOptions } from 'pin-messaging/transport';

export interface PlainWebSocketTransportOptions extends ReconnectOptions {
  /** The person's inbox socket, without the token: `wss://chat.example.com/parties/inbox/ada`. */
  url: string;
  /** Fetches a fresh token from your backend; called before every connection attempt. */
  token: () => Promise<string>;
}

/**
 * One connection attempt. The token comes first, so the WebSocket is made
 * later; the attempt is what the life cycle tracks, and a hang-up before the
 * token arrives means no WebSocket is made at all.
 */
interface Attempt {
  ws?: WebSocket;
  abandoned?: boolean;
}

export class PlainWebSocketTransport extends SocketTransport<Attempt> {
  constructor(private readonly options: PlainWebSocketTransportOptions) {
    super(options, {
      backoff: { baseMs: 500, capMs: 15_000 },
      heartbeat: { intervalMs: 15_000, timeoutMs: 10_000 },
      stableMs: 5_000,
    });
  }

  protected openSocket(): Attempt {
    const attempt: Attempt = {};
    this.options.token().then(
      (token) => {
        if (attempt.abandoned) return;
        const ws = new WebSocket(`${this.options.url}?token=${encodeURIComponent(token)}`);
        attempt.ws = ws;
        ws.onopen = () => this.opened(attempt); // the client sends `hello` now
        ws.onmessage = (event) => typeof event.data === 'string' && this.frame(attempt, event.data);
        ws.onclose = (event) => this.closed(attempt, event.code, event.reason, event.wasClean);
      },
      // Your backend is unreachable: a failed attempt like any other, retried after the backoff.
      () => this.closed(attempt, ABNORMAL_CLOSE_CODE, 'no token', false),
    );
    return attempt;
  }

  protected write(attempt: Attempt, frame: string): boolean {
    if (attempt.ws?.readyState !== WebSocket.OPEN) return false;
    attempt.ws.send(frame);
    return true;
  }

  protected hangUp(attempt: Attempt, code: number, reason: string): void {
    attempt.abandoned = true;
    attempt.ws?.close(code, reason);
  }
}
