import { WebSocket } from 'ws';
import { ChatClient, memoryOutboxStorage } from '../../src/state/index.js';
import { PartySocketTransport } from '../../src/transport/partysocket.js';

export interface ClientOptions {
  /** host:port to connect to (a proxy's for fault tests: proxy.ts). */
  host: string;
  token: () => Promise<string>;
  window?: number;
  /** The Origin header to send, as a browser page on that origin would. */
  origin?: string;
}

/** `ws` with a fixed Origin header (browsers always send one; Node clients do not). */
function withOrigin(origin: string): typeof WebSocket {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { origin });
    }
  } as typeof WebSocket;
}

/** A real client: the state bus over PartySocket over `ws`, as a Node consumer would run it. */
export function realClient(user: string, options: ClientOptions): { client: ChatClient; transport: PartySocketTransport } {
  const transport = new PartySocketTransport({
    host: options.host,
    room: user,
    token: options.token,
    WebSocket: (options.origin ? withOrigin(options.origin) : WebSocket) as never,
    backoff: { baseMs: 20, capMs: 200 },
    heartbeat: { intervalMs: 1_000, timeoutMs: 1_000 },
  });
  const client = new ChatClient({ user, transport, outboxStorage: memoryOutboxStorage(), window: options.window, ackTimeoutMs: 2_000 });
  client.start();
  return { client, transport };
}
