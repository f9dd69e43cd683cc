/**
 * What the objects say to each other over Durable Object RPC. Frames stay
 * serialised: an inbox parses only the few it keeps state for.
 */
import type { User } from '../../../src/core/types.js';
import type { ProfileClaims } from '../../../src/core/views.js';

/** Header carrying the verified token's profile claims from the worker to the inbox. */
export const PROFILE_HEADER = 'x-pin-profile';

/** Claims as an ASCII header value (names may be any Unicode). */
export function encodeClaims(claims: ProfileClaims): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(claims))));
}

export function decodeClaims(header: string | null): ProfileClaims {
  if (!header) return {};
  try {
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(header), (c) => c.charCodeAt(0)))) as ProfileClaims;
  } catch {
    return {};
  }
}

/** The socket a forwarded frame came from. */
export interface Origin {
  user: string;
  /** The socket's id inside the person's inbox. */
  socket: string;
}

/**
 * What the sender's inbox knows about the people a `send` involves. A
 * conversation object has no directory: the core's policy and block checks
 * read these instead. Each inbox keeps both directions of the blocks and
 * follows its person is part of, so it can answer for any pair with them.
 */
export interface Facts {
  users: User[];
  /** [blocker, blocked] pairs between the sender and the others named. */
  blocks: [string, string][];
  /** [follower, followee] pairs between them. */
  follows: [string, string][];
}

/** One client frame on its way from an inbox to a conversation. */
export interface Envelope {
  origin: Origin;
  raw: string;
  facts?: Facts;
  /**
   * The sender's list lacks the conversation (or shows it as left). If the
   * sender is a member once the frame is handled, the reply brings their view
   * of it, unless the frame itself made it (a creating send, a rejoin).
   */
  unlisted?: boolean;
}

/**
 * One frame from a conversation object for a person's sockets, by way of
 * their inbox. Without `only` the inbox also updates its conversation list
 * from it (`conv`, `msg`, `read`, `gone`).
 */
export interface InboxDelivery {
  frame: string;
  /** Only this socket gets it: a reply, no state change. */
  only?: string;
  /** Every socket of the person but this one (it was answered directly, or skipped). */
  except?: string;
  /** Sequence number of a `msg`, for the conversation's delivery tracking. */
  seq?: number;
  /** With a `read` of the inbox's own person: their unread count as of `asOf` (a seq). */
  unread?: number;
  asOf?: number;
  /** Close the `only` socket with this code instead of sending `frame`. */
  close?: number;
}

/** An inbox's answer to a delivery: whether a socket of the person was open, and the `msg` seqs it withheld (a block). */
export interface Delivered {
  online: boolean;
  hidden: number[];
}
