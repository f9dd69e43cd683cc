import type { ChatStorage, User } from '../../../src/core/types.js';
import { migrate, WHOLE_SCHEMA, type Sql } from './migrate.js';
import { SqlConversations } from './sql-conversations.js';
import { SqlDirectory } from './sql-directory.js';

export type { Row, Sql, SqlValue } from './migrate.js';
export { SqlConversations } from './sql-conversations.js';
export { SqlDirectory } from './sql-directory.js';

/**
 * Both storage ports over one SQLite database, as the Node server keeps them:
 * the conversation tables, with the directory's beside them.
 */
export class SqlStorage extends SqlConversations implements ChatStorage {
  private readonly people: SqlDirectory;

  constructor(sql: Sql) {
    migrate(sql, WHOLE_SCHEMA);
    super(sql, true);
    this.people = new SqlDirectory(sql, true);
  }

  getUser(id: string): User | undefined {
    return this.people.getUser(id);
  }

  putUser(user: User): void {
    this.people.putUser(user);
  }

  searchUsers(query: string, limit: number): User[] {
    return this.people.searchUsers(query, limit);
  }

  blockedBy(user: string): string[] {
    return this.people.blockedBy(user);
  }

  blockersOf(user: string): string[] {
    return this.people.blockersOf(user);
  }

  setBlocked(user: string, other: string, blocked: boolean): void {
    this.people.setBlocked(user, other, blocked);
  }

  eitherBlocked(a: string, b: string): boolean {
    return this.people.eitherBlocked(a, b);
  }

  follows(follower: string, followee: string): boolean {
    return this.people.follows(follower, followee);
  }

  setFollow(follower: string, followee: string, follows: boolean): void {
    this.people.setFollow(follower, followee, follows);
  }

  forgetUser(user: string): void {
    this.people.forgetUser(user);
  }

  /** The ban in force on `user` at `now` (see SqlDirectory.banOf). */
  banOf(user: string, now: number): { until: number | null } | undefined {
    return this.people.banOf(user, now);
  }

  /** Without `hidden`, the reader's own blocks (this store holds them). */
  override unreadCount(conv: string, user: string, hidden: readonly string[] = this.people.blockedBy(user)): number {
    return super.unreadCount(conv, user, hidden);
  }
}
