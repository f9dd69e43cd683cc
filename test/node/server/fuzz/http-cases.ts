import fc from 'fast-check';
import { pooled } from './settings.js';

/** One raw HTTP request as bytes. */
export interface HttpCase {
  bytes: Buffer;
  /** A HEAD request: its response has no body. */
  head: boolean;
  /**
   * The bytes may not frame as one request (raw bytes, a wrong length or
   * transfer coding): sent last on its connection, so that it cannot swallow
   * or split the requests behind it.
   */
  solo: boolean;
}

/** Request text that keeps to one request's framing. */
const clean = (s: string): Buffer => Buffer.from(s, 'utf8');
/** Request bytes that may break framing (control bytes, bare CR or LF, invalid UTF-8). */
const raw = (b: Uint8Array | string): Buffer => (typeof b === 'string' ? Buffer.from(b, 'latin1') : Buffer.from(b));

const TARGETS = [
  '/', '/health', '/health?x=1&y', '/health/', '/HEALTH', '/health;x', '/avatars/kim.svg', '/avatars/nobody.svg',
  '/avatars/../health', '/avatars/%2e%2e/x.svg', '/avatars/' + 'a'.repeat(65) + '.svg', '/parties/inbox/kim',
  '/parties/inbox/', '/parties/inbox/%', '/parties/inbox/%E0%A4%A', '/parties/inbox/a/b', '/parties/conversation/dm:a:b',
  '/dev/token?user=kim', '/dev/users', '/admin/messages?conv=x', '//x:99999', '//[', '//', '///', '//x:99999/health',
  '//[::1', '//a:b@c', '%', '%%', '/%', '/%00', '/%ZZ', '/%C0%AF', '\\', '\\\\x\\y', '/\\health', '*', '?', '#',
  '/health#x', 'http://x:99999/', 'http://[/', 'http://a@b/health', 'https://example.com/health', 'http://127.0.0.1/health',
  'http:/health', 'http://', 'mailto:x@y', 'javascript:alert(1)', '/?a=%', '/health?', '/..', '/./health', '/ü', '/😀',
  '/parties/inbox/%F0%9F%98%80', '/health?' + '&'.repeat(500), '/health?a=' + '%'.repeat(300),
];

const SEGMENTS = ['%', '%2F', '%2f', '..', '.', '\\', ':', '[', ']', '@', '//', '?', '#', ';', '~', '%00', '%FF', 'health', 'inbox', 'parties'];

/** Targets and header values around the 8 and 16 KiB limits servers set, and now and then far beyond. */
const bigLength = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: 2_000, max: 17_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 8_150, max: 8_250 }) },
  { weight: 2, arbitrary: fc.integer({ min: 16_300, max: 16_450 }) },
  { weight: 1, arbitrary: fc.integer({ min: 17_000, max: 70_000 }) },
);

/** Drawn strings to build requests from (see `pooled`). */
function pools(seed: number) {
  return {
    segment: pooled(fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 })).map(stripSpace), 1_000, seed + 1),
    value: pooled(fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 10 })).map(stripControl), 1_000, seed + 2),
    ascii: pooled(fc.string({ unit: 'binary-ascii', maxLength: 40 }), 1_000, seed + 3),
    body: pooled(fc.string({ maxLength: 200 }), 500, seed + 4),
    binary: pooled(fc.string({ unit: 'binary', maxLength: 200 }), 500, seed + 5),
  };
}
type Pools = ReturnType<typeof pools>;

const cleanTarget = (p: Pools): fc.Arbitrary<Buffer> => fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...TARGETS).map(clean) },
  {
    weight: 8,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...SEGMENTS), p.segment), { maxLength: 6 })
      .chain((segments) => fc.constantFrom('/', '//', '', 'http://h/', '\\').map((lead) => clean(lead + segments.join('/')))),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('/health?q=', '/', '/parties/inbox/', '//'), bigLength, fc.constantFrom('a', '%', '/', 'é'))
      .map(([lead, n, unit]) => clean(lead + unit.repeat(n))),
  },
);

function stripSpace(s: string): string {
  return s.replace(/[\s]/g, '');
}

