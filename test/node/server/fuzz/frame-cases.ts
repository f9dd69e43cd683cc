import fc from 'fast-check';
import { LIMITS } from '../../../../src/protocol/index.js';
import { pooled } from './settings.js';

/** People and conversations the frames name, so that some of them are valid and get stored. */
export interface FrameWorld {
  people: readonly string[];
  convs: readonly string[];
}

/** One WebSocket message to send. */
export interface FrameCase {
  data: string | Buffer;
  binary: boolean;
  /** Ends the socket by design (over the hard size limit, or text that is not UTF-8): sent last in its batch. */
  ends: boolean;
  /** Breaks the WebSocket protocol rather than the chat protocol. */
  breaksProtocol: boolean;
}

const NASTY = [
  '\u202e', '\u202d', '\u2066', '\u2067', '\u2069', '\u061c', '\u200b', '\u200d', '\u2060', '\ufeff', '\u0000', '\u0007', '\u001b[2J',
  '\ud800', '\udfff', '\udbff\udfff', '😀', '👩‍👩‍👧‍👦', '🏳️‍🌈', 'ﷺ', 'A\u0301\u0301\u0301', '\u{10ffff}', '\u{e0001}',
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '</textarea>', "'; DROP TABLE messages; --", '${x}', '{{x}}',
  '%00', '\r\n', '\t', ' ', 'null', 'undefined', '__proto__', 'constructor',
];

const URLS = [
  'https://pin.example/p/1', 'http://shop.example/a?b=c#d', 'https://xn--e1afmkfd.xn--p1ai/', 'https://пример.рф/', 'HTTPS://PIN.EXAMPLE/X',
  'javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\nscript:alert(1)', 'java%0ascript:alert(1)', '&#106;avascript:alert(1)',
  'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', '//evil.example', 'https://bank.example@evil.example/',
  'http://127.0.0.1/', 'http://localhost:8080/admin', 'http://LOCALHOST/', 'http://foo.localhost/', 'http://printer.local/',
  'http://10.0.0.1/', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/',
  'http://0x7f.1/', 'http://2130706433/', 'http://0177.0.0.1/', 'http://127.1/', 'http://192.168.1.1/', 'http://172.16.0.1/',
  'http://100.64.0.1/', 'http://[fe80::1]/', 'http://[fd00::1]/', 'http://0.0.0.0/', 'http://[::]/', 'http://224.0.0.1/',
  'https://a.example/' + 'x'.repeat(LIMITS.urlLength), 'https://a.example/%', 'http://x:99999/', 'http://[/', 'https:', 'ftp://x/',
  '', ' https://x.example/', 'https://x.example/\u202e', 'https://x.example/\u0000', 'https://x.example./', 'http://./',
];

const idChar = fc.constantFrom(...'ABCXYZabcxyz0189_-'.split(''));
const seq = fc.oneof({ weight: 5, arbitrary: fc.nat({ max: 50 }) }, { weight: 1, arbitrary: fc.constantFrom(0, Number.MAX_SAFE_INTEGER, 2 ** 31) });

/** Text of every kind: plain, any Unicode, bidi and invisible characters, markup, right at and past the limits. */
const anyText = fc.oneof(
  { weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }) },
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...NASTY), { minLength: 1, maxLength: 8 }).map((parts) => parts.join('x')) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('a', '😀', '\u202e', 'é', '\u200b'), fc.constantFrom(LIMITS.textCodePoints - 1, LIMITS.textCodePoints, LIMITS.textCodePoints + 1, 300, 301, 1_000, 1_001))
      .map(([unit, n]) => unit.repeat(n)),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\n\t ', '\u3000') },
);

