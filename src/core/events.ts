import type { Message } from '../protocol/index.js';

/**
 * Events a host's backend hears about (as webhooks on the Node server). The
 * core records one at each change point, in the same storage transaction as
 * the change; the host delivers them later, at least once.
 */
export const EventType = {
  MessageCreated: 'message.created',
  ConversationCreated: 'conversation.created',
  MemberLeft: 'member.left',
  ReportCreated: 'report.created',
  UserBlocked: 'user.blocked',
  NotificationDue: 'notification.due',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** What each event type carries in `data`. */
export interface EventData {
  'message.created': {
    message: Message;
    members: string[];
    /**
     * Members other than the sender who had no open socket when it was stored
     * (people who blocked the sender left out): whom a host may notify at once.
     */
    offline: string[];
  };
  'conversation.created': { kind: 'direct' | 'group'; members: string[]; createdBy: string; title?: string };
  'member.left': { user: string; members: string[] };
  /** `report`: the id the server API's moderation routes take (`/admin/v1/reports/{id}`). */
  'report.created': { report: string; reporter: string; seq: number; reason?: string };
  /** `blocked: false` when the block is lifted. */
  'user.blocked': { user: string; other: string; blocked: boolean };
  /** `user` has had `unread` messages, the oldest from `since` (ms), while offline. */
  'notification.due': { user: string; unread: number; since: number };
}

/** What every event has. */
interface EventShape<T extends EventType> {
  type: T;
  /** When it happened, ms since the epoch. */
  at: number;
  /** The conversation, when the event belongs to one. */
  conv?: string;
  /** The conversation's `seq` at the event (its newest message); 0 before any message. */
  seq?: number;
  data: EventData[T];
}

/** An event as the core (or a host's scanner) records it; the store gives it its id. */
export type PinEventInput = {
  [T in EventType]: EventShape<T> & {
    /** Deduplication key: a second event with the same key is not recorded. */
    key?: string;
  };
}[EventType];

/** A recorded event, as delivered (the JSON body of a webhook): stable `id` across retries. */
export type PinEvent = { [T in EventType]: EventShape<T> & { id: string } }[EventType];

/**
 * Where the core records events. Optional in the storage ports: a host
 * without webhooks leaves it out. `record` must write in the transaction the
 * host runs the frame in, so the event and its change commit (or roll back)
 * together; it must not do I/O of its own (delivery comes later).
 */
export interface EventPort {
  record(event: PinEventInput): void;
}
