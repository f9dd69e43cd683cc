import fc from 'fast-check';
import { WS_BINARY, WS_CLOSE, WS_TEXT, wsFrame } from './wire.js';

/** Tokens and settings the upgrade cases are made from. */
export interface UpgradeWorld {
  /** People with a valid token each. */
  people: readonly { user: string; token: string }[];
  /** Tokens that must never open a socket: expired, signed with another key, for another audience, `alg: none`. */
  badTokens: readonly string[];
  /** The one Origin the server allows; sockets without an Origin are allowed too. */
  origin: string;
}

export interface UpgradeCase {
  request: Buffer;
  /** WebSocket frames sent after a 101. */
  after: Buffer;
  /** No valid token for the room, or a foreign Origin: the server must never admit this socket. */
  mustRefuse: boolean;
  /** `after` breaks the WebSocket protocol (the WebSocket layer's own close codes are then fair). */
  breaksProtocol: boolean;
}

const PING = Buffer.from('{"t":"ping","n":7}');

const validKey = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64'));
const keyHeaders = fc.oneof(
  { weight: 8, arbitrary: validKey.map((k) => [`Sec-WebSocket-Key: ${k}`]) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom<string[]>([], ['Sec-WebSocket-Key: '], ['Sec-WebSocket-Key: abc'], ['Sec-WebSocket-Key: ====================='], ['Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ']),
      fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => [`Sec-WebSocket-Key: ${Buffer.from(b).toString('base64')}`]),
      fc.tuple(validKey, validKey).map(([a, b]) => [`Sec-WebSocket-Key: ${a}`, `Sec-WebSocket-Key: ${b}`]),
    ),
  },
);
const versionHeaders = fc.oneof(
  { weight: 8, arbitrary: fc.constant(['Sec-WebSocket-Version: 13']) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>([], ['Sec-WebSocket-Version: 8'], ['Sec-WebSocket-Version: abc'], ['Sec-WebSocket-Version: 13, 8'], ['Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 14'], ['Sec-WebSocket-Version: 99999999999999999999']) },
);
const upgradeHeaders = fc.oneof(
  { weight: 8, arbitrary: fc.constant(['Upgrade: websocket', 'Connection: Upgrade']) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>(['Upgrade: WebSocket', 'Connection: keep-alive, Upgrade'], ['Upgrade: websocket2', 'Connection: Upgrade'], ['Upgrade: h2c', 'Connection: Upgrade'], ['Connection: Upgrade'], ['Upgrade: websocket'], ['Upgrade: websocket', 'Connection: close'], ['Upgrade: ', 'Connection: Upgrade']) },
);
const extraHeaders = fc.array(
  fc.constantFrom(
    'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
    'Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=99',
    'Sec-WebSocket-Extensions: x; ; ;',
    'Sec-WebSocket-Protocol: chat',
    'Sec-WebSocket-Protocol: ,,,',
    'Sec-WebSocket-Protocol: ' + 'a,'.repeat(300),
    'Cookie: ' + 'c'.repeat(5_000),
    'X-Forwarded-For: 127.0.0.1',
  ),
  { maxLength: 2 },
);

type OriginChoice = { headers: string[]; bad: boolean };

function originChoice(allowed: string): fc.Arbitrary<OriginChoice> {
  const good = (headers: string[]) => ({ headers, bad: false });
  const bad = (headers: string[]) => ({ headers, bad: true });
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(good([`Origin: ${allowed}`])) },
    { weight: 2, arbitrary: fc.constant(good([])) },
    // An empty Origin is malformed: a server may take it for no Origin (allowed here) or refuse it.
    { weight: 1, arbitrary: fc.constant(good(['Origin: '])) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        bad(['Origin: null']),
        bad(['Origin: https://evil.example']),
        bad([`Origin: ${allowed}.evil.example`]),
        bad([`Origin: ${allowed}/`]),
        bad([`Origin: ${allowed.toUpperCase()}`]),
        bad([`Origin: ${allowed.replace(/:\d+$/, '')}`]),
        bad([`Origin: ${allowed.replace('http:', 'https:')}`]),
        bad([`Origin: ${allowed}`, 'Origin: https://evil.example']),
        bad(['Origin: https://evil.example', `Origin: ${allowed}`]),
        bad([`Origin: ${allowed}%00`]),
        bad([`Origin: ${'o'.repeat(3_000)}`]),
      ),
    },
  );
}

