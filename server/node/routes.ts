import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatCore } from '../core/core.js';
import type { ChatStorage } from '../core/types.js';
import type { TokenAuthority } from './auth.js';
import { avatarSvg } from './avatars.js';
import { SAMPLE_USERS } from './sample-users.js';
import { isInboxPath } from './sockets.js';

export interface RouteContext {
  core: ChatCore;
  storage: ChatStorage;
  auth: TokenAuthority;
  allowedOrigins: readonly string[];
  devTokens: boolean;
}

const DEV_TOKEN_TTL_SECONDS = 3600;

/** Plain HTTP routes: health, avatars, and the dev-only token endpoints. */
export function handleRequest(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (ctx.devTokens && path.startsWith('/dev/')) {
    handleDev(ctx, url, req, res).catch(() => send(res, 500, 'text/plain', 'internal error'));
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed');
  if (path === '/health') return json(res, 200, { ok: true, connections: ctx.core.connections });
  const avatar = /^\/avatars\/([A-Za-z0-9_-]{1,64})\.svg$/.exec(path);
  if (avatar) return serveAvatar(ctx, avatar[1], res);
  if (isInboxPath(path)) return send(res, 426, 'text/plain', 'use a WebSocket');
  send(res, 404, 'text/plain', 'not found');
}

function serveAvatar(ctx: RouteContext, id: string, res: ServerResponse): void {
  const user = ctx.storage.getUser(id);
  if (!user) return send(res, 404, 'text/plain', 'not found');
  res.setHeader('Cache-Control', 'public, max-age=3600');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
  send(res, 200, 'image/svg+xml', avatarSvg(user.id, user.name));
}

async function handleDev(ctx: RouteContext, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const origin = req.headers.origin;
  if (origin !== undefined && ctx.allowedOrigins.includes(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
  }
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET');
    res.setHeader('Access-Control-Max-Age', '600');
    return send(res, 204, 'text/plain', '');
  }
  if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed');
  res.setHeader('Cache-Control', 'no-store');
  if (url.pathname === '/dev/users') {
    const users = SAMPLE_USERS.map((u) => ctx.storage.getUser(u.id)).filter((u) => u !== undefined);
    return json(res, 200, { users });
  }
  if (url.pathname === '/dev/token') {
    const user = ctx.storage.getUser(url.searchParams.get('user') ?? '');
    if (!user) return json(res, 404, { error: 'unknown user' });
    const token = await ctx.auth.issue(user.id, { ttlSeconds: DEV_TOKEN_TTL_SECONDS });
    return json(res, 200, { token, user, expiresIn: DEV_TOKEN_TTL_SECONDS });
  }
  json(res, 404, { error: 'not found' });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