/** A value of the wrong kind, or of the right kind and the wrong size. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom(1e308, -1e308, -1, -0, 0.5, 2 ** 53, 2 ** 53 + 2, 2 ** 64, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1e-320) },
  { weight: 2, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, {}, [], [[]], '', 'send', 'hello') },
);

/** Drawn values to build frames from (see `pooled`). */
function pools(seed: number) {
  return {
    text: pooled(anyText, 3_000, seed + 1),
    clientId: pooled(fc.string({ unit: idChar, minLength: 8, maxLength: 64 }), 4_000, seed + 2),
    userIdLike: pooled(fc.string({ unit: idChar, minLength: 1, maxLength: 64 }), 500, seed + 3),
    reqId: pooled(fc.string({ maxLength: 64 }), 500, seed + 4),
    anyString: pooled(fc.string({ maxLength: 100 }), 500, seed + 5),
    webUrl: pooled(fc.webUrl({ withQueryParameters: true, withFragments: true }), 500, seed + 6),
    domain: pooled(fc.domain(), 200, seed + 7),
    value: pooled(anyValue, 2_000, seed + 8),
    key: pooled(fc.string({ maxLength: 10 }), 200, seed + 9),
  };
}
type Pools = ReturnType<typeof pools>;

function frameArbs(world: FrameWorld, p: Pools) {
  const conv = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...world.convs) },
    { weight: 1, arbitrary: fc.tuple(p.userIdLike, p.userIdLike).map(([a, b]) => `dm:${a}:${b}`) },
    { weight: 1, arbitrary: p.clientId.map((g) => `g:${g}`) },
    { weight: 1, arbitrary: fc.constantFrom('', 'dm:a', 'dm:b:a', 'g:short', 'dm:' + 'a'.repeat(65) + ':b', 'g:../../x') },
  );
  const user = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...world.people) }, { weight: 1, arbitrary: p.userIdLike }, { weight: 1, arbitrary: p.anyString });
  const url = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...URLS) }, { weight: 1, arbitrary: p.webUrl });
  const pin = fc.record(
    { url, image: url, title: p.text, description: p.text, domain: fc.oneof(p.domain, fc.constantFrom('127.0.0.1', 'evil.example', '')) },
    { requiredKeys: ['url', 'image', 'title'] },
  );
  const body = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('text'), text: p.text }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('pin'), pin, note: p.text }, { requiredKeys: ['kind', 'pin'] }) },
  );
  const opt = { requiredKeys: [] as never[] };
  return {
    hello: fc.record(
      {
        t: fc.constant('hello'),
        v: fc.constant(1),
        cursors: fc.dictionary(conv, seq, { maxKeys: 5 }),
        pending: fc.array(fc.record({ conv, id: p.clientId }), { maxLength: 4 }),
      },
      { requiredKeys: ['t', 'v'] },
    ),
    send: fc.record(
      {
        t: fc.constant('send'),
        conv,
        id: p.clientId,
        to: fc.array(user, { minLength: 1, maxLength: 3 }),
        title: p.text,
        body,
      },
      { requiredKeys: ['t', 'conv', 'id', 'body'] },
    ),
    history: fc.record(
      { t: fc.constant('history'), req: p.reqId, conv, before: seq, after: seq, limit: fc.integer({ min: 1, max: LIMITS.historyPage }) },
      { requiredKeys: ['t', 'conv'] },
    ),
    read: fc.record({ t: fc.constant('read'), conv, seq }),
    typing: fc.record({ t: fc.constant('typing'), conv }),
    leave: fc.record({ t: fc.constant('leave'), req: p.reqId, conv: conv.filter((c) => !world.convs.includes(c)) }, { requiredKeys: ['t', 'conv'] }),
    mute: fc.record({ t: fc.constant('mute'), req: p.reqId, conv, muted: fc.boolean() }, { requiredKeys: ['t', 'conv', 'muted'] }),
    block: fc.record({ t: fc.constant('block'), req: p.reqId, user, blocked: fc.boolean() }, { requiredKeys: ['t', 'user', 'blocked'] }),
    report: fc.record({ t: fc.constant('report'), req: p.reqId, conv, seq, reason: p.text }, { requiredKeys: ['t', 'conv', 'seq'] }),
    contacts: fc.record({ t: fc.constant('contacts'), req: p.reqId, q: fc.oneof(p.anyString, fc.constantFrom('%', '_', "'", '\\', '\u0000')) }, opt),
    ping: fc.record({ t: fc.constant('ping'), n: fc.oneof(fc.integer(), fc.double()) }, opt),
  };
}

