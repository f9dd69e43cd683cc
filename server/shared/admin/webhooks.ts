import * as v from 'valibot';
import type { DeadLetter } from './backend.js';
import { readJson } from './body.js';
import { AdminError, jsonResponse } from './errors.js';
import type { RouteContext } from './router.js';
import { DEFAULT_PAGE, MAX_BATCH, MAX_PAGE, parseWith } from './schemas.js';

/** A webhook event id: `evt_` and up to 64 URL-safe characters. */
export const EVENT_ID = /^evt_[A-Za-z0-9_-]{1,64}$/;

const eventId = v.pipe(v.string('an event id is a string'), v.regex(EVENT_ID, 'an event id is evt_ and 1-64 of A-Z a-z 0-9 _ -'));
/** Either the events to replay, or all of them: never all by accident of an empty body. */
export const ReplayInput = v.union(
  [v.strictObject({ ids: v.pipe(v.array(eventId, 'ids must be an array of event ids'), v.minLength(1, 'ids must name at least one event')) }), v.strictObject({ all: v.literal(true, 'all must be true') })],
  'send {"ids": [...]} or {"all": true}',
);

/** `GET /webhooks/counts`: for monitoring; zeros and `enabled: false` when webhooks are off. */
export async function webhookCounts({ options }: RouteContext): Promise<Response> {
  const hooks = options.backend.webhooks;
  const counts = hooks ? await hooks.counts() : { pending: 0, dead: 0 };
  return jsonResponse(200, { enabled: hooks !== undefined, pending: counts.pending, dead: counts.dead });
}

/** `GET /webhooks/dead-letters`: a page by event id; `next` is the cursor of the following page. */
export async function listDeadLetters({ query, options }: RouteContext): Promise<Response> {
  for (const name of query.keys()) {
    if (name !== 'cursor' && name !== 'limit') throw new AdminError(400, 'invalid_query', `unknown query parameter "${name}"`);
  }
  const cursor = query.get('cursor') ?? '';
  if (cursor !== '' && !EVENT_ID.test(cursor)) throw new AdminError(400, 'invalid_query', 'cursor must be the `next` of an earlier page');
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? DEFAULT_PAGE : /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE)) throw new AdminError(400, 'invalid_query', `limit must be a whole number from 1 to ${MAX_PAGE}`);
  const letters = (await options.backend.webhooks?.deadLetters(cursor, limit + 1)) ?? [];
  const page = letters.slice(0, limit);
  return jsonResponse(200, { deadLetters: page.map(toApi), next: letters.length > limit ? page[page.length - 1].id : null });
}

/**
 * `POST /webhooks/dead-letters/replay`: the events go back in line with a
 * fresh 24-hour horizon and their ids unchanged (a receiver's dedup still
 * works). Ids not in the dead letters (delivered, pending, unknown) are
 * named in `missing`; one id alone that is missing is a 404.
 */
export async function replayDeadLetters({ request, options }: RouteContext): Promise<Response> {
  const input = parseWith(ReplayInput, await readJson(request));
  const ids = 'ids' in input ? [...new Set(input.ids)] : undefined;
  if (ids && ids.length > MAX_BATCH) throw new AdminError(413, 'batch_too_large', `ids has ${ids.length} items; at most ${MAX_BATCH} per call`);
  const replayed = (await options.backend.webhooks?.replay(ids)) ?? [];
  const done = new Set(replayed);
  const missing = ids?.filter((id) => !done.has(id)) ?? [];
  if (ids?.length === 1 && missing.length === 1) throw new AdminError(404, 'unknown_event', `no dead letter ${ids[0]}`);
  return jsonResponse(200, { replayed: replayed.length, missing });
}

function toApi(letter: DeadLetter) {
  let event: unknown;
  try {
    event = JSON.parse(letter.body);
  } catch {
    event = letter.body;
  }
  return {
    id: letter.id,
    type: letter.type,
    createdAt: iso(letter.createdAt),
    deadAt: letter.deadAt === undefined ? null : iso(letter.deadAt),
    attempts: letter.attempts,
    lastError: letter.lastError ?? null,
    event,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
