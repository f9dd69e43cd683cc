import { CONVERSATION_ID, USER_ID } from '../../../src/protocol/index.js';
import { MemoryStorage } from '../../../src/core/memory-storage.js';
import { avatarSvg } from '../../shared/avatars.js';
import { SAMPLE_USERS, seedSampleUsers } from '../../shared/sample-users.js';
import { adminKeyProblem, handleAdminRequest, ADMIN_PREFIX } from '../../shared/admin/index.js';
import { objectsAdminBackend } from './admin-backend.js';
import { adminKeyOf, conversationOf, directoryOf, flag, inboxOf, originsOf, type Env } from './env.js';
import { authOf } from './handshake.js';

const DEV_TOKEN_TTL_SECONDS = 3600;
const AVATAR = /^\/avatars\/([A-Za-z0-9_-]{1,64})\.svg$/;
/** Most messages one admin read returns. */
const ADMIN_PAGE = 10_000;

/** A query parameter the caller got wrong: answered with 400 and what was wrong. */
class BadParam extends Error {}

/** Plain HTTP: health, avatars, the dev-only token routes and the admin API. */
export async function handleHttp(request: Request, env: Env, url: URL): Promise<Response> {
  const path = url.pathname;
  if (flag(env.PIN_DEV) && path.startsWith('/dev/')) return handleDev(request, env, url);
  if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) return serverApi(request, env);
  if (path.startsWith('/admin/')) return handleAdmin(request, env, url);
  if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed');
  if (path === '/health') return json(200, { ok: true });
  const avatar = AVATAR.exec(path);
  if (avatar) {
    const [user] = await directoryOf(env).get([avatar[1]]);
    if (!user) return text(404, 'not found');
    return new Response(avatarSvg(user.id, user.name), {
      headers: {
        'Content-Type': 'image/svg+xml',
        'Cache-Control': 'public, max-age=3600',
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
        'X-Content-Type-Options': 'nosniff',
      },
    });
  }
  return text(404, 'not found');
}

async function handleDev(request: Request, env: Env, url: URL): Promise<Response> {
  const headers = new Headers({ 'Cache-Control': 'no-store' });
  const origin = request.headers.get('Origin');
  if (origin !== null && originsOf(env).includes(origin)) {
    headers.set('Access-Control-Allow-Origin', origin);
    headers.set('Vary', 'Origin');
  }
  if (request.method === 'OPTIONS') {
    headers.set('Access-Control-Allow-Methods', 'GET');
    headers.set('Access-Control-Max-Age', '600');
    return new Response(null, { status: 204, headers });
  }
  if (request.method !== 'GET') return text(405, 'method not allowed');
  if (url.pathname === '/dev/users') return json(200, { users: await seed(env, url.origin) }, headers);
  if (url.pathname === '/dev/token') {
    const auth = authOf(env);
    if (!auth) return json(500, { error: 'PIN_AUTH_SECRET is not set' }, headers);
    const [user] = await directoryOf(env).get([url.searchParams.get('user') ?? '']);
    if (!user) return json(404, { error: 'unknown user' }, headers);
    const token = await auth.issue(user.id, { ttlSeconds: DEV_TOKEN_TTL_SECONDS });
    return json(200, { token, user, expiresIn: DEV_TOKEN_TTL_SECONDS }, headers);
  }
  return json(404, { error: 'not found' }, headers);
}

/** Puts the sample people in the directory and, once, their follows in their inboxes. */
async function seed(env: Env, baseUrl: string) {
  const sample = new MemoryStorage();
  seedSampleUsers(sample, baseUrl);
  const users = SAMPLE_USERS.map((u) => sample.getUser(u.id)!);
  const directory = directoryOf(env);
  await Promise.all(users.map((user) => directory.put(user)));
  if (!(await directory.seeded())) {
    const pairs = users.flatMap((a) => users.filter((b) => sample.follows(a.id, b.id)).map((b) => [a.id, b.id] as const));
    await Promise.all(pairs.flatMap(([a, b]) => [inboxOf(env, a).setFollow(a, b, true), inboxOf(env, b).setFollow(a, b, true)]));
    await directory.markSeeded();
  }
  return users;
}

