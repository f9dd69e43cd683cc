import type { Message, StoredBody, User } from '../../../src/protocol/index.js';

/** One follow to set (`follows: true`) or remove. */
export interface FollowChange {
  follower: string;
  followee: string;
  follows: boolean;
}

/**
 * What each host gives the server API: the Node server over its SQL
 * directory, the Cloudflare worker over its Directory and Inbox objects.
 * Arguments are already validated (ids match USER_ID, profiles are
 * normalised, every person named exists); a method that throws answers 500.
 */
export interface AdminBackend {
  /** Profiles of those of `ids` that are in the directory, in any order. */
  getUsers(ids: readonly string[]): Promise<User[]>;
  /** Inserts or replaces every profile; all or none where the host can promise it. */
  putUsers(users: readonly User[]): Promise<void>;
  /** Up to `limit` profiles with ids after `after` ('' for the first page), by id. */
  listUsers(after: string, limit: number): Promise<User[]>;
  setFollows(changes: readonly FollowChange[]): Promise<void>;
  /** People `user` follows, by id. */
  followeesOf(user: string): Promise<string[]>;
  /** People `user` has blocked. */
  blockedBy(user: string): Promise<string[]>;

  /**
   * Erases a person the directory knows (see docs/backend.md, "Erasure"):
   * profile, follows and blocks both ways, ban, read markers, mutes; their
   * messages become tombstones from DELETED_USER, live; they leave every
   * group; direct conversations go for both; reports they filed name
   * DELETED_USER; their sockets are closed with CloseCode.Revoked.
   */
  eraseUser(user: string): Promise<void>;
  /** Everything kept about a person the directory knows, but their profile (the router adds it). */
  exportUser(user: string): Promise<UserExport>;

  /** Up to `limit` reports of one status, oldest first, after the report `after` ('' for the first page). */
  listReports(status: ReportStatus, after: string, limit: number): Promise<ModerationReport[]>;
  getReport(id: string): Promise<ModerationReport | undefined>;
  /** Marks an open report resolved with `action`; false when it is not open (any more). */
  resolveReport(id: string, action: ReportAction, at: number): Promise<boolean>;
  /** Makes a message a tombstone and tells the members' open clients; false when there is no such message. */
  deleteMessage(conv: string, seq: number): Promise<boolean>;
  /** Bans a person until `until` (ms; null: until lifted) and closes their sockets, or lifts the ban. */
  setBan(user: string, ban: { until: number | null } | undefined): Promise<void>;
  /** The ban in force on `user` at `now`. */
  banOf(user: string, now: number): Promise<{ until: number | null } | undefined>;

  /** The webhook outbox, when webhooks are configured. */
  webhooks?: WebhookAdmin;
}

/** A delivery given up on: the event as it would have been delivered, and why not. */
export interface DeadLetter {
  id: string;
  type: string;
  /** The JSON body, as stored (a replay sends it byte for byte). */
  body: string;
  createdAt: number;
  attempts: number;
  /** When it was dead-lettered. */
  deadAt?: number;
  lastError?: string;
}

/** The dead-letter list and the outbox's counts. */
export interface WebhookAdmin {
  /** Up to `limit` dead letters with ids after `after` ('' for the first page), by id. */
  deadLetters(after: string, limit: number): Promise<DeadLetter[]>;
  /** Puts dead letters back in line, due now with a fresh horizon: those of `ids`, or all; returns the ids put back. */
  replay(ids: readonly string[] | undefined): Promise<string[]>;
  /** Events waiting for a delivery (or a retry), and dead letters. */
  counts(): Promise<{ pending: number; dead: number }>;
}

export type ReportStatus = 'open' | 'resolved';
export type ReportAction = 'dismiss' | 'delete_message' | 'ban_sender';

/** A report as moderators see it. */
export interface ModerationReport {
  id: string;
  conv: string;
  seq: number;
  reporter: string;
  /** Who sent the reported message, while it is stored. */
  sender?: string;
  reason?: string;
  at: number;
  status: ReportStatus;
  action?: string;
  resolvedAt?: number;
}

/** What an export lists besides the profile. */
export interface UserExport {
  follows: string[];
  followers: string[];
  blocks: string[];
  conversations: { id: string; kind: 'direct' | 'group'; members: string[]; title?: string; createdAt: number }[];
  messages: (Pick<Message, 'seq' | 'id' | 'at'> & { conv: string; body: StoredBody })[];
  reports: { id: string; conv: string; seq: number; reason?: string; at: number; status: ReportStatus }[];
}
