import * as v from 'valibot';
import {
  BodySchema,
  checkHttpUrl,
  CLIENT_ID,
  CloseCode,
  ErrorCode,
  isPrivateHost,
  parseServerFrame,
  USER_ID,
} from '../../../../src/protocol/index.js';

/**
 * HTTP statuses a server may answer a stranger's request with: the routes'
 * own (200, 204, 404, 405, 426), refusals of the handshake (400, 401, 403),
 * and what an HTTP parser or a guard in front of the routes sends for input it
 * will not take (408 slow request, 413 body, 414 target, 417 an `Expect` it
 * cannot meet, 431 headers, 501 unknown method or transfer coding, 503 at
 * capacity, 505 HTTP version).
 */
export const HTTP_STATUSES: ReadonlySet<number> = new Set([200, 204, 400, 401, 403, 404, 405, 408, 413, 414, 417, 426, 431, 501, 503, 505]);

/** RFC 3986 characters of a path and query, with every `%` starting an escape. */
const STRICT_TARGET = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;
const STRICT_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

/**
 * Whether a strict HTTP parser would refuse the request before any server
 * code sees it: not one Host of a name or address and a port up to 65535, a
 * target that is not a path and query of RFC 3986 characters (raw bytes, a
 * backslash, a stray `%`, a fragment, absolute form), a body length stated
 * twice, or a transfer coding other than chunked. workerd answers these with
 * its own 500.
 */
export function strictParserRefuses(request: Buffer): boolean {
  const head = request.toString('latin1').split('\r\n\r\n')[0].split('\r\n');
  const target = head[0].split(' ')[1] ?? '';
  const named = (name: RegExp) => head.slice(1).filter((line) => name.test(line));
  const hosts = named(/^host:/i).map((line) => line.slice(5).trim());
  const host = hosts.length === 1 ? STRICT_HOST.exec(hosts[0]) : null;
  const lengths = named(/^(?:content-length|transfer-encoding)\s*:/i);
  const coding = lengths.some((line) => /^transfer-encoding\s*:/i.test(line) && !/:\s*chunked\s*$/i.test(line));
  return !host || Number(host[1] ?? 0) > 65_535 || !STRICT_TARGET.test(target) || lengths.length > 1 || coding;
}

const CLOSE_CODES: ReadonlySet<number> = new Set(Object.values(CloseCode));
const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/**
 * RFC 6455 codes the WebSocket layer itself closes with when the frames break
 * the WebSocket protocol (not the chat protocol): 1002 a malformed frame,
 * 1007 a text frame that is not UTF-8. Accepted only after such frames.
 */
export const WEBSOCKET_PROTOCOL_CLOSES: ReadonlySet<number> = new Set([1002, 1007]);

export function closeIsDocumented(code: number, brokeWebSocketProtocol = false): boolean {
  return CLOSE_CODES.has(code) || (brokeWebSocketProtocol && WEBSOCKET_PROTOCOL_CLOSES.has(code));
}

/** Why a frame the server sent is not a valid server frame with a documented code, or undefined. */
export function serverFrameProblem(raw: string): string | undefined {
  const parsed = parseServerFrame(raw);
  if (!parsed.ok) return `not a valid server frame (${parsed.code}: ${parsed.message})`;
  const frame = parsed.frame;
  if (frame.t === 'error' && !ERROR_CODES.has(frame.code)) return `undocumented error code ${JSON.stringify(frame.code)}`;
  return undefined;
}

/** A stored message row as the SQL store and the admin API give it. */
export interface StoredMessage {
  conv: string;
  seq: number;
  id: string;
  from: string;
  body: unknown;
}

/** Why a stored message should never have been stored, or undefined. */
export function storedMessageProblem(m: StoredMessage): string | undefined {
  if (!CLIENT_ID.test(m.id)) return `client id ${JSON.stringify(m.id.slice(0, 80))}`;
  if (!USER_ID.test(m.from)) return `sender ${JSON.stringify(m.from.slice(0, 80))}`;
  const body = v.safeParse(BodySchema, m.body);
  if (!body.success) return `body fails the schema: ${body.issues[0].message}`;
  if (body.output.kind === 'pin') {
    for (const raw of [body.output.pin.url, body.output.pin.image]) {
      const url = checkHttpUrl(raw);
      if (!url.ok) return `pin URL ${JSON.stringify(raw.slice(0, 80))}: ${url.problem}`;
      if (url.href !== raw) return `pin URL ${JSON.stringify(raw.slice(0, 80))} is not in its normalised form`;
      if (isPrivateHost(url.host)) return `pin URL at a private host: ${JSON.stringify(raw.slice(0, 80))}`;
    }
  }
  return undefined;
}