const rawTarget: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((b) => raw(Buffer.concat([Buffer.from('/'), b]))),
  fc.constantFrom('/\0', '/\x7f', '/a b', '/\t', '/\r', '/\n', '/\xff\xfe', '/\xc0\xaf', '/\xed\xa0\x80', '\x01').map(raw),
);

const cleanMethod: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('GET', 'HEAD').map(clean) },
  { weight: 3, arbitrary: fc.constantFrom('POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'get', 'M-SEARCH', 'X').map(clean) },
);

const rawMethod = (p: Pools): fc.Arbitrary<Buffer> => fc.oneof(
  fc.constantFrom('CONNECT', 'PRI', '', 'G ET', 'GET\0', 'GE\xff', '\r\nGET').map(raw),
  p.ascii.map((a) => raw(a.slice(0, 12))),
);

const cleanVersion: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(clean('HTTP/1.1')) },
  { weight: 2, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.2', 'HTTP/9.9', 'http/1.1', 'HTTP/11', 'HTTP/1.1 x', 'HTTPS/1.1').map(clean) },
);

const rawVersion: fc.Arbitrary<Buffer> = fc.constantFrom('', 'HTTP/1.1\0', 'HTTP/\xff', 'HTTP/1.1\r', ' HTTP/1.1').map(raw);

const headerName = fc.constantFrom('Host', 'Origin', 'User-Agent', 'Accept', 'Cookie', 'Authorization', 'X-Forwarded-For', 'Range', 'If-None-Match', 'Accept-Encoding', 'Referer', 'Sec-WebSocket-Key', 'Expect', 'Keep-Alive', 'TE', 'Trailer');
const headerValue = (p: Pools) => fc.oneof(
  fc.constantFrom('', '127.0.0.1', 'x:99999', '[', 'http://app.example:5173', 'null', '*', '100-continue', 'bytes=0-', 'bytes=9-1', '%', '\\', 'gzip', 'x'.repeat(300)),
  p.value,
);

function stripControl(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, '');
}

const cleanHeader = (p: Pools): fc.Arbitrary<Buffer> => fc.oneof(
  { weight: 16, arbitrary: fc.tuple(headerName, headerValue(p)).map(([n, v]) => clean(`${n}: ${v}`)) },
  { weight: 4, arbitrary: fc.constantFrom('Connection: close', 'Connection: keep-alive', 'Connection: upgrade', 'Upgrade: h2c', 'Content-Length: 0').map(clean) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('Cookie', 'X-Big', 'Host', 'Authorization'), bigLength).map(([n, k]) => clean(`${n}: ${'a'.repeat(k)}`)) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 400 }).map((k) => clean(Array.from({ length: k }, (_, i) => `X-H${i}: v`).join('\r\n'))) },
);

const rawHeader = (p: Pools): fc.Arbitrary<Buffer> => fc.oneof(
  fc.constantFrom(
    'Content-Length: -1', 'Content-Length: abc', 'Content-Length: 1, 2', 'Content-Length: 99999999999999999999', 'Content-Length: 5',
    'Content-Length: 0\r\nContent-Length: 7', 'Content-Length: +3', 'Content-Length: 0x10', 'Transfer-Encoding: chunked',
    'Transfer-Encoding: gzip', 'Transfer-Encoding: chunked, identity', 'Transfer-Encoding: chunked\r\nContent-Length: 3',
    'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity', 'Transfer-Encoding : chunked', 'Transfer-Encoding: xchunked',
    'X-Fold: a\r\n b', 'NoColon', ': empty-name', 'Bad Name: x', 'X-Nul: a\0b', 'X-Bytes: \xff\xfe\xc0', 'X-CR: a\rb', 'X-LF: a\nb',
    'Host: a\r\nHost: b', '\tHost: x', 'Content-Length: 3\r\n\r\nabcGET / HTTP/1.1',
  ).map(raw),
  fc.tuple(p.ascii, p.ascii).map(([n, v]) => raw(`${n.slice(0, 16) || 'x'}: ${v}`)),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => raw(b)),
);

const cleanBody = (p: Pools) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: p.body.map((s) => ({ headers: [`Content-Length: ${Buffer.byteLength(s)}`], body: s })) },
    { weight: 1, arbitrary: p.body.map((s) => ({ headers: ['Transfer-Encoding: chunked'], body: chunked(s) })) },
  );

