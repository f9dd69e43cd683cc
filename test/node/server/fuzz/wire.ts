import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** One HTTP response, as far as the fuzz oracle cares. */
export interface HttpAnswer {
  status: number;
  /** The server said it closes the connection after this response. */
  closes: boolean;
}

export interface ParsedResponses {
  answers: HttpAnswer[];
  /** Set when the bytes are not HTTP/1.x responses. */
  malformed?: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Splits what a server sent on one connection into responses. `heads[i]`
 * says whether the i-th request was a HEAD (its response has no body
 * whatever its Content-Length says). A response without a length runs to the
 * end of the connection.
 */
export function parseResponses(buf: Buffer, heads: readonly boolean[]): ParsedResponses {
  const answers: HttpAnswer[] = [];
  let at = 0;
  while (at < buf.length) {
    const end = buf.indexOf(HEADER_END, at);
    if (end === -1) {
      const partial = buf.subarray(at, Math.min(buf.length, at + 16)).toString('latin1');
      if (!'HTTP/1.'.startsWith(partial.slice(0, 7))) return { answers, malformed: `bytes before a status line: ${JSON.stringify(partial)}` };
      break;
    }
    const head = buf.subarray(at, end).toString('latin1');
    const [statusLine, ...lines] = head.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine);
    if (!m) return { answers, malformed: `not a status line: ${JSON.stringify(statusLine.slice(0, 80))}` };
    const status = Number(m[1]);
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim().toLowerCase());
    }
    at = end + 4;
    const closes = headers.get('connection')?.includes('close') ?? false;
    const isHead = heads[answers.length] ?? false;
    // Nothing follows a response that closes the connection; whatever bytes do are its own.
    if (status === 101 || closes) {
      answers.push({ status, closes: true });
      break;
    }
    // An interim 100 Continue comes before the real answer to the same request.
    if (status >= 100 && status < 200) continue;
    if (isHead || status === 204 || status === 304) {
      answers.push({ status, closes });
      continue;
    }
    if (headers.get('transfer-encoding')?.includes('chunked')) {
      const next = skipChunked(buf, at);
      if (next === undefined) break;
      at = next;
    } else if (headers.has('content-length')) {
      const length = Number(headers.get('content-length'));
      if (!Number.isSafeInteger(length) || length < 0) return { answers, malformed: `bad Content-Length in a response` };
      if (at + length > buf.length) break;
      at += length;
    } else {
      at = buf.length;
    }
    answers.push({ status, closes });
  }
  return { answers };
}

/** The offset after a chunked body starting at `at`, or undefined when it is not all there. */
function skipChunked(buf: Buffer, at: number): number | undefined {
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd === -1) return undefined;
    const size = parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) return undefined;
    at = lineEnd + 2 + size + 2;
    if (at > buf.length) return undefined;
    if (size === 0) return at;
  }
}

export interface Exchange {
  /** Everything the server sent before the connection ended. */
  data: Buffer;
  /** The server closed the connection (or reset it). */
  closed: boolean;
  /** Nothing ended the connection within the time allowed. */
  timedOut: boolean;
  /** The connection could not be opened. */
  refused: boolean;
}

/**
 * Writes `bytes` on a fresh connection, half-closes it, and collects the
 * answer until the server closes it or `timeoutMs` passes.
 */
export function exchange(host: string, port: number, bytes: Buffer, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let connected = false;
    const socket = connect({ host, port, allowHalfOpen: true });
    const finish = (result: Omit<Exchange, 'data'>) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), ...result });
    };
    const timer = setTimeout(() => finish({ closed: false, timedOut: true, refused: false }), timeoutMs);
    socket.on('connect', () => {
      connected = true;
      socket.write(bytes);
      socket.end();
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => finish({ closed: true, timedOut: false, refused: false }));
    socket.on('error', () => finish({ closed: true, timedOut: false, refused: !connected }));
    socket.on('close', () => finish({ closed: true, timedOut: false, refused: !connected }));
  });
}

/** Whether a server answers a plain request with a status line within a second. */
export async function answersHttp(host: string, port: number): Promise<boolean> {
  const { data } = await exchange(host, port, Buffer.from('GET /health HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n'), 1_000);
  return data.subarray(0, 7).toString('latin1') === 'HTTP/1.';
}

