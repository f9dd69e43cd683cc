/**
 * Error codes carried by `{t:'error'}` frames. Each bad input has its own
 * code so that clients and tests can tell them apart.
 */
export const ErrorCode = {
  /** The frame is not JSON. */
  BadJson: 'bad_json',
  /** The frame's `t` is not a known frame type. */
  UnknownType: 'unknown_type',
  /** A field is missing, of the wrong type or out of range, or an unknown field is present. */
  BadFrame: 'bad_frame',
  /** The frame exceeds LIMITS.frameBytes. */
  FrameTooLarge: 'frame_too_large',
  /**
   * The frame nests deeper than LIMITS.frameDepth or has an array or object
   * longer than LIMITS.frameItems: refused before it is parsed.
   */
  TooComplex: 'too_complex',
  /** Text, note, title or description is over its limit. */
  TooLong: 'too_long',
  /**
   * A pin's page or image URL is not a plain http(s) URL, or names a loopback,
   * private, link-local or `localhost` host (unless the server allows them).
   */
  UnsafeUrl: 'unsafe_url',
  /** The conversation does not exist or the sender is not a member of it. */
  NotMember: 'not_member',
  /** A named user is not in the directory. */
  UnknownUser: 'unknown_user',
  /** The messaging policy does not allow this sender to message a recipient. */
  Forbidden: 'forbidden',
  /** A recipient has blocked the sender (or the sender blocked them). */
  Blocked: 'blocked',
  /** More than LIMITS.members people in a conversation. */
  TooManyMembers: 'too_many_members',
  /** The conversation id does not match its members, or exists with other members. */
  Conflict: 'conflict',
  /** Too many messages; `retryAfter` says when to try again (ms). */
  RateLimited: 'rate_limited',
  /** The message to report does not exist. */
  NotFound: 'not_found',
  /** The server failed; the frame may be retried. */
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Errors after which resending the same frame can succeed. */
/**
 * The message of a `rate_limited` refusal for a send held back by the
 * sender's gate: an earlier refused send must come again first (see
 * src/core/gate.ts). A client that gets it for the very send it is resending
 * to reopen the gate knows the server waits for another one.
 */
export const GATED_MESSAGE = 'an earlier message must be sent again first';

// The sets below, and the client's modules, write codes as their values (checked against the
// names with `satisfies`) rather than reading ErrorCode and CloseCode: a browser bundle then
// carries neither object (0.4 kB gzipped of the heads' bundle).
export const RETRYABLE_ERRORS: ReadonlySet<ErrorCode> = new Set([
  'rate_limited' satisfies typeof ErrorCode.RateLimited,
  'internal' satisfies typeof ErrorCode.Internal,
]);

/**
 * WebSocket close codes. The server accepts the upgrade and then closes with
 * one of these, because a refused upgrade looks like a network failure to the
 * client and would be retried forever.
 */
export const CloseCode = {
  /** 1002 (RFC 6455): the bytes on the wire are not a valid WebSocket frame. */
  ProtocolError: 1002,
  /** 1007 (RFC 6455): a text frame that is not valid UTF-8. */
  InvalidPayload: 1007,
  /** 1009 (RFC 6455): a frame above LIMITS.hardFrameBytes. */
  TooBig: 1009,
  /** No token, or a token that does not verify (forged, foreign audience or issuer). */
  Unauthorized: 4001,
  /** The token has expired: fetch a fresh one and reconnect. */
  TokenExpired: 4002,
  /** The Origin header is missing or not in the allowlist. */
  ForbiddenOrigin: 4003,
  /** The room in the URL is not the token's subject. */
  WrongRoom: 4004,
  /** The user's access was revoked. */
  Revoked: 4005,
  /** The person is banned by the site's moderators (the reason says until when); a new token does not help. */
  Banned: 4006,
  /** Too many bad or refused frames in a row: treated as abuse. */
  Abuse: 4008,
  /** The person already has as many open sockets as the server allows; close one, or retry later. */
  TooManySockets: 4009,
  /** No frame came within the server's deadline after the socket opened; reconnect. */
  HelloTimeout: 4010,
  /** The server is at its connection cap, or the person reconnects too fast (RFC 6455 1013, "try again later"); retry with backoff. */
  TryAgainLater: 1013,
  /** The server is shutting down; reconnect. */
  GoingAway: 1001,
  /** The server failed (storage); reconnect and resend. */
  ServerError: 1011,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Close codes after which reconnecting with the same credentials is pointless. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  4001 satisfies typeof CloseCode.Unauthorized,
  4003 satisfies typeof CloseCode.ForbiddenOrigin,
  4004 satisfies typeof CloseCode.WrongRoom,
  4005 satisfies typeof CloseCode.Revoked,
  4006 satisfies typeof CloseCode.Banned,
  4008 satisfies typeof CloseCode.Abuse,
]);