function chunked(s: string): string {
  const b = Buffer.byteLength(s);
  return b ? `${b.toString(16)}\r\n${s}\r\n0\r\n\r\n` : '0\r\n\r\n';
}

const hostHeader = fc.oneof(
  { weight: 10, arbitrary: fc.constant(['Host: 127.0.0.1']) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>([], ['Host: 127.0.0.1', 'Host: 127.0.0.1'], ['Host: a', 'Host: b'], ['Host: '], ['Host: x:99999'], ['Host: [']) },
);

/** A request from clean parts: it frames as exactly one request. */
const cleanRequest = (p: Pools): fc.Arbitrary<HttpCase> => fc
  .record({
    method: cleanMethod,
    target: cleanTarget(p),
    version: cleanVersion,
    host: hostHeader,
    headers: fc.array(cleanHeader(p), { maxLength: 6 }),
    body: cleanBody(p),
  })
  .map(({ method, target, version, host, headers, body }) => {
    const lines: Buffer[] = [Buffer.concat([method, Buffer.from(' '), target, Buffer.from(' '), version])];
    for (const h of host) lines.push(Buffer.from(h));
    for (const h of headers) lines.push(h);
    for (const h of body?.headers ?? []) lines.push(Buffer.from(h));
    const bytes = Buffer.concat([join(lines), Buffer.from('\r\n\r\n'), Buffer.from(body?.body ?? '', 'utf8')]);
    // A stated length of 0 beside a body would leave the body to be read as the next request.
    const lengthClash = headers.some((h) => h.toString().includes('Content-Length')) && body !== undefined;
    return { bytes, head: method.toString() === 'HEAD', solo: lengthClash };
  });

/** A request with at least one raw part: anything may happen to its framing. */
const rawRequest = (p: Pools): fc.Arbitrary<HttpCase> => fc
  .record({
    method: fc.oneof({ weight: 3, arbitrary: cleanMethod }, { weight: 1, arbitrary: rawMethod(p) }),
    target: fc.oneof({ weight: 2, arbitrary: cleanTarget(p) }, { weight: 1, arbitrary: rawTarget }),
    version: fc.oneof({ weight: 3, arbitrary: cleanVersion }, { weight: 1, arbitrary: rawVersion }),
    headers: fc.array(fc.oneof(cleanHeader(p), rawHeader(p)), { maxLength: 5 }),
    tail: fc.oneof(fc.constant('\r\n\r\n'), fc.constantFrom('\r\n', '\n\n', '', '\r\n\r\nabc', '\r\n\r\n\0\0\0')),
  })
  .map(({ method, target, version, headers, tail }) => {
    const line = Buffer.concat([method, Buffer.from(' '), target, Buffer.from(' '), version]);
    const bytes = Buffer.concat([join([line, Buffer.from('Host: 127.0.0.1'), ...headers]), Buffer.from(tail, 'latin1')]);
    return { bytes, head: false, solo: true };
  });

/** Bytes that are barely HTTP, or not at all. */
const garbage = (p: Pools): fc.Arbitrary<HttpCase> => fc
  .oneof(
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    fc.constantFrom('\r\n\r\n', 'GET', 'GET /', 'GET / HTTP/1.1', 'GET / HTTP/1.1\r\n', '\x16\x03\x01\x02\x00\x01\x00', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n').map((s) => Buffer.from(s, 'latin1')),
    p.binary.map((s) => Buffer.from(s, 'utf8')),
  )
  .map((bytes) => ({ bytes, head: false, solo: true }));

/** Raw HTTP requests: mostly requests that frame well (pipelined), then broken ones and garbage. */
export function httpCase(seed: number): fc.Arbitrary<HttpCase> {
  const p = pools(seed);
  return fc.oneof({ weight: 14, arbitrary: cleanRequest(p) }, { weight: 5, arbitrary: rawRequest(p) }, { weight: 2, arbitrary: garbage(p) });
}

function join(lines: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  lines.forEach((line, i) => {
    if (i > 0) parts.push(Buffer.from('\r\n'));
    parts.push(line);
  });
  return Buffer.concat(parts);
}