/** Sequence numbers of one conversation, ascending, must be 1..n without holes (I4). */
export function sequenceProblem(seqs: readonly number[]): string | undefined {
  for (let i = 0; i < seqs.length; i++) if (seqs[i] !== i + 1) return `seq ${seqs[i]} at position ${i + 1}`;
  return undefined;
}

/** A wrong answer: what was sent, and what came back. */
export interface Finding {
  phase: string;
  problem: string;
  /** The input, shown; undefined until replaying its round finds it. */
  input?: string;
  /** What the server sent, when that says more than the problem. */
  reply?: string;
}

/** A server that died, with the one input that killed it when replaying the round found it. */
export interface Crash {
  phase: string;
  death: string;
  culprit?: string;
}

/** Shows an input in a report: escaped, and cut to its first `max` characters. */
export function show(input: string | Uint8Array, max = 240): string {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const head = JSON.stringify(text.slice(0, max));
  return text.length > max ? `${head}... (${text.length} chars)` : head;
}

/** Problems that differ only in their numbers are one kind of problem. */
export const kindOf = (problem: string): string => problem.replace(/\d+/g, 'N').slice(0, 80);

/** Findings and crashes of a run, reported together at the end. */
export class Report {
  readonly findings: Finding[] = [];
  readonly crashes: Crash[] = [];
  /** Distinct problems are kept once each, with the first input that showed them. */
  private readonly seen = new Map<string, number>();

  /** Records a wrong answer; `input` undefined when the input is not known yet (a reply in a batch). */
  find(phase: string, problem: string, input?: string | Uint8Array, reply?: string): void {
    const key = `${phase}: ${kindOf(problem)}`;
    const count = this.seen.get(key) ?? 0;
    this.seen.set(key, count + 1);
    if (count === 0) this.findings.push({ phase, problem, input: input === undefined ? undefined : show(input), reply });
  }

  /** What the server answered, counted by kind (status, close code, frame type or error code), to show what a run reached. */
  readonly answers = new Map<string, number>();

  count(kind: string): void {
    this.answers.set(kind, (this.answers.get(kind) ?? 0) + 1);
  }

  /** The answers of one phase, most frequent first. */
  tally(phase: string): string {
    return [...this.answers]
      .filter(([k]) => k.startsWith(`${phase} `))
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k.slice(phase.length + 1)} ${n}`)
      .join(', ');
  }

  crash(crash: Crash): void {
    this.crashes.push(crash);
  }

  /** The findings and crashes of one phase. */
  only(phase: string): Report {
    const own = new Report();
    own.crashes.push(...this.crashes.filter((c) => c.phase === phase));
    own.findings.push(...this.findings.filter((f) => f.phase === phase));
    for (const [key, count] of this.seen) if (key.startsWith(`${phase}: `)) own.seen.set(key, count);
    return own;
  }

  get failed(): boolean {
    return this.findings.length > 0 || this.crashes.length > 0;
  }

  describe(): string {
    const lines: string[] = [];
    for (const c of this.crashes) {
      lines.push(`CRASH in ${c.phase}: ${c.death}`);
      lines.push(`  input: ${c.culprit ?? '(replaying the round one input at a time did not kill it again)'}`);
    }
    for (const f of this.findings) {
      lines.push(`${f.phase}: ${f.problem} (x${this.seen.get(`${f.phase}: ${kindOf(f.problem)}`)})`);
      lines.push(`  input: ${f.input ?? '(sent in a batch; replaying the batch one input at a time did not show it again)'}`);
      if (f.reply) lines.push(`  reply: ${f.reply}`);
    }
    return lines.join('\n');
  }
}
