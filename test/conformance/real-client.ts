import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { ChatClient, memoryOutboxStorage } from '../../src/state/index.js';
import { PartySocketTransport } from '../../src/transport/partysocket.js';

export interface ClientOptions {
  /** host:port to connect to (a proxy's, for fault tests). */
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

/**
 * A WebSocket proxy that cuts both sides abruptly after every `cutEvery`
 * frames (counted both ways), losing whatever was still in flight: what a
 * flaky network does to a chat.
 */
export async function startCuttingProxy(upstream: string, cutEvery: number): Promise<{ host: string; cuts(): number; close(): Promise<void> }> {
  let cuts = 0;
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (downstream, request) => {
    const up = new WebSocket(`ws://${upstream}${request.url}`);
    const pending: string[] = [];
    let frames = 0;
    const cut = () => {
      cuts += 1;
      downstream.terminate();
      up.terminate();
    };
    const count = () => {
      frames += 1;
      if (frames % cutEvery === 0) {
        cut();
        return false;
      }
      return true;
    };
    downstream.on('message', (data) => {
      if (!count()) return;
      if (up.readyState === WebSocket.OPEN) up.send(data.toString());
      else pending.push(data.toString());
    });
    up.on('open', () => pending.splice(0).forEach((f) => up.send(f)));
    up.on('message', (data) => {
      if (count() && downstream.readyState === WebSocket.OPEN) downstream.send(data.toString());
    });
    up.on('close', (code, reason) => downstream.readyState === WebSocket.OPEN && downstream.close(code, reason));
    downstream.on('close', () => up.terminate());
    up.on('error', () => downstream.terminate());
    downstream.on('error', () => up.terminate());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    cuts: () => cuts,
    close: () =>
      new Promise((resolve) => {
        for (const socket of wss.clients) socket.terminate();
        wss.close();
        http.close(() => resolve());
      }),
  };
}
