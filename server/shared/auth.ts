import { decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { CloseCode, DELETED_USER, USER_ID } from '../../src/protocol/index.js';
import type { ProfileClaims } from '../../src/core/views.js';

/** Profile claims a token may carry, plus its lifetime for issuing. */
export interface TokenClaims extends ProfileClaims {
  /** Seconds until expiry (default 3600); negative makes an expired token (tests). */
  ttlSeconds?: number;
}

export type Verdict =
  | { ok: true; user: string; profile: ProfileClaims }
  | { ok: false; code: number; reason: string };

/** How far a token's times are trusted. */
export interface TokenLimits {
  /** Longest lifetime accepted, from `iat` (or now, without one) to `exp`, in seconds. Default 24 hours. */
  maxLifetimeSeconds?: number;
  /** Clock difference tolerated for `exp`, `nbf` and `iat`, in seconds. Default 60. */
  clockSkewSeconds?: number;
}

export const DEFAULT_TOKEN_LIMITS: Readonly<Required<TokenLimits>> = { maxLifetimeSeconds: 86_400, clockSkewSeconds: 60 };

/** One HS256 secret, or several newest first: the first signs, every one verifies (rotation). */
export type AuthSecret = string | Uint8Array | readonly (string | Uint8Array)[];

/** Shortest secret accepted, in bytes (RFC 7518 3.2: a key at least as long as the hash). */
const MIN_SECRET_BYTES = 32;

/**
 * The secrets of the `PIN_AUTH_SECRET` setting (the newest, taken whole as
 * before) and `PIN_AUTH_SECRETS_PREVIOUS` (comma-separated, newest first,
 * still accepted while their tokens run out), newest first. A short secret is
 * named by its setting and position, never by its value.
 */
export function authSecretsOf(current: string | undefined, previous: string | undefined): string[] {
  const older = (previous ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!current) {
    if (older.length > 0) throw new Error('PIN_AUTH_SECRETS_PREVIOUS is set but PIN_AUTH_SECRET is not: the newest secret signs');
    return [];
  }
  if (bytesOf(current).length < MIN_SECRET_BYTES) throw new Error(`PIN_AUTH_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
  older.forEach((secret, i) => {
    if (bytesOf(secret).length < MIN_SECRET_BYTES) {
      throw new Error(`PIN_AUTH_SECRETS_PREVIOUS: secret ${i + 1} of ${older.length} is shorter than ${MIN_SECRET_BYTES} bytes`);
    }
  });
  return [current, ...older];
}

/**
 * The `kid` this project gives a secret: 16 characters of its SHA-256, which
 * tells keys apart without revealing more than a signed token already does.
 * A token whose `kid` names one of the server's secrets is checked with that
 * one only; any other token is tried against each secret, newest first.
 */
export async function keyIdOf(secret: string | Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(bytesOf(secret))));
  return btoa(String.fromCharCode(...digest.subarray(0, 12))).replace(/\+/g, '-').replace(/\//g, '_');
}

function bytesOf(secret: string | Uint8Array): Uint8Array {
  return typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
}

/**
 * Issues and verifies the HS256 tokens that open a socket. A token that
 * would stay valid for longer than the maximum lifetime, or that claims to
 * have been issued in the future, is refused: a leaked long-lived token is a
 * permanent key, and a future `iat` is how one is made to look fresh.
 *
 * Given several secrets (newest first), it signs with the newest and accepts
 * a token signed with any of them, so a secret can be replaced without
 * refusing the tokens already handed out (docs/backend.md).
 */
export class TokenAuthority {
  /** Newest first, each with its `kid`. */
  private readonly keys: readonly { key: Uint8Array; id: Promise<string> }[];
  private readonly limits: Required<TokenLimits>;

  constructor(
    secret: AuthSecret,
    private readonly issuer: string,
    private readonly audience: string,
    limits: TokenLimits = {},
  ) {
    const secrets = typeof secret === 'string' || secret instanceof Uint8Array ? [secret] : secret;
    if (secrets.length === 0) throw new Error('authSecret needs at least one secret');
    this.keys = secrets.map((one, i) => {
      const key = bytesOf(one);
      if (key.length < MIN_SECRET_BYTES) {
        throw new Error(secrets.length === 1 ? 'authSecret must be at least 32 bytes' : `authSecret ${i + 1} of ${secrets.length} is shorter than 32 bytes`);
      }
      return { key, id: keyIdOf(key) };
    });
    this.limits = {
      maxLifetimeSeconds: limits.maxLifetimeSeconds ?? DEFAULT_TOKEN_LIMITS.maxLifetimeSeconds,
      clockSkewSeconds: limits.clockSkewSeconds ?? DEFAULT_TOKEN_LIMITS.clockSkewSeconds,
    };
  }

  async issue(user: string, claims: TokenClaims = {}): Promise<string> {
    if (!USER_ID.test(user)) throw new Error('invalid user id');
    if (user === DELETED_USER) throw new Error(`"${DELETED_USER}" is reserved for erased people`);
    const { ttlSeconds = 3600, ...profile } = claims;
    const now = Math.floor(Date.now() / 1000);
    const [newest] = this.keys;
    return new SignJWT({ ...profile })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: await newest.id })
      .setSubject(user)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .sign(newest.key);
  }

  /** Checks signature, issuer, audience and expiry; never logs or returns the token. */
  async verify(token: string | null): Promise<Verdict> {
    if (!token) return { ok: false, code: CloseCode.Unauthorized, reason: 'missing token' };
    let payload: JWTPayload | undefined;
    for (const key of await this.candidates(token)) {
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          issuer: this.issuer,
          audience: this.audience,
          requiredClaims: ['sub', 'exp'],
          clockTolerance: this.limits.clockSkewSeconds,
        }));
        break;
      } catch (error) {
        // The signature is checked before the claims: any other failure means this key
        // signed the token (or no key could), and the verdict is final.
        if (error instanceof errors.JWSSignatureVerificationFailed) continue;
        if (error instanceof errors.JWTExpired) return { ok: false, code: CloseCode.TokenExpired, reason: 'token expired' };
        return { ok: false, code: CloseCode.Unauthorized, reason: 'invalid token' };
      }
    }
    if (!payload) return { ok: false, code: CloseCode.Unauthorized, reason: 'invalid token' };
    if (typeof payload.sub !== 'string' || !USER_ID.test(payload.sub) || payload.sub === DELETED_USER) {
      return { ok: false, code: CloseCode.Unauthorized, reason: 'invalid subject' };
    }
    const now = Math.floor(Date.now() / 1000);
    const { maxLifetimeSeconds, clockSkewSeconds } = this.limits;
    if (payload.iat !== undefined && payload.iat > now + clockSkewSeconds) {
      return { ok: false, code: CloseCode.Unauthorized, reason: 'token issued in the future' };
    }
    if (payload.exp! - Math.min(payload.iat ?? now, now) > maxLifetimeSeconds + clockSkewSeconds) {
      return { ok: false, code: CloseCode.Unauthorized, reason: 'token lifetime too long' };
    }
    const profile: ProfileClaims = {};
    if (typeof payload.name === 'string') profile.name = payload.name;
    if (typeof payload.avatar === 'string') profile.avatar = payload.avatar;
    if (typeof payload.brand === 'boolean') profile.brand = payload.brand;
    return { ok: true, user: payload.sub, profile };
  }

  /** The key a token's `kid` names, or every key, newest first. */
  private async candidates(token: string): Promise<Uint8Array[]> {
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      // Malformed: jwtVerify refuses it with the usual verdict.
    }
    if (typeof kid === 'string') {
      for (const { key, id } of this.keys) if ((await id) === kid) return [key];
    }
    return this.keys.map(({ key }) => key);
  }
}
