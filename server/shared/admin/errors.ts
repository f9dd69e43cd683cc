/**
 * Every answer of the server API is JSON; every refusal is
 * `{ "error": { "code", "message" } }` (plus `index` for a batch item), so a
 * caller can branch on `code` and show `message`.
 */
export type AdminErrorCode =
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'bad_json'
  | 'unsupported_media_type'
  | 'invalid_body'
  | 'invalid_id'
  | 'invalid_query'
  | 'unknown_user'
  | 'unknown_report'
  | 'unknown_event'
  | 'already_resolved'
  | 'conflict'
  | 'reserved_user'
  | 'batch_too_large'
  | 'body_too_large'
  | 'misconfigured';

/** A refusal raised anywhere below the router; nothing was written when it is thrown. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: AdminErrorCode,
    message: string,
    /** The batch item at fault. */
    readonly index?: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Headers of every answer: never cached, never sniffed, and no CORS header ever (the key must not live in a page). */
const BASE_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...BASE_HEADERS, ...headers } });
}

export function errorResponse(error: AdminError): Response {
  const body: { code: string; message: string; index?: number } = { code: error.code, message: error.message };
  if (error.index !== undefined) body.index = error.index;
  return jsonResponse(error.status, { error: body }, error.headers);
}
