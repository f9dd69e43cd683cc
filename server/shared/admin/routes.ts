import type { User } from '../../../src/protocol/index.js';
import openapi from '../../../docs/openapi.json' with { type: 'json' };
import { readJson } from './body.js';
import type { FollowChange } from './backend.js';
import { AdminError, jsonResponse } from './errors.js';
import { deleteBan, eraseUser, exportUser, getBan, getReport, listReports, putBan, resolveReport } from './moderation.js';
import type { Route, RouteContext } from './router.js';
import {
  BatchFollowsInput,
  BatchUserItem,
  BatchUsersInput,
  DEFAULT_PAGE,
  FollowItem,
  MAX_BATCH,
  MAX_PAGE,
  parseWith,
  ProfileInput,
  toApiUser,
  toUser,
} from './schemas.js';
import { listDeadLetters, replayDeadLetters, webhookCounts } from './webhooks.js';

/**
 * The server API's resources (paths under /admin/v1). docs/openapi.json
 * describes each; a test holds the two to each other.
 */
export const ROUTES: readonly Route[] = [
  { path: '/openapi.json', public: true, methods: { GET: async () => jsonResponse(200, openapi) } },
  { path: '/users', methods: { GET: listUsers } },
  { path: '/users/batch', methods: { POST: putUserBatch } },
  { path: '/users/{id}', methods: { GET: getUser, PUT: putUser, DELETE: eraseUser } },
  { path: '/users/{id}/export', methods: { GET: exportUser } },
  { path: '/users/{id}/ban', methods: { GET: getBan, PUT: putBan, DELETE: deleteBan } },
  { path: '/reports', methods: { GET: listReports } },
  { path: '/reports/{report}', methods: { GET: getReport } },
  { path: '/reports/{report}/resolve', methods: { POST: resolveReport } },
  { path: '/users/{id}/follows', methods: { GET: followsOf } },
  { path: '/users/{id}/blocks', methods: { GET: blocksOf } },
  { path: '/users/{follower}/follows/{followee}', methods: { PUT: (ctx) => follow(ctx, true), DELETE: (ctx) => follow(ctx, false) } },
  { path: '/follows/batch', methods: { POST: followBatch } },
  { path: '/webhooks/counts', methods: { GET: webhookCounts } },
  { path: '/webhooks/dead-letters', methods: { GET: listDeadLetters } },
  { path: '/webhooks/dead-letters/replay', methods: { POST: replayDeadLetters } },
];

async function getUser({ params, options }: RouteContext): Promise<Response> {
  return jsonResponse(200, { user: toApiUser(await known(options.backend, params.id)) });
}

/** Replaces the whole profile: what the caller leaves out (avatar, kind) is cleared. */
async function putUser({ request, params, options }: RouteContext): Promise<Response> {
  const input = parseWith(ProfileInput, await readJson(request));
  const user = toUser(params.id, input, options.allowPrivateUrls ?? false);
  const [existing] = await options.backend.getUsers([user.id]);
  await options.backend.putUsers([user]);
  return jsonResponse(200, { user: toApiUser(user), created: !existing });
}

async function putUserBatch({ request, options }: RouteContext): Promise<Response> {
  const { users: items } = parseWith(BatchUsersInput, await readJson(request));
  if (items.length > MAX_BATCH) throw tooMany('users', items.length);
  const seen = new Set<string>();
  const users = items.map((item, index): User => {
    const { id, ...profile } = parseWith(BatchUserItem, item, index);
    if (seen.has(id)) throw new AdminError(400, 'invalid_body', `item ${index}: id ${id} appears twice in the batch`, index);
    seen.add(id);
    return toUser(id, profile, options.allowPrivateUrls ?? false, index);
  });
  if (users.length) await options.backend.putUsers(users);
  return jsonResponse(200, { upserted: users.length });
}

/** A page of profiles by id; `next` is the cursor of the following page, null after the last. */
async function listUsers({ query, options }: RouteContext): Promise<Response> {
  for (const name of query.keys()) {
    if (name !== 'cursor' && name !== 'limit') throw new AdminError(400, 'invalid_query', `unknown query parameter "${name}"`);
  }
  const cursor = query.get('cursor') ?? '';
  if (cursor !== '' && !/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) throw new AdminError(400, 'invalid_query', 'cursor must be the `next` of an earlier page');
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? DEFAULT_PAGE : /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE)) throw new AdminError(400, 'invalid_query', `limit must be a whole number from 1 to ${MAX_PAGE}`);
  const users = await options.backend.listUsers(cursor, limit + 1);
  const page = users.slice(0, limit);
  return jsonResponse(200, { users: page.map(toApiUser), next: users.length > limit ? page[page.length - 1].id : null });
}

async function follow({ params, options }: RouteContext, follows: boolean): Promise<Response> {
  const change = { follower: params.follower, followee: params.followee, follows };
  await checkFollows(options.backend, [change]);
  await options.backend.setFollows([change]);
  return jsonResponse(200, change);
}

async function followBatch({ request, options }: RouteContext): Promise<Response> {
  const { changes: items } = parseWith(BatchFollowsInput, await readJson(request));
  if (items.length > MAX_BATCH) throw tooMany('changes', items.length);
  const changes = items.map((item, index) => parseWith(FollowItem, item, index));
  await checkFollows(options.backend, changes, true);
  if (changes.length) await options.backend.setFollows(changes);
  return jsonResponse(200, { applied: changes.length });
}

async function followsOf({ params, options }: RouteContext): Promise<Response> {
  await known(options.backend, params.id);
  return jsonResponse(200, { user: params.id, follows: await options.backend.followeesOf(params.id) });
}

async function blocksOf({ params, options }: RouteContext): Promise<Response> {
  await known(options.backend, params.id);
  return jsonResponse(200, { user: params.id, blocks: await options.backend.blockedBy(params.id) });
}

/** The profile of `id`, or 404: reads of someone the directory never heard of are a caller's mistake. */
async function known(backend: RouteContext['options']['backend'], id: string): Promise<User> {
  const [user] = await backend.getUsers([id]);
  if (!user) throw new AdminError(404, 'unknown_user', `no person ${id} in the directory`);
  return user;
}

/**
 * Follows name two different people who are both in the directory (upsert
 * them first): a follow of a mistyped id would otherwise be kept silently.
 */
async function checkFollows(backend: RouteContext['options']['backend'], changes: readonly FollowChange[], batch = false): Promise<void> {
  const at = (index: number) => (batch ? index : undefined);
  const prefix = (index: number) => (batch ? `item ${index}: ` : '');
  changes.forEach((c, index) => {
    if (c.follower === c.followee) throw new AdminError(400, 'invalid_body', `${prefix(index)}a person cannot follow themselves`, at(index));
  });
  const ids = [...new Set(changes.flatMap((c) => [c.follower, c.followee]))];
  const found = new Set((await backend.getUsers(ids)).map((u) => u.id));
  changes.forEach((c, index) => {
    const missing = [c.follower, c.followee].find((id) => !found.has(id));
    if (missing) throw new AdminError(404, 'unknown_user', `${prefix(index)}no person ${missing} in the directory`, at(index));
  });
}

function tooMany(field: string, count: number): AdminError {
  return new AdminError(413, 'batch_too_large', `${field} has ${count} items; at most ${MAX_BATCH} per call`);
}
