import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

/** What one try of a delivery came to. */
export type PostOutcome =
  | { delivered: true; status: number }
  | { delivered: false; status?: number; error: string; retryAfterMs?: number };

export interface PostSettings {
  url: string;
  secret: string;
  /** Abandon a try after this long, ms. */
  timeoutMs: number;
  /** Clock for the signature's timestamp, ms since the epoch. */
  now: () => number;
  fetch?: typeof fetch;
}

/**
 * Posts one recorded event (its stored JSON, byte for byte, so a retry signs
 * and sends the same body). Only a 2xx answer delivers; every other status,
 * a redirect included (not followed: configure the final URL), a timeout or a
 * network error is a failure to retry, as hosted webhook services do.
 * Retry-After is read on 429 and 503.
 */
export async function postEvent(settings: PostSettings, id: string, type: string, body: string): Promise<PostOutcome> {
  const signature = await signatureHeader(settings.secret, settings.now() / 1000, body);
  let response: Response;
  try {
    response = await (settings.fetch ?? fetch)(settings.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(settings.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'pin-messaging-webhooks/1',
        [SIGNATURE_HEADER]: signature,
        'Pin-Event-Id': id,
        'Pin-Event-Type': type,
      },
      body,
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { delivered: false, error: timedOut ? `timed out after ${settings.timeoutMs} ms` : describe(error) };
  }
  // The answer's body is of no use; reading none would hold the connection.
  await response.body?.cancel().catch(() => {});
  if (response.status >= 200 && response.status < 300) return { delivered: true, status: response.status };
  const outcome: PostOutcome = { delivered: false, status: response.status, error: `HTTP ${response.status}` };
  if (response.status === 429 || response.status === 503) {
    const wait = retryAfterMs(response.headers.get('retry-after'), settings.now());
    if (wait !== undefined) outcome.retryAfterMs = wait;
  }
  return outcome;
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
