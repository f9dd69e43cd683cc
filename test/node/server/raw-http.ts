// Raw TCP clients for the host's hardening tests: they send exactly the bytes a
// stranger would, which `fetch` and `ws` refuse to produce.
import { connect, type Socket } from 'node:net';

export interface Exchange {
  /** Status of the first response, if one came. */
  status?: number;
  /** Everything the server sent. */
  text: string;
  /** Whether the server ended the connection (rather than keeping it alive, or holding it past the wait). */
  closed: boolean;
  /** Time from connecting to the close, or to the end of the wait. */
  ms: number;
}

/**
 * Opens a connection, writes `data`, and reads until the server closes it,
 * sends a whole response it keeps the connection open after, or `waitMs` passes.
 */
export function exchange(port: number, data: string | Buffer, waitMs = 3_000): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: status ? Number(status[1]) : undefined, text, closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('connect', () => socket.write(data));
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (keptAlive(text)) finish(false);
    });
    socket.on('close', () => finish(true));
    // A reset after the answer still counts as the server closing; before any answer it is a failure.
    socket.on('error', (error) => {
      if (text) return;
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Whether `text` holds a whole response after which the server keeps the connection open. */
function keptAlive(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0 || !/\r\nConnection: keep-alive\r\n/i.test(text.slice(0, end + 2))) return false;
  const length = /\r\nContent-Length: (\d+)\r\n/i.exec(text.slice(0, end + 2));
  return length !== null && text.length - end - 4 >= Number(length[1]);
}

/** A request head as a client would send it, plus `extra` header lines. */
export function request(method: string, target: string, extra: string[] = []): string {
  return [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...extra, '', ''].join('\r\n');
}

/** A WebSocket upgrade request head to `target`. */
export function upgrade(target: string): string {
  return request('GET', target, ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==']);
}

/** A connection that is open and has sent nothing (or `data`), with the time it was closed by the server. */
export interface Held {
  socket: Socket;
  /** Resolves with ms from connect to the server's close. */
  closed: Promise<number>;
}

export async function hold(port: number, data?: string): Promise<Held> {
  const socket = connect(port, '127.0.0.1');
  const started = Date.now();
  socket.on('error', () => {});
  // Read and discard what the server says: a paused socket never sees the server's close.
  socket.resume();
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (data !== undefined) socket.write(data);
  return { socket, closed };
}
