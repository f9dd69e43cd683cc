import { CONVERSATION_ID, USER_ID } from '../../../src/protocol/index.js';
import { hasAdminKey, unauthorized } from './auth.js';
import type { AdminBackend } from './backend.js';
import { AdminError, errorResponse } from './errors.js';
import { REPORT_ID } from './moderation.js';
import { ROUTES } from './routes.js';

/** Where the server API lives; every route below is relative to it. */
export const ADMIN_PREFIX = '/admin/v1';

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';

export interface AdminOptions {
  /** The key callers must send; undefined turns the whole API off (404). Checked for length by the host at start. */
  key: string | undefined;
  backend: AdminBackend;
  /** Avatars may point at private hosts (as pins may, with the same setting). */
  allowPrivateUrls?: boolean;
}

export interface RouteContext {
  request: Request;
  /** Path parameters, decoded and checked against their id pattern. */
  params: Record<string, string>;
  query: URLSearchParams;
  options: AdminOptions;
}

export type Handler = (ctx: RouteContext) => Promise<Response>;

/**
 * One resource: a path under ADMIN_PREFIX whose `{name}` segments are
 * parameters (checked against PARAMS), and a handler per method. Adding an
 * operation is adding an entry to ROUTES.
 */
export interface Route {
  path: string;
  methods: Partial<Record<Method, Handler>>;
  /** Answered without the key (it holds no data). */
  public?: boolean;
}

/** What each path parameter must look like; an id that does not match is 400 before any storage is touched. */
const PARAMS: Record<string, { pattern: RegExp; what: string }> = {
  id: { pattern: USER_ID, what: 'a user id (1-64 of A-Z a-z 0-9 _ -)' },
  follower: { pattern: USER_ID, what: 'a user id (1-64 of A-Z a-z 0-9 _ -)' },
  followee: { pattern: USER_ID, what: 'a user id (1-64 of A-Z a-z 0-9 _ -)' },
  conv: { pattern: CONVERSATION_ID, what: 'a conversation id' },
  report: { pattern: REPORT_ID, what: 'a report id (r_ and 1-64 of A-Z a-z 0-9 _ -)' },
};

/**
 * Answers one request under ADMIN_PREFIX; never throws. Order: the key, then
 * the path (404), the method (405 with Allow), then the handler's own checks;
 * nothing is written unless every check passed.
 */
export async function handleAdminRequest(request: Request, options: AdminOptions): Promise<Response> {
  if (options.key === undefined) return errorResponse(new AdminError(404, 'not_found', 'not found'));
  try {
    const url = new URL(request.url);
    const found = match(url.pathname);
    if (!found?.route.public && !(await hasAdminKey(request, options.key))) throw unauthorized();
    if (!found) throw new AdminError(404, 'not_found', `no route ${url.pathname}`);
    const { route, raw } = found;
    const handler = route.methods[request.method as Method];
    if (!handler) {
      throw new AdminError(405, 'method_not_allowed', `${request.method} is not allowed here`, undefined, { Allow: Object.keys(route.methods).join(', ') });
    }
    return await handler({ request, params: checkParams(raw), query: url.searchParams, options });
  } catch (error) {
    if (error instanceof AdminError) return errorResponse(error);
    throw error;
  }
}

/** The route for `pathname`; a literal segment beats a parameter (`/users/batch` is not the person "batch"). */
export function match(pathname: string): { route: Route; raw: Record<string, string> } | undefined {
  if (!pathname.startsWith(`${ADMIN_PREFIX}/`)) return undefined;
  const segments = pathname.slice(ADMIN_PREFIX.length + 1).split('/');
  let best: { route: Route; raw: Record<string, string>; literals: number } | undefined;
  for (const route of ROUTES) {
    const parts = route.path.slice(1).split('/');
    if (parts.length !== segments.length) continue;
    const raw: Record<string, string> = {};
    let literals = 0;
    const fits = parts.every((part, i) => {
      if (part.startsWith('{')) {
        raw[part.slice(1, -1)] = segments[i];
        return segments[i] !== '';
      }
      literals++;
      return part === segments[i];
    });
    if (fits && (!best || literals > best.literals)) best = { route, raw, literals };
  }
  return best;
}

function checkParams(raw: Record<string, string>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(value);
    } catch {
      decoded = value;
    }
    const rule = PARAMS[name];
    if (!rule?.pattern.test(decoded)) throw new AdminError(400, 'invalid_id', `${name} must be ${rule?.what ?? 'an id'}`);
    params[name] = decoded;
  }
  return params;
}