/** Frames after a 101: an app-level ping, or frames that break the WebSocket protocol. */
const afterFrames: fc.Arbitrary<{ after: Buffer; breaks: boolean }> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ after: wsFrame(WS_TEXT, PING), breaks: false }) },
  { weight: 1, arbitrary: fc.constant({ after: wsFrame(WS_BINARY, PING), breaks: false }) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constant(wsFrame(WS_TEXT, PING, { mask: false })),
        fc.constant(wsFrame(WS_TEXT, PING, { rsv: 4 })),
        fc.constant(wsFrame(0x3, PING)),
        fc.constant(wsFrame(0x9, Buffer.alloc(200))),
        fc.constant(wsFrame(0x9, PING, { fin: false })),
        fc.constant(wsFrame(WS_CLOSE, Buffer.from([0x03, 0xe7]))),
        fc.constant(wsFrame(WS_CLOSE, Buffer.from([0x0b]))),
        fc.constant(wsFrame(WS_TEXT, Buffer.from([0xff, 0xfe, 0xc0, 0xaf]))),
        fc.constant(wsFrame(0x0, PING)),
        fc.constant(Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4])),
        fc.constant(Buffer.from([0x81, 0xfe, 0xff, 0xff, 1, 2, 3, 4])),
        fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)),
      )
      .map((after) => ({ after, breaks: true })),
  },
);

/**
 * Upgrade requests: good and bad keys, versions, Origins, tokens and rooms,
 * wrong paths, then an app-level ping or frames that break the protocol.
 */
export function upgradeCase(world: UpgradeWorld, host: string): fc.Arbitrary<UpgradeCase> {
  const person = fc.constantFrom(...world.people);
  const token = fc.oneof(
    { weight: 6, arbitrary: person.map((p) => p.token) },
    { weight: 3, arbitrary: fc.constantFrom(...world.badTokens) },
    { weight: 1, arbitrary: fc.constantFrom('', 'a.b.c', 'null', '%', '%ZZ', 'x'.repeat(10_000)) },
    { weight: 1, arbitrary: fc.constantFrom('abc', 'a b', '"', '<x>', 'ü', '😀', 'x.y', '..', '%25').map(encodeURIComponent) },
  );
  const room = fc.oneof(
    { weight: 6, arbitrary: person.map((p) => p.user) },
    { weight: 1, arbitrary: person.map((p) => encodeURIComponent(p.user).replace(/^./, (c) => `%${c.charCodeAt(0).toString(16)}`)) },
    { weight: 2, arbitrary: fc.constantFrom('', '%', '%E0%A4%A', '..', 'kim%2Fkim', 'a'.repeat(65), '%F0%9F%98%80', 'dm:a:b', '%00') },
  );
  const query = fc.oneof(
    { weight: 8, arbitrary: token.map((t) => `?token=${t}`) },
    { weight: 1, arbitrary: fc.constantFrom('', '?', '?token', '?token=', '?x=1') },
    { weight: 1, arbitrary: fc.tuple(token, token).map(([a, b]) => `?token=${a}&token=${b}`) },
  );
  const path = fc.oneof(
    { weight: 8, arbitrary: room.map((r) => `/parties/inbox/${r}`) },
    { weight: 2, arbitrary: fc.constantFrom('/parties/conversation/dm:a:b', '/parties/directory/directory', '/parties/inbox/a/b', '/health', '/', '//x:99999', '//[', '/parties/Inbox/kim', '/parties//inbox/kim', '/%', 'http://x:99999/parties/inbox/kim') },
  );
  return fc
    .record({
      path,
      query,
      trailingSlash: fc.boolean(),
      method: fc.oneof({ weight: 12, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: fc.constantFrom('POST', 'HEAD', 'OPTIONS', 'get') }),
      version: fc.oneof({ weight: 12, arbitrary: fc.constant('HTTP/1.1') }, { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0') }),
      upgrade: upgradeHeaders,
      key: keyHeaders,
      version13: versionHeaders,
      origin: originChoice(world.origin),
      extra: extraHeaders,
      after: afterFrames,
    })
    .map((c) => {
      const target = `${c.path}${c.trailingSlash && c.path.startsWith('/parties/inbox/') ? '/' : ''}${c.query}`;
      const lines = [`${c.method} ${target} ${c.version}`, `Host: ${host}`, ...c.upgrade, ...c.key, ...c.version13, ...c.origin.headers, ...c.extra];
      return {
        request: Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'),
        after: c.after.after,
        mustRefuse: c.origin.bad || !admissible(target, world),
        breaksProtocol: c.after.breaks,
      };
    });
}

const INBOX = /^\/parties\/inbox\/([^/]+)\/?$/;

/** Whether the target names a person's inbox with that person's valid token. */
function admissible(target: string, world: UpgradeWorld): boolean {
  let url: URL;
  try {
    url = new URL(target, 'http://localhost');
  } catch {
    return false;
  }
  const match = INBOX.exec(url.pathname);
  if (!match) return false;
  let room: string;
  try {
    room = decodeURIComponent(match[1]);
  } catch {
    return false;
  }
  const tokens = url.searchParams.getAll('token');
  return world.people.some((p) => p.user === room && tokens.includes(p.token));
}