type Mutation =
  | { kind: 'drop'; at: number }
  | { kind: 'add'; key: string; value: unknown }
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'deep'; at: number; depth: number; open: string }
  | { kind: 'items'; at: number; count: number }
  | { kind: 'long'; at: number; length: number; unit: string };

function mutation(p: Pools): fc.Arbitrary<Mutation> {
  const key = fc.oneof(fc.constantFrom('from', 'seq', 'at', 'html', '__proto__', 'constructor', 'v', 'hidden', 'dup'), p.key);
  // Around each limit mostly, far beyond it sometimes: big frames cost the server most of a run's time.
  const near = (limit: number, far: number) => fc.oneof({ weight: 3, arbitrary: fc.integer({ min: limit - 2, max: limit + 2 }) }, { weight: 1, arbitrary: fc.integer({ min: limit, max: far }) });
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), key, value: p.value }) },
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: p.value }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('deep' as const), at: fc.nat(), depth: near(LIMITS.frameDepth, 4_000), open: fc.constantFrom('[', '{"a":') }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('items' as const), at: fc.nat(), count: near(LIMITS.frameItems, 7_000) }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('long' as const), at: fc.nat(), length: near(LIMITS.textCodePoints, 17_000), unit: fc.constantFrom('a', 'é', '😀', '\\', '"') }),
    },
  );
}

/** Stands in a frame for a value written straight into the JSON text (deep nesting, huge arrays). */
const MARK = '\u0000fuzz-splice-';

