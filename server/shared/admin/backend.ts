import type { User } from '../../../src/protocol/index.js';

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
}
