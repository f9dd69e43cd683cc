import type { Lobby } from 'partyserver';
import { CloseCode } from '../../../src/protocol/index.js';
import { authSecretsOf, TokenAuthority, type Verdict } from '../../shared/auth.js';
import { DEFAULT_CLAIM, flag, originsOf, tokenLimitsOf, type Env } from './env.js';
import { encodeClaims, PROFILE_HEADER } from './wire.js';

let authority: { settings: string; auth: TokenAuthority | undefined } | undefined;

/**
 * The token checker for this isolate's settings (built once): signs with
 * PIN_AUTH_SECRET, also accepts PIN_AUTH_SECRETS_PREVIOUS. Undefined, and
 * logged once, when they are missing or a secret is too short.
 */
export function authOf(env: Env): TokenAuthority | undefined {
  const settings = `${env.PIN_AUTH_SECRET ?? ''}\n${env.PIN_AUTH_SECRETS_PREVIOUS ?? ''}`;
  if (authority?.settings !== settings) {
    let auth: TokenAuthority | undefined;
    try {
      const secrets = authSecretsOf(env.PIN_AUTH_SECRET, env.PIN_AUTH_SECRETS_PREVIOUS);
      if (secrets.length > 0) auth = new TokenAuthority(secrets, env.PIN_ISSUER || DEFAULT_CLAIM, env.PIN_AUDIENCE || DEFAULT_CLAIM, tokenLimitsOf(env));
    } catch (error) {
      console.error(`token secrets refused: ${(error as Error).message}`);
    }
    authority = { settings, auth };
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

/** Refused sockets of this isolate whose closing handshake the client has not finished. */
let closing = 0;
/**
 * Past this many, refusals are plain HTTP answers. A refused socket is
 * released once the client answers its Close frame, which every browser and
 * WebSocket library does at once; a client that keeps sending data instead
 * holds the connection open, and the runtime has no call that drops it.
 */
const MAX_CLOSING = 200;

/** Why a request cannot be a WebSocket upgrade (RFC 6455 4.2.1), or undefined when it can. */
export function upgradeProblem(request: Request): string | undefined {
  if (request.method !== 'GET') return 'a WebSocket upgrade is a GET';
  const version = request.headers.get('Sec-WebSocket-Version');
  if (version !== null && version.trim() !== '13') return 'only WebSocket version 13 is supported';
  const key = request.headers.get('Sec-WebSocket-Key');
  // 16 random bytes in base64. The runtime checks it when the header reaches the
  // worker at all; a malformed one must not get as far as an object.
  if (key !== null && !/^[A-Za-z0-9+/]{22}==$/.test(key.trim())) return 'malformed Sec-WebSocket-Key';
  return undefined;
}

function refuse(code: number, reason: string): Response {
  if (closing >= MAX_CLOSING) {
    return new Response(JSON.stringify({ error: reason }), { status: 403, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
  }
  const [client, server] = Object.values(new WebSocketPair());
  server.accept();
  closing++;
  let done = false;
  const finish = () => {
    if (!done) closing--;
    done = true;
  };
  // Data the client sends instead of its Close frame is dropped unread.
  server.addEventListener('close', finish);
  server.addEventListener('error', finish);
  server.close(code, reason);
  return new Response(null, { status: 101, webSocket: client });
}
