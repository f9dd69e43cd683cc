import type { ErrorCode, FrameRef, ServerFrame } from '../protocol/index.js';
import type { Connection, ConversationRecord, MessagingPolicy, ServerLimits, StoragePorts } from './types.js';

/** Why a frame was refused. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  retryAfter?: number;
}

/** What the frame handlers need from the core; implemented by ChatCore. */
export interface CoreContext extends StoragePorts {
  readonly policy: MessagingPolicy;
  readonly limits: Required<ServerLimits>;
  now(): number;
  /** Sends one frame to one socket. */
  reply(conn: Connection, frame: ServerFrame): void;
  /** Serialises `frame` once and sends it to every socket of `users`, except `skip`. */
  broadcast(users: readonly string[], frame: ServerFrame, skip?: Connection): void;
  /** Sends an `error` frame tied to the refused frame. */
  fail(conn: Connection, refusal: Refusal, ref: FrameRef): void;
  /** Spends one of the person's send tokens: 0, or the ms to wait. */
  takeSendToken(user: string): number;
  /** Spends `cost` of the person's replay budget (history pages, catch-up): 0, or the ms to wait. */
  takeReplay(user: string, cost: number): number;
  /** Spends one of the person's conversation creations: 0, or the ms to wait. */
  takeCreation(user: string): number;
  /** Whether `user` has an open socket on this host (webhooks tell the host who was offline). */
  isOnline(user: string): boolean;
  /** Whether a typing broadcast from `user` in `conv` is due (not throttled). */
  typingDue(user: string, conv: string): boolean;
}

export function refusal(code: ErrorCode, message: string): Refusal {
  return { code, message };
}

/**
 * The conversation when `conn`'s person is a member of it; otherwise refuses
 * the frame. "Does not exist" and "not a member" share one answer, so nobody
 * learns which conversation ids exist.
 */
export function memberOf(ctx: CoreContext, conn: Connection, conv: string, ref: FrameRef): ConversationRecord | undefined {
  const record = ctx.conversations.getConversation(conv);
  if (record && record.members.includes(conn.user)) return record;
  return notMember(ctx, conn, ref);
}

export function notMember(ctx: CoreContext, conn: Connection, ref: FrameRef): undefined {
  ctx.fail(conn, refusal('not_member', 'you are not a member of this conversation'), ref);
  return undefined;
}

/** Refuses a frame over one of the person's budgets; false when refused. */
export function within(ctx: CoreContext, conn: Connection, wait: number, what: string, ref: FrameRef): boolean {
  if (wait === 0) return true;
  ctx.fail(conn, { code: 'rate_limited', message: `${what}: slow down`, retryAfter: wait }, ref);
  return false;
}
