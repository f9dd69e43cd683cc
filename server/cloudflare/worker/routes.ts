import { MemoryStorage } from '../../core/memory-storage.js';
import { avatarSvg } from '../../node/avatars.js';
import { SAMPLE_USERS, seedSampleUsers } from '../../node/sample-users.js';
import { conversationOf, directoryOf, flag, inboxOf, originsOf, type Env } from './env.js';
import { authOf } from './handshake.js';

const DEV_TOKEN_TTL_SECONDS = 3600;
const AVATAR = /^\/avatars\/([A-Za-z0-9_-]{1,64})\.svg$/;

/** Plain HTTP: health, avatars, the dev-only token routes and the admin API. */
export async function handleHttp(request: Request, env: Env, url: URL): Promise<Response> {
  const path = url.pathname;
  if (flag(env.PIN_DEV) && path.startsWith('/dev/')) return handleDev(request, env, url);
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
 * For the site's own back end, with `Authorization: Bearer <PIN_ADMIN_SECRET>`:
 * follows (the mutual-follow policy reads them), revocation, and reads for
 * moderation. Off unless the secret is set.
 */
async function handleAdmin(request: Request, env: Env, url: URL): Promise<Response> {
  if (!env.PIN_ADMIN_SECRET || !(await sameSecret(request.headers.get('Authorization') ?? '', `Bearer ${env.PIN_ADMIN_SECRET}`))) {
    return text(404, 'not found');
  }
  const q = (name: string) => url.searchParams.get(name) ?? '';
  const post = request.method === 'POST';
  switch (url.pathname) {
    case '/admin/follow':
      if (!post) break;
      await Promise.all([
        inboxOf(env, q('follower')).setFollow(q('follower'), q('followee'), q('follows') !== '0'),
        inboxOf(env, q('followee')).setFollow(q('follower'), q('followee'), q('follows') !== '0'),
      ]);
      return json(200, { ok: true });
    case '/admin/revoke':
      if (!post) break;
      return json(200, { closed: await inboxOf(env, q('user')).revoke() });
    case '/admin/user': {
      const [user] = await directoryOf(env).get([q('id')]);
      return user ? json(200, user) : json(404, { error: 'unknown user' });
    }
    case '/admin/messages':
      return json(200, await conversationOf(env, q('conv')).messages(Number(q('after')) || 0, Math.min(Number(q('limit')) || 200, 10_000)));
    case '/admin/reports':
      return json(200, await conversationOf(env, q('conv')).reports());
  }
  return text(405, 'method not allowed');
}

async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([given, expected].map((s) => crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))));
  return crypto.subtle.timingSafeEqual(a, b);
}

function json(status: number, body: unknown, headers = new Headers()): Response {
  headers.set('Content-Type', 'application/json; charset=utf-8');
  headers.set('X-Content-Type-Options', 'nosniff');
  return new Response(JSON.stringify(body), { status, headers });
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'Content-Type': 'text/plain', 'X-Content-Type-Options': 'nosniff' } });
}
