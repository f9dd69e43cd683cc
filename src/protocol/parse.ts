import * as v from 'valibot';
import { ErrorCode } from './codes.js';
import { LIMITS } from './limits.js';
import { ClientFrameSchema, type ClientFrame } from './schema.js';
import { checkServerFrame, SERVER_FRAME_TYPES } from './server-check.js';
import type { ServerFrame } from './server-frames.js';

// The frame types a client may send, made on first use: a top-level Set built
// from the schemas would keep every client-frame schema in a browser bundle,
// which only ever parses server frames.
let clientTypes: Set<string> | undefined;
const typesOf = (schema: { options: readonly { entries: { t: { literal: string } } }[] }) =>
  new Set(schema.options.map((o) => o.entries.t.literal));

/** What a refused frame named, so the error can be tied to a request or a pending send. */
export interface FrameRef {
  req?: string;
  id?: string;
  conv?: string;
}

export type ParseResult<F> = { ok: true; frame: F } | { ok: false; code: ErrorCode; message: string; ref: FrameRef };

const encoder = /* @__PURE__ */ new TextEncoder();

/** Byte length of a string in UTF-8, without allocating when it is plainly small. */
export function utf8Length(s: string): number {
  return s.length * 3 <= LIMITS.frameBytes ? s.length : encoder.encode(s).length;
}

function refOf(value: unknown): FrameRef {
  if (typeof value !== 'object' || value === null) return {};
  const o = value as Record<string, unknown>;
  const ref: FrameRef = {};
  if (typeof o.req === 'string' && o.req.length <= 64) ref.req = o.req;
  if (typeof o.id === 'string' && o.id.length <= 64) ref.id = o.id;
  if (typeof o.conv === 'string' && o.conv.length <= 140) ref.conv = o.conv;
  return ref;
}

/**
 * Why a frame's nesting or breadth is beyond what any client frame needs, or
 * undefined. One pass over the raw text, before `JSON.parse` and the schema:
 * a few kilobytes of `[[[[…` or of `0,0,0,…` must cost neither a deep
 * recursion in a validator nor a large allocation.
 */
export function shapeProblem(raw: string, maxDepth: number = LIMITS.frameDepth, maxItems: number = LIMITS.frameItems): string | undefined {
  const commas: number[] = [];
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return `frames nest at most ${maxDepth} levels deep`;
      commas[depth] = 0;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c && depth > 0 && ++commas[depth] >= maxItems) {
      return `an array or object in a frame has at most ${maxItems} items`;
    }
  }
  return undefined;
}

function codeOf(issue: v.BaseIssue<unknown>): ErrorCode {
  const m = /^([a-z_]+): /.exec(issue.message);
  if (m && (m[1] === ErrorCode.TooLong || m[1] === ErrorCode.UnsafeUrl || m[1] === ErrorCode.TooManyMembers)) return m[1];
  return ErrorCode.BadFrame;
}

function describe(issue: v.BaseIssue<unknown>): string {
  if (issue.type === 'strict_object' && issue.path?.length) {
    const key = String(issue.path[issue.path.length - 1].key);
    const where = issue.path.slice(0, -1).map((p) => String(p.key)).join('.');
    return `unknown field ${JSON.stringify(key.slice(0, 40))}${where ? ` in ${where}` : ''}`;
  }
  const path = issue.path?.map((p) => String(p.key)).join('.');
  const message = issue.message.replace(/^[a-z_]+: /, '');
  return path ? `${path}: ${message}` : message;
}

/** A frame read as JSON, its type known, not yet checked against its schema. */
export type ReadResult = { ok: true; value: unknown; ref: FrameRef } | { ok: false; code: ErrorCode; message: string; ref: FrameRef };

/**
 * JSON, type and reference of a frame; size and shape are the caller's to check first when it is
 * untrusted. Codes on the client's path are written as values (see RETRYABLE_ERRORS in codes.ts).
 */
function read(raw: string, types: ReadonlySet<string>): ReadResult {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'bad_json', message: 'the frame is not valid JSON', ref: {} };
  }
  const ref = refOf(value);
  const t = typeof value === 'object' && value !== null ? (value as { t?: unknown }).t : undefined;
  if (typeof t !== 'string' || !types.has(t)) {
    return { ok: false, code: 'unknown_type', message: `unknown frame type ${JSON.stringify(t)?.slice(0, 40)}`, ref };
  }
  return { ok: true, value, ref };
}

function check<F>(value: unknown, ref: FrameRef, schema: v.GenericSchema<unknown, F>): ParseResult<F> {
  const result = v.safeParse(schema, value);
  if (result.success) return { ok: true, frame: result.output };
  const issue = result.issues[0];
  return { ok: false, code: codeOf(issue), message: describe(issue), ref };
}

/**
 * The cheap half of reading a client frame: size and shape, JSON, type, and
 * what it refers to. A server charges the sender's budget between this and
 * {@link checkClientFrame}, so a flood over budget never reaches the schema.
 */
export function readClientFrame(raw: string): ReadResult {
  if (utf8Length(raw) > LIMITS.frameBytes) {
    return { ok: false, code: ErrorCode.FrameTooLarge, message: `frames are limited to ${LIMITS.frameBytes} bytes`, ref: {} };
  }
  const problem = shapeProblem(raw);
  if (problem) return { ok: false, code: ErrorCode.TooComplex, message: problem, ref: {} };
  return read(raw, (clientTypes ??= typesOf(ClientFrameSchema)));
}

/** The schema check of a frame {@link readClientFrame} accepted. */
export function checkClientFrame(value: unknown, ref: FrameRef): ParseResult<ClientFrame> {
  return check(value, ref, ClientFrameSchema);
}

/** Parses and validates a frame a client sent. */
export function parseClientFrame(raw: string): ParseResult<ClientFrame> {
  const frame = readClientFrame(raw);
  return frame.ok ? checkClientFrame(frame.value, frame.ref) : frame;
}

/**
 * Parses a frame a server sent and checks its shape (server-check.ts, the
 * rules of ServerFrameSchema without valibot in a browser bundle). Clients
 * call this on every frame.
 */
export function parseServerFrame(raw: string): ParseResult<ServerFrame> {
  const frame = read(raw, SERVER_FRAME_TYPES);
  if (!frame.ok) return frame;
  const checked = checkServerFrame(frame.value);
  return checked.ok ? checked : { ok: false, code: 'bad_frame', message: checked.message, ref: frame.ref };
}
