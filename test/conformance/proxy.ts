import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/** The faults a proxy puts between clients and a server; none makes it a plain relay. */
export interface ProxyFaults {
  /**
   * Cut both sides abruptly after every this many frames (counted both ways),
   * losing whatever was still in flight: what a flaky network does to a chat.
   */
  cutEvery?: number;
  /**
   * Hold every frame a random time between `min` and `max` ms each way,
   * keeping each direction's order (a slow network, as TCP is: late, never
   * out of order).
   */
  delayMs?: [min: number, max: number];
}

export interface FaultProxy {
  /** host:port for clients to connect to instead of the server's. */
  host: string;
  /** Connections cut so far. */
  cuts(): number;
  close(): Promise<void>;
}

/** A WebSocket proxy to `upstream` (host:port) for fault tests. */
export async function startProxy(upstream: string, { cutEvery, delayMs }: ProxyFaults = {}): Promise<FaultProxy> {
  let cuts = 0;
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  const later = delayMs ? delayed(delayMs) : (deliver: (data: string) => void) => deliver;
  wss.on('connection', (downstream, request) => {
    const up = new WebSocket(`ws://${upstream}${request.url}`);
    const pending: string[] = [];
    let frames = 0;
    /** Counts a frame; false when this one is where the connection is cut. */
    const passes = () => {
      frames += 1;
      if (cutEvery === undefined || frames % cutEvery !== 0) return true;
      cuts += 1;
      downstream.terminate();
      up.terminate();
      return false;
    };
    const toServer = later((data) => (up.readyState === WebSocket.OPEN ? up.send(data) : pending.push(data)));
    const toClient = later((data) => downstream.readyState === WebSocket.OPEN && downstream.send(data));
    downstream.on('message', (data) => passes() && toServer(data.toString()));
    up.on('open', () => pending.splice(0).forEach((f) => up.send(f)));
    up.on('message', (data) => passes() && toClient(data.toString()));
    up.on('close', (code, reason) => {
      if (downstream.readyState !== WebSocket.OPEN) return;
      // 1005 (no code) and 1006 (no close frame) are reported by ws, never sent: `close` throws on
      // them, from a timer the test cannot catch. Pass each on as what it is instead.
      if (code === 1006) downstream.terminate();
      else if (code === 1005) downstream.close();
      else downstream.close(code, reason);
    });
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

/**
 * Wraps a direction's delivery so that each frame arrives `min`-`max` ms
 * late. One queue and one timer per direction: timers of different lengths
 * that end in the same millisecond do not always fire in the order they were
 * set, and would reorder frames.
 */
function delayed([min, max]: [number, number]) {
  return (deliver: (data: string) => void) => {
    const queue: { due: number; data: string }[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      while (queue.length > 0 && queue[0].due <= Date.now()) deliver(queue.shift()!.data);
      if (queue.length > 0) timer = setTimeout(flush, queue[0].due - Date.now());
    };
    return (data: string) => {
      queue.push({ data, due: Math.max(Date.now() + min + Math.random() * (max - min), queue.at(-1)?.due ?? 0) });
      timer ??= setTimeout(flush, queue[0].due - Date.now());
    };
  };
}