/**
 * The server API (server/shared/admin) over the objects. A worker cannot
 * refuse to start, so a key too short to be safe turns the API off loudly:
 * every call answers 500 saying why, until the key is fixed.
 */
async function serverApi(request: Request, env: Env): Promise<Response> {
  const key = adminKeyOf(env);
  const problem = key === undefined ? undefined : adminKeyProblem(key);
  if (problem) {
    console.error(`[pin-messaging] ${problem}: the server API is off`);
    return json(500, { error: { code: 'misconfigured', message: `${problem}; the server API is off` } });
  }
  return handleAdminRequest(request, { key, backend: objectsAdminBackend(env), allowPrivateUrls: flag(env.PIN_ALLOW_PRIVATE_URLS) });
}

/**
 * The first admin routes, kept because they are documented: follows (the
 * mutual-follow policy reads them), revocation, and reads for moderation.
 * `Authorization: Bearer <PIN_ADMIN_KEY>` (or the deprecated
 * PIN_ADMIN_SECRET's value, of any length, as before). Off unless a key is set.
 */
async function handleAdmin(request: Request, env: Env, url: URL): Promise<Response> {
  const given = request.headers.get('Authorization') ?? '';
  const keys = [env.PIN_ADMIN_KEY, env.PIN_ADMIN_SECRET].filter((k): k is string => !!k);
  const checks = await Promise.all(keys.map((key) => sameSecret(given, `Bearer ${key}`)));
  if (!checks.includes(true)) return text(404, 'not found');
  try {
    return await admin(request, env, url);
  } catch (error) {
    if (error instanceof BadParam) return json(400, { error: error.message });
    throw error;
  }
}

async function admin(request: Request, env: Env, url: URL): Promise<Response> {
  const params = url.searchParams;
  const post = request.method === 'POST';
  switch (url.pathname) {
    case '/admin/follow': {
      if (!post) break;
      const follower = id(params, 'follower', USER_ID);
      const followee = id(params, 'followee', USER_ID);
      if (follower === followee) throw new BadParam('follower and followee must differ');
      const follows = flagParam(params, 'follows', true);
      await Promise.all([
        inboxOf(env, follower).setFollow(follower, followee, follows),
        inboxOf(env, followee).setFollow(follower, followee, follows),
      ]);
      return json(200, { ok: true });
    }
    case '/admin/revoke':
      if (!post) break;
      return json(200, { closed: await inboxOf(env, id(params, 'user', USER_ID)).revoke() });
    case '/admin/user': {
      const [user] = await directoryOf(env).get([id(params, 'id', USER_ID)]);
      return user ? json(200, user) : json(404, { error: 'unknown user' });
    }
    case '/admin/messages': {
      const conv = id(params, 'conv', CONVERSATION_ID);
      const after = integer(params, 'after', 0, Number.MAX_SAFE_INTEGER, 0);
      const limit = integer(params, 'limit', 1, ADMIN_PAGE, 200);
      return json(200, await conversationOf(env, conv).messages(after, limit));
    }
    case '/admin/reports':
      return json(200, await conversationOf(env, id(params, 'conv', CONVERSATION_ID)).reports());
    default:
      return json(404, { error: 'not found' });
  }
  return text(405, 'method not allowed');
}

/** A required id: every object is named by one, so nothing else may reach `idFromName`. */
function id(params: URLSearchParams, name: string, pattern: RegExp): string {
  const value = params.get(name);
  if (value === null || !pattern.test(value)) throw new BadParam(`${name} must be a valid id`);
  return value;
}

/** An optional whole number in [min, max]. */
function integer(params: URLSearchParams, name: string, min: number, max: number, fallback: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new BadParam(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

function flagParam(params: URLSearchParams, name: string, fallback: boolean): boolean {
  const raw = params.get(name);
  if (raw === null) return fallback;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new BadParam(`${name} must be 1 or 0`);
}

async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([given, expected].map((s) => crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))));
  return crypto.subtle.timingSafeEqual(a, b);
}

export function json(status: number, body: unknown, headers = new Headers()): Response {
  headers.set('Content-Type', 'application/json; charset=utf-8');
  headers.set('X-Content-Type-Options', 'nosniff');
  return new Response(JSON.stringify(body), { status, headers });
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'Content-Type': 'text/plain', 'X-Content-Type-Options': 'nosniff' } });
}
