import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { CloseCode, USER_ID } from '../../src/protocol/index.js';
import type { ProfileClaims } from '../core/views.js';

/** Profile claims a token may carry, plus its lifetime for issuing. */
export interface TokenClaims extends ProfileClaims {
  /** Seconds until expiry (default 3600); negative makes an expired token (tests). */
  ttlSeconds?: number;
}

export type Verdict =
  | { ok: true; user: string; profile: ProfileClaims }
  | { ok: false; code: number; reason: string };

/** Issues and verifies the HS256 tokens that open a socket. */
export class TokenAuthority {
  private readonly key: Uint8Array;

  constructor(
    secret: string | Uint8Array,
    private readonly issuer: string,
    private readonly audience: string,
  ) {
    this.key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
    if (this.key.length < 32) throw new Error('authSecret must be at least 32 bytes');
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
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, code: CloseCode.TokenExpired, reason: 'token expired' };
      return { ok: false, code: CloseCode.Unauthorized, reason: 'invalid token' };
    }
    if (typeof payload.sub !== 'string' || !USER_ID.test(payload.sub)) {
      return { ok: false, code: CloseCode.Unauthorized, reason: 'invalid subject' };
    }
    const profile: ProfileClaims = {};
    if (typeof payload.name === 'string') profile.name = payload.name;
    if (typeof payload.avatar === 'string') profile.avatar = payload.avatar;
    if (typeof payload.brand === 'boolean') profile.brand = payload.brand;
    return { ok: true, user: payload.sub, profile };
  }
}