// WebSocket framing (RFC 6455), for upgrades sent byte by byte ---------------

export const WS_TEXT = 0x1;
export const WS_BINARY = 0x2;
export const WS_CLOSE = 0x8;

/** A client frame: masked, as a server requires. */
export function wsFrame(opcode: number, payload: Buffer, { fin = true, rsv = 0, mask = true } = {}): Buffer {
  const length = payload.length;
  const header: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0xf)];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) header.push(maskBit | length);
  else if (length < 65_536) header.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    header.push(maskBit | 127, 0, 0, 0, 0);
    header.push((length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
  }
  if (!mask) return Buffer.concat([Buffer.from(header), payload]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++) masked[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([Buffer.from(header), key, masked]);
}

/** What a server did after a 101: spoke (the socket was admitted), closed with a code, or dropped the connection. */
export type WsOutcome = { kind: 'text'; text: string; compressed: boolean } | { kind: 'close'; code: number } | { kind: 'dropped' } | { kind: 'silent' };

/** Reads the first data or close frame a server sent; undefined when `buf` does not hold one yet. */
export function firstServerFrame(buf: Buffer): WsOutcome | undefined {
  let at = 0;
  while (at + 2 <= buf.length) {
    const opcode = buf[at] & 0xf;
    let length = buf[at + 1] & 0x7f;
    let start = at + 2;
    if (length === 126) {
      if (start + 2 > buf.length) return undefined;
      length = buf.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      if (start + 8 > buf.length) return undefined;
      length = Number(buf.readBigUInt64BE(start));
      start += 8;
    }
    if (start + length > buf.length) return undefined;
    const payload = buf.subarray(start, start + length);
    if (opcode === WS_CLOSE) return { kind: 'close', code: payload.length >= 2 ? payload.readUInt16BE(0) : 1005 };
    // RSV1 marks a compressed message (a server that took up the request's permessage-deflate offer).
    if (opcode === WS_TEXT || opcode === WS_BINARY) return { kind: 'text', text: payload.toString('utf8'), compressed: (buf[at] & 0x40) !== 0 };
    at = start + length;
  }
  return undefined;
}

export interface UpgradeAnswer {
  /** The status line's code, or undefined when the server closed without one. */
  status?: number;
  /** After a 101: what the server did next. */
  ws?: WsOutcome;
  timedOut: boolean;
  refused: boolean;
  malformed?: string;
}

/**
 * Sends an upgrade request; after a 101 sends `after` (WebSocket frames) and
 * waits for the server's first frame or close. A socket the server admitted
 * answers an app-level ping; a refused one is closed with a code.
 */
export function upgrade(host: string, port: number, request: Buffer, after: Buffer, timeoutMs: number): Promise<UpgradeAnswer> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let connected = false;
    let status: number | undefined;
    let bodyAt = 0;
    const socket: Socket = connect({ host, port });
    const finish = (answer: Omit<UpgradeAnswer, 'status'>) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status, ...answer });
    };
    const timer = setTimeout(() => {
      if (status === 101) finish({ ws: { kind: 'silent' }, timedOut: false, refused: false });
      else finish({ timedOut: true, refused: false });
    }, timeoutMs);
    socket.on('connect', () => {
      connected = true;
      socket.write(request);
    });
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (status === undefined) {
        const end = buf.indexOf(HEADER_END);
        if (end === -1) return;
        const m = /^HTTP\/1\.[01] (\d{3})(?: |\r|$)/.exec(buf.subarray(0, Math.min(end + 2, 200)).toString('latin1'));
        if (!m) return finish({ timedOut: false, refused: false, malformed: `not a status line: ${JSON.stringify(buf.subarray(0, 60).toString('latin1'))}` });
        status = Number(m[1]);
        bodyAt = end + 4;
        if (status !== 101) return finish({ timedOut: false, refused: false });
        if (after.length) socket.write(after);
      }
      const ws = firstServerFrame(buf.subarray(bodyAt));
      if (ws) finish({ ws, timedOut: false, refused: false });
    });
    const closed = () => finish({ ws: status === 101 ? { kind: 'dropped' } : undefined, timedOut: false, refused: !connected });
    socket.on('error', closed);
    socket.on('close', closed);
  });
}