/** A frame from the schema with mutations applied, serialised to JSON (with any spliced values). */
function mutated(frame: Record<string, unknown>, mutations: readonly Mutation[]): string {
  const o: Record<string, unknown> = { ...frame };
  const splices: string[] = [];
  const keyAt = (at: number) => {
    const keys = Object.keys(o);
    return keys.length ? keys[at % keys.length] : 't';
  };
  for (const m of mutations) {
    if (m.kind === 'drop') delete o[keyAt(m.at)];
    else if (m.kind === 'add') Object.defineProperty(o, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
    else if (m.kind === 'replace') o[keyAt(m.at)] = m.value;
    else if (m.kind === 'long') o[keyAt(m.at)] = m.unit.repeat(m.length);
    else {
      const close = m.kind === 'deep' ? (m.open === '[' ? ']' : '}') : '';
      splices.push(m.kind === 'deep' ? m.open.repeat(m.depth) + '0' + close.repeat(m.depth) : `[${'0,'.repeat(m.count)}0]`);
      o[keyAt(m.at)] = `${MARK}${splices.length - 1}`;
    }
  }
  let json = JSON.stringify(o);
  splices.forEach((s, i) => (json = json.replace(JSON.stringify(`${MARK}${i}`), s)));
  return json;
}

const textCase = (data: string): FrameCase => ({ data, binary: false, ends: false, breaksProtocol: false });

/** How a frame goes on the wire: as itself, wrapped, cut, doubled, as bytes, or drowned in size. */
function wire(json: fc.Arbitrary<string>): fc.Arbitrary<FrameCase> {
  return fc
    .oneof(
      { weight: 120, arbitrary: json.map(textCase) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(json, fc.oneof(fc.integer({ min: 1, max: LIMITS.frameDepth + 2 }), fc.integer({ min: LIMITS.frameDepth, max: 4_500 })), fc.constantFrom(['[', ']'], ['{"a":', '}'], ['{"t":"send","body":', '}']))
          .map(([j, d, [open, close]]) => textCase(open.repeat(d) + j + close.repeat(d))),
      },
      { weight: 2, arbitrary: fc.tuple(json, json, fc.constantFrom('', ' ', '\n', ',', '}{')).map(([a, b, sep]) => textCase(a + sep + b)) },
      { weight: 2, arbitrary: fc.tuple(json, fc.nat()).map(([j, cut]) => textCase(j.slice(0, cut % Math.max(1, j.length)))) },
      { weight: 2, arbitrary: json.map((j) => ({ data: Buffer.from(j), binary: true, ends: false, breaksProtocol: false })) },
      {
        weight: 2,
        arbitrary: fc.tuple(json, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([j, at, bad]) => {
          const b = Buffer.from(j);
          const i = at % (b.length + 1);
          return { data: Buffer.concat([b.subarray(0, i), Buffer.from(bad.map((x) => x | 0x80)), b.subarray(i)]), binary: true, ends: false, breaksProtocol: false };
        }),
      },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => ({ data: Buffer.from(b), binary: true, ends: false, breaksProtocol: false })) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('', ' ', 'null', 'true', '0', '"send"', '[]', '{}', '[{"t":"ping"}]', '{"t":"ping"}{"t":"ping"}', '{"t":null}', '{"t":{"t":"ping"}}', '{"__proto__":{"t":"ping"}}', '{"t":"ping","t":"send"}', '\ufeff{"t":"ping"}', 'NaN', '1e999', '"\\ud800"').map(textCase),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(json, fc.integer({ min: LIMITS.frameBytes - 64, max: LIMITS.hardFrameBytes - 64 })).map(([j, n]) => textCase(`${j.slice(0, -1)},"pad":"${'p'.repeat(n)}"}`)),
      },
      // Frames that end the socket: above the hard limit, and text frames that are not UTF-8.
      {
        weight: 1,
        arbitrary: fc.oneof(
          fc.integer({ min: LIMITS.hardFrameBytes + 1, max: LIMITS.hardFrameBytes + 4_096 }).map((n) => ({ data: 'x'.repeat(n), binary: false, ends: true, breaksProtocol: false })),
          fc.tuple(json, fc.uint8Array({ minLength: 1, maxLength: 3 })).map(([j, bad]) => ({ data: Buffer.concat([Buffer.from(j), Buffer.from([0xff, ...bad])]), binary: false, ends: true, breaksProtocol: true })),
        ),
      },
    )
    .map((c) => (Buffer.byteLength(c.data) > LIMITS.hardFrameBytes ? { ...c, ends: true } : c));
}

/**
 * Client frames built from the schema, most of them then mutated (fields
 * dropped, added or of the wrong type, huge numbers, long and hostile text,
 * unsafe URLs, deep nesting, huge arrays), and put on the wire in many ways.
 */
export function frameCase(world: FrameWorld, seed: number): fc.Arbitrary<FrameCase> {
  const p = pools(seed);
  const arbs = frameArbs(world, p);
  const valid = fc.oneof(
    { weight: 8, arbitrary: arbs.send },
    { weight: 2, arbitrary: arbs.hello },
    { weight: 3, arbitrary: arbs.history },
    { weight: 2, arbitrary: arbs.read },
    { weight: 2, arbitrary: arbs.typing },
    { weight: 1, arbitrary: arbs.leave },
    { weight: 1, arbitrary: arbs.mute },
    { weight: 1, arbitrary: arbs.block },
    { weight: 1, arbitrary: arbs.report },
    { weight: 1, arbitrary: arbs.contacts },
    { weight: 1, arbitrary: arbs.ping },
  ) as fc.Arbitrary<Record<string, unknown>>;
  const mutations = fc.oneof(fc.constant([]), fc.array(mutation(p), { minLength: 1, maxLength: 3 }));
  return wire(fc.tuple(valid, mutations).map(([frame, m]) => mutated(frame, m)));
}
