import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatCore } from '../../src/core/core.js';
import type { DirectoryPort } from '../../src/core/types.js';
import type { TokenAuthority } from '../shared/auth.js';
import { avatarSvg } from '../shared/avatars.js';
import { SAMPLE_USERS } from '../shared/sample-users.js';
import type { AdminOptions } from '../shared/admin/index.js';
import { isAdminPath, serveAdmin } from './admin-http.js';
import { describeError, isInboxPath } from './sockets.js';

export interface RouteContext {
  core: ChatCore;
  /** Profiles, for avatars and the dev sign-in page. */
  storage: DirectoryPort;
  auth: TokenAuthority;
  allowedOrigins: readonly string[];
  devTokens: boolean;
  /** The server API under /admin/v1; undefined when PIN_ADMIN_KEY is not set (then it is 404 like any unknown path). */
  admin?: AdminOptions;
  /** Open TCP connections, sockets included (for /health). */
  openConnections: () => number;
  log: (line: string) => void;
}

/** A request target, split without trusting it. */
export interface Target {
  /** As sent (still percent-encoded), without query or fragment. */
  path: string;
  query: URLSearchParams;
}

/** Longest request target served; longer ones get 414 (a token in the query is well under 1 KiB). */
export const MAX_TARGET_BYTES = 8 * 1024;

const DEV_TOKEN_TTL_SECONDS = 3600;
const READ_METHODS = ['GET', 'HEAD'];
const DEV_METHODS = ['GET', 'OPTIONS'];
const AVATAR_PATH = /^\/avatars\/([A-Za-z0-9_-]{1,64})\.svg$/;

/**
 * Splits a request target into path and query. `new URL(target, base)` throws
 * on targets a client can send (`//x:99999`, `//[`), so only the authority of
 * an absolute-form target goes through it, inside a try. Undefined: not a
 * target this server can answer (400).
 */
export function parseTarget(raw: string | undefined): Target | undefined {
  if (!raw) return undefined;
  let rest = raw;
  const absolute = /^https?:\/\/[^/?#]*/i.exec(raw);
  if (absolute) {
    try {
      new URL(absolute[0]);
    } catch {
      return undefined;
    }
    rest = raw.slice(absolute[0].length) || '/';
  }
  if (!rest.startsWith('/')) return undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const question = rest.indexOf('?');
  if (question < 0) return { path: rest, query: new URLSearchParams() };
  return { path: rest.slice(0, question), query: new URLSearchParams(rest.slice(question + 1)) };
}

/** Plain HTTP routes: health, avatars, and the dev-only token endpoints. Never throws. */
export function handleRequest(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  try {
    route(ctx, req, res);
  } catch (error) {
    failed(ctx, req, res, error);
  }
}

function route(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  if ((req.url?.length ?? 0) > MAX_TARGET_BYTES) return refuse(res, 414, 'request target too long');
  const target = parseTarget(req.url);
  if (!target) return refuse(res, 400, 'bad request target');
  const { path } = target;
  // No other route reads a body: rather than drain one (at whatever pace the client sends it), close after answering.
  const readsBody = ctx.admin !== undefined && isAdminPath(path) && req.method !== 'GET' && req.method !== 'HEAD';
  if (hasBody(req) && !readsBody) res.setHeader('Connection', 'close');
  if (ctx.admin && isAdminPath(path)) {
    serveAdmin(ctx.admin, target, req, res).catch((error: unknown) => failed(ctx, req, res, error));
    return;
  }
  if (ctx.devTokens && path.startsWith('/dev/')) {
    if (!allow(req, res, DEV_METHODS)) return;
    handleDev(ctx, target, req, res).catch((error: unknown) => failed(ctx, req, res, error));
    return;
  }
  if (path === '/health') {
    if (!allow(req, res, READ_METHODS)) return;
    return json(res, 200, { ok: true, connections: ctx.core.connections, open: ctx.openConnections() });
  }
  const avatar = AVATAR_PATH.exec(path);
  if (avatar) {
    if (!allow(req, res, READ_METHODS)) return;
    return serveAvatar(ctx, avatar[1], res);
  }
  if (isInboxPath(path)) {
    if (!allow(req, res, ['GET'])) return;
    return send(res, 426, 'text/plain', 'use a WebSocket');
  }
  send(res, 404, 'text/plain', 'not found');
}

/** Answers 500 for a route that threw; the log gets the path, never the query (it may carry a token). */
function failed(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const path = parseTarget(req.url)?.path.slice(0, 200) ?? null;
  ctx.log(`request failed method=${JSON.stringify(req.method)} path=${JSON.stringify(path)}: ${describeError(error)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  refuse(res, 500, 'internal error');
}

/** Over the server's connection cap: come back later. */
export function busy(res: ServerResponse, retryAfterSeconds: number): void {
  res.setHeader('Retry-After', String(retryAfterSeconds));
  refuse(res, 503, 'server busy');
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function allow(req: IncomingMessage, res: ServerResponse, methods: string[]): boolean {
  if (methods.includes(req.method ?? '')) return true;
  res.setHeader('Allow', methods.join(', '));
  refuse(res, 405, 'method not allowed');
  return false;
}

function serveAvatar(ctx: RouteContext, id: string, res: ServerResponse): void {
  const user = ctx.storage.getUser(id);
  if (!user) return send(res, 404, 'text/plain', 'not found');
  res.setHeader('Cache-Control', 'public, max-age=3600');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
  send(res, 200, 'image/svg+xml', avatarSvg(user.id, user.name));
}

async function handleDev(ctx: RouteContext, { path, query }: Target, req: IncomingMessage, res: ServerResponse): Promise<void> {
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
  res.setHeader('Cache-Control', 'no-store');
  if (path === '/dev/users') {
    const users = SAMPLE_USERS.map((u) => ctx.storage.getUser(u.id)).filter((u) => u !== undefined);
    return json(res, 200, { users });
  }
  if (path === '/dev/token') {
    const user = ctx.storage.getUser(query.get('user') ?? '');
    if (!user) return json(res, 404, { error: 'unknown user' });
    const token = await ctx.auth.issue(user.id, { ttlSeconds: DEV_TOKEN_TTL_SECONDS });
    return json(res, 200, { token, user, expiresIn: DEV_TOKEN_TTL_SECONDS });
  }
  json(res, 404, { error: 'not found' });
}

/**
 * An error answer that also ends the connection: a client that sent something
 * this server refuses may have more of it (an unread body) on the wire.
 */
function refuse(res: ServerResponse, status: number, text: string): void {
  res.setHeader('Connection', 'close');
  send(res, status, 'text/plain', text);
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
