import type { Lobby } from 'partyserver';
import { CloseCode } from '../../../src/protocol/index.js';
import { TokenAuthority, type Verdict } from '../../node/auth.js';
import { DEFAULT_CLAIM, flag, originsOf, type Env } from './env.js';
import { encodeClaims, PROFILE_HEADER } from './wire.js';

let authority: { secret: string; auth: TokenAuthority } | undefined;

/** The token checker for this isolate's settings (built once). */
export function authOf(env: Env): TokenAuthority | undefined {
  const secret = env.PIN_AUTH_SECRET;
  if (!secret || secret.length < 32) return undefined;
  if (authority?.secret !== secret) {
    authority = { secret, auth: new TokenAuthority(secret, env.PIN_ISSUER || DEFAULT_CLAIM, env.PIN_AUDIENCE || DEFAULT_CLAIM) };
  }
  return authority.auth;
}

/**
 * partyserver's `onBeforeConnect`: Origin, token and room are checked in the
 * worker, before any object is reached. A refused socket is still accepted
 * and then closed with a 4xxx code, so the client can tell "refused" from
 * "network down". The object gets the request without the token (it would
 * otherwise be kept in the socket's attachment) and with the verified
 * profile claims.
 */
export async function admit(request: Request, lobby: Lobby<Env>, env: Env): Promise<Request | Response> {
  const verdict = await check(request, lobby.name, env);
  if (!verdict.ok) {
    console.info(`refused code=${verdict.code} reason=${verdict.reason} origin=${JSON.stringify(request.headers.get('Origin'))}`);
    return refuse(verdict.code, verdict.reason);
  }
  const url = new URL(request.url);
  url.searchParams.delete('token');
  // The socket id is made by the object, not taken from the client.
  url.searchParams.delete('_pk');
  const forwarded = new Request(url, request);
  forwarded.headers.set(PROFILE_HEADER, encodeClaims(verdict.profile));
  return forwarded;
}

async function check(request: Request, room: string, env: Env): Promise<Verdict> {
  const origin = request.headers.get('Origin');
  if (origin === null ? !flag(env.PIN_ALLOW_NO_ORIGIN) : !originsOf(env).includes(origin)) {
    return { ok: false, code: CloseCode.ForbiddenOrigin, reason: 'origin not allowed' };
  }
  const auth = authOf(env);
  if (!auth) return { ok: false, code: CloseCode.ServerError, reason: 'server not configured' };
  const verdict = await auth.verify(new URL(request.url).searchParams.get('token'));
  if (!verdict.ok) return verdict;
  // The raw room must be the user id itself: an encoded spelling would name another object.
  if (room !== verdict.user) return { ok: false, code: CloseCode.WrongRoom, reason: 'room is not the token subject' };
  return verdict;
}

function refuse(code: number, reason: string): Response {
  const [client, server] = Object.values(new WebSocketPair());
  server.accept();
  server.close(code, reason);
  return new Response(null, { status: 101, webSocket: client });
}
