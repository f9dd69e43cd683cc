import type { ServerFrame } from './server-frames.js';

// The client's run-time shape check of server frames: the schemas of
// server-frames.ts written again with a few small checks, because valibot's
// general machinery cost the heads' bundle 1.7 kB gzipped and this costs about
// a third of that. Same rules as those schemas: types and required fields,
// unknown fields left out, the same first issue and the same message
// (test/node/protocol/server-check.test.ts compares the two on every frame
// type and on mutations of each).

type Path = readonly (string | number)[];
/** Returns what the frame keeps of a value, or throws the first issue as [path, message]. */
type Check = ((value: any, path: Path) => unknown) & { optional?: true };
type Shape = Record<string, Check>;

/** How valibot names a received value in its messages. */
const named = (x: unknown): string =>
  typeof x === 'string' ? `"${x}"` : x && typeof x === 'object' ? (Object.getPrototypeOf(x)?.constructor?.name ?? 'null') : `${x}`;

const fail = (path: Path, expected: string, x: unknown, what = 'type'): never => {
  throw [path, `Invalid ${what}: Expected ${expected} but received ${named(x)}`];
};

const anyOf = (values: unknown[]): string => (values.length > 1 ? `(${values.map(named).join(' | ')})` : named(values[0]));

const isObject = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object';

/** `typeof` is `name` (and not NaN). */
const type =
  (name: string): Check =>
  (x, p) =>
    typeof x === name && x === x ? x : fail(p, name, x);

const oneOf =
  (...values: unknown[]): Check =>
  (x, p) =>
    values.includes(x) ? x : fail(p, anyOf(values), x);

const optional = (check: Check): Check => Object.assign((x: unknown, p: Path) => (x === undefined ? x : check(x, p)), { optional: true as const });

const array =
  (item: Check): Check =>
  (x, p) =>
    Array.isArray(x) ? x.map((e, i) => item(e, [...p, i])) : fail(p, 'Array', x);

const record =
  (item: Check): Check =>
  (x, p) => {
    const out: Record<string, unknown> = {};
    if (!isObject(x)) fail(p, 'Object', x);
    for (const k in x) {
      if (Object.hasOwn(x, k) && k !== '__proto__' && k !== 'prototype' && k !== 'constructor') out[k] = item(x[k], [...p, k]);
    }
    return out;
  };

/** The shape's fields, in its order; unknown fields are left out. */
const fields = (shape: Shape, x: Record<string, unknown>, p: Path, out: Record<string, unknown> = {}) => {
  for (const k in shape) {
    if (k in x) out[k] = shape[k](x[k], [...p, k]);
    else if (!shape[k].optional) fail([...p, k], `"${k}"`, undefined, 'key');
  }
  return out;
};

const object =
  (shape: Shape): Check =>
  (x, p) =>
    isObject(x) ? fields(shape, x, p) : fail(p, 'Object', x);

/** One of several shapes, told apart by the string at `key`. */
const variant = (key: string, options: Record<string, Shape>): Check => {
  const shapes = new Map(Object.entries(options));
  return (x, p) => {
    if (!isObject(x)) fail(p, 'Object', x);
    const shape = shapes.get(x[key] as string);
    return shape ? fields(shape, x, p, { [key]: x[key] }) : fail([...p, key], anyOf([...shapes.keys()]), x[key]);
  };
};

const string = type('string');
const number = type('number');
const boolean = type('boolean');
const optionalString = optional(string);

const user = object({ id: string, name: string, avatar: optionalString, brand: optional(boolean) });
const users = array(user);

const message = object({
  seq: number,
  id: string,
  from: string,
  at: number,
  body: variant('kind', {
    text: { text: string },
    pin: { pin: object({ url: string, image: string, title: string, description: optionalString, domain: string }), note: optionalString },
  }),
  hidden: optional(oneOf('blocked', 'deleted')),
});

const conversation = object({
  id: string,
  kind: oneOf('direct', 'group'),
  members: array(string),
  title: optionalString,
  createdBy: string,
  createdAt: number,
  lastSeq: number,
  last: optional(message),
  unread: number,
  muted: boolean,
  reads: record(number),
});

/** Each frame type's fields besides `t`. */
const FRAMES: Record<string, Shape> = {
  welcome: { v: oneOf(1), me: user, conversations: array(conversation), users, blocked: array(string) },
  conv: { conv: conversation, users: optional(users) },
  gone: { conv: string },
  msg: { conv: string, m: message },
  deleted: { conv: string, seq: number, m: message },
  ack: { conv: string, id: string, seq: number, at: number, dup: optional(boolean) },
  history: { req: optionalString, conv: string, messages: array(message), hasMore: boolean },
  read: { conv: string, user: string, seq: number },
  typing: { conv: string, user: string },
  contacts: { req: optionalString, users },
  blocked: { user: string, blocked: boolean },
  ok: { req: string },
  error: { code: string, message: string, req: optionalString, conv: optionalString, id: optionalString, retryAfter: optional(number) },
  pong: { n: optional(number) },
};

/** The frame types a server sends. */
export const SERVER_FRAME_TYPES: ReadonlySet<string> = new Set(Object.keys(FRAMES));

const frame = variant('t', FRAMES);

/**
 * Checks the shape of a frame read from JSON whose `t` is one of
 * {@link SERVER_FRAME_TYPES}: the frame with only its known fields, or why not
 * ("path.to.field: message").
 */
export function checkServerFrame(value: unknown): { ok: true; frame: ServerFrame } | { ok: false; message: string } {
  try {
    return { ok: true, frame: frame(value, []) as ServerFrame };
  } catch (issue) {
    const [path, message] = issue as [Path, string];
    return { ok: false, message: path.length ? `${path.join('.')}: ${message}` : message };
  }
}
