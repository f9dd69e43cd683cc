import { SIGNATURE_HEADER, signatureHeader, type Signer } from './signature.js';

/** What one try of a delivery came to. */
export type PostOutcome =
  | { delivered: true; status: number }
  | { delivered: false; status?: number; error: string; retryAfterMs?: number };

/** One webhook request as a transport sends it. */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Abandon the request after this long, ms: the transport rejects with an error named `TimeoutError`. */
  timeoutMs: number;
}

/** The receiver's answer: its status, and Retry-After when it sent one. */
export interface WebhookAnswer {
  status: number;
  retryAfter: string | null;
}

/**
 * Sends one request and resolves with the answer once its body has been
 * read (or thrown away); rejects on a network error or the timeout. Never
 * follows a redirect: a 3xx is an answer like any other.
 */
export type Sender = (request: WebhookRequest) => Promise<WebhookAnswer>;

/** The portable transport: `fetch` (what a Cloudflare worker has). */
export function fetchSender(fetchImpl: typeof fetch = fetch): Sender {
  return async ({ url, headers, body, timeoutMs }) => {
    const response = await fetchImpl(url, { method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), headers, body });
    // The answer's body is of no use; reading none would hold the connection.
    await response.body?.cancel().catch(() => {});
    return { status: response.status, retryAfter: response.headers.get('retry-after') };
  };
}

/** Events in one request at most, and its body's size at most (bytes; one larger event still goes, alone). */
export interface BatchLimits {
  maxEvents: number;
  maxBytes: number;
}

export const DEFAULT_BATCH: Readonly<BatchLimits> = { maxEvents: 100, maxBytes: 256 * 1024 };

/** Header naming how many events a delivery carries. */
export const COUNT_HEADER = 'Pin-Event-Count';

/**
 * The body of a delivery: `{"events":[...]}` around the stored event texts,
 * byte for byte (no parse, no re-serialisation), in the order given.
 */
export function batchBody(events: readonly string[]): string {
  return `{"events":[${events.join(',')}]}`;
}

const ASCII = /^[\x00-\x7f]*$/;

/** Bytes of `text` in UTF-8 (no copy: a batch measures every event it takes). */
export function utf8Length(text: string): number {
  // Most events are ASCII: one native scan instead of a loop over every character.
  if (ASCII.test(text)) return text.length;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    // Two bytes up to U+07FF, three above; a surrogate pair is four for two units.
    bytes += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

/**
 * Cuts due entries (oldest first) into at most `batches` deliveries within
 * `limits`, filling each before starting the next: a lone due event goes at
 * once in a batch of one, a backlog goes in full batches.
 */
export function takeBatches<T extends { body: string }>(entries: readonly T[], limits: BatchLimits, batches: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = utf8Length(entry.body) + 1;
    if (current.length > 0 && (current.length >= limits.maxEvents || bytes + size > limits.maxBytes)) {
      out.push(current);
      if (out.length >= batches) return out;
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0 && out.length < batches) out.push(current);
  return out;
}

export interface PostSettings {
  url: string;
  secret: string;
  /** Abandon a try after this long, ms. */
  timeoutMs: number;
  /** Clock for the signature's timestamp, ms since the epoch. */
  now: () => number;
  /** HMAC of the signature; Web Crypto when left out. */
  sign?: Signer;
  /** Transport; `fetch` when left out. */
  send?: Sender;
}

/**
 * Posts recorded events as one delivery (their stored JSON, byte for byte,
 * so a retry signs and sends the same events). Only a 2xx answer delivers
 * them all; every other status, a redirect included (not followed: configure
 * the final URL), a timeout or a network error fails them all, to be retried,
 * as hosted webhook services do. Retry-After is read on 429 and 503.
 */
export async function postBatch(settings: PostSettings, events: readonly string[]): Promise<PostOutcome> {
  const body = batchBody(events);
  const signature = await signatureHeader(settings.secret, settings.now() / 1000, body, settings.sign);
  let answer: WebhookAnswer;
  try {
    answer = await (settings.send ?? defaultSender())({
      url: settings.url,
      timeoutMs: settings.timeoutMs,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'pin-messaging-webhooks/2',
        [SIGNATURE_HEADER]: signature,
        [COUNT_HEADER]: String(events.length),
      },
      body,
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { delivered: false, error: timedOut ? `timed out after ${settings.timeoutMs} ms` : describe(error) };
  }
  if (answer.status >= 200 && answer.status < 300) return { delivered: true, status: answer.status };
  const outcome: PostOutcome = { delivered: false, status: answer.status, error: `HTTP ${answer.status}` };
  if (answer.status === 429 || answer.status === 503) {
    const wait = retryAfterMs(answer.retryAfter, settings.now());
    if (wait !== undefined) outcome.retryAfterMs = wait;
  }
  return outcome;
}

let portable: Sender | undefined;
function defaultSender(): Sender {
  return (portable ??= fetchSender());
}

/** Retry-After as seconds or as an HTTP date, in ms from `now`. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
