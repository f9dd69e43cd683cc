import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { CloseCode, USER_ID } from '../../src/protocol/index.js';
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

/**
 * Issues and verifies the HS256 tokens that open a socket. A token that
 * would stay valid for longer than the maximum lifetime, or that claims to
 * have been issued in the future, is refused: a leaked long-lived token is a
 * permanent key, and a future `iat` is how one is made to look fresh.
 */
export class TokenAuthority {
  private readonly key: Uint8Array;
  private readonly limits: Required<TokenLimits>;

  constructor(
    secret: string | Uint8Array,
    private readonly issuer: string,
    private readonly audience: string,
    limits: TokenLimits = {},
  ) {
    this.key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
    if (this.key.length < 32) throw new Error('authSecret must be at least 32 bytes');
    this.limits = {
      maxLifetimeSeconds: limits.maxLifetimeSeconds ?? DEFAULT_TOKEN_LIMITS.maxLifetimeSeconds,
      clockSkewSeconds: limits.clockSkewSeconds ?? DEFAULT_TOKEN_LIMITS.clockSkewSeconds,
    };
  }

  async issue(user: string, claims: TokenClaims = {}): Promise<string> {
    if (!USER_ID.test(user)) throw new Error('invalid user id');
    const { ttlSeconds = 3600, ...profile } = claims;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...profile })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .sign(this.key);
  }

  /** Checks signature, issuer, audience and expiry; never logs or returns the token. */
  async verify(token: string | null): Promise<Verdict> {
    if (!token) return { ok: false, code: CloseCode.Unauthorized, reason: 'missing token' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.issuer,
        audience: this.audience,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: this.limits.clockSkewSeconds,
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, code: CloseCode.TokenExpired, reason: 'token expired' };
      return { ok: false, code: CloseCode.Unauthorized, reason: 'invalid token' };
    }
    if (typeof payload.sub !== 'string' || !USER_ID.test(payload.sub)) {
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
}
