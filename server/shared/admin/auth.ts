import { AdminError } from './errors.js';

/** Shortest key accepted: a key short enough to guess would open every profile and follow. */
export const MIN_ADMIN_KEY_LENGTH = 32;

/** Why `key` cannot be the server API's key, or undefined when it can. */
export function adminKeyProblem(key: string): string | undefined {
  if (key.length < MIN_ADMIN_KEY_LENGTH) return `PIN_ADMIN_KEY must be at least ${MIN_ADMIN_KEY_LENGTH} characters`;
  return undefined;
}

/**
 * Whether the request's `Authorization: Bearer <key>` carries `key`. Both
 * sides are hashed first, so the comparison takes the same time whatever the
 * length or the first differing byte of the guess. A person's socket token is
 * only ever compared here like any other wrong key.
 */
export async function hasAdminKey(request: Request, key: string): Promise<boolean> {
  const given = /^Bearer +(\S+) *$/i.exec(request.headers.get('Authorization') ?? '')?.[1] ?? '';
  const [a, b] = await Promise.all([digest(given), digest(key)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0 && given.length > 0;
}

export function unauthorized(): AdminError {
  return new AdminError(401, 'unauthorized', 'send the server API key as Authorization: Bearer <PIN_ADMIN_KEY>', undefined, {
    'WWW-Authenticate': 'Bearer',
  });
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}
