import type { DirectoryPort, User } from '../../../src/core/types.js';
import { normaliseUser } from '../../../src/core/views.js';
import { migrate, type Row, type Sql } from './migrate.js';

/** The directory port over SQLite: profiles, blocks and follows, in their own tables. */
export class SqlDirectory implements DirectoryPort {
  /** `migrated`: the caller has already brought these tables up to date (see SqlStorage). */
  constructor(
    protected readonly sql: Sql,
    migrated = false,
  ) {
    if (!migrated) migrate(sql, ['directory']);
  }

  getUser(id: string): User | undefined {
    const [row] = this.sql.all('SELECT id, name, avatar, brand FROM users WHERE id = ?', id);
    return row && toUser(row);
  }

  putUser(user: User): void {
    const u = normaliseUser(user);
    this.sql.run(
      `INSERT INTO users (id, name, avatar, brand) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, avatar = excluded.avatar, brand = excluded.brand`,
      u.id,
      u.name,
      u.avatar ?? null,
      u.brand ? 1 : 0,
    );
  }

  searchUsers(query: string, limit: number): User[] {
    const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.sql
      .all(
        `SELECT id, name, avatar, brand FROM users
         WHERE id LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\'
         ORDER BY name, id LIMIT ?`,
        pattern,
        pattern,
        limit,
      )
      .map(toUser);
  }

  /** Up to `limit` profiles with ids after `after`, by id (the server API's pages). */
  listUsers(after: string, limit: number): User[] {
    return this.sql.all('SELECT id, name, avatar, brand FROM users WHERE id > ? ORDER BY id LIMIT ?', after, limit).map(toUser);
  }

  blockedBy(user: string): string[] {
    return this.sql.all('SELECT other FROM blocks WHERE user_id = ? ORDER BY rowid', user).map((r) => String(r.other));
  }

  blockersOf(user: string): string[] {
    return this.sql.all('SELECT user_id FROM blocks WHERE other = ?', user).map((r) => String(r.user_id));
  }

  setBlocked(user: string, other: string, blocked: boolean): void {
    if (blocked) this.sql.run('INSERT OR IGNORE INTO blocks (user_id, other) VALUES (?, ?)', user, other);
    else this.sql.run('DELETE FROM blocks WHERE user_id = ? AND other = ?', user, other);
  }

  eitherBlocked(a: string, b: string): boolean {
    return (
      this.sql.all(
        'SELECT 1 FROM blocks WHERE (user_id = ? AND other = ?) OR (user_id = ? AND other = ?) LIMIT 1',
        a,
        b,
        b,
        a,
      ).length > 0
    );
  }

  follows(follower: string, followee: string): boolean {
    return this.sql.all('SELECT 1 FROM follows WHERE follower = ? AND followee = ?', follower, followee).length > 0;
  }

  /** People `follower` follows, by id. */
  followeesOf(follower: string): string[] {
    return this.sql.all('SELECT followee FROM follows WHERE follower = ? ORDER BY followee', follower).map((r) => String(r.followee));
  }

  setFollow(follower: string, followee: string, follows: boolean): void {
    if (follows) this.sql.run('INSERT OR IGNORE INTO follows (follower, followee) VALUES (?, ?)', follower, followee);
    else this.sql.run('DELETE FROM follows WHERE follower = ? AND followee = ?', follower, followee);
  }

  /** People who follow `followee`. */
  followersOf(followee: string): string[] {
    return this.sql.all('SELECT follower FROM follows WHERE followee = ? ORDER BY follower', followee).map((r) => String(r.follower));
  }

  forgetUser(user: string): void {
    this.sql.transaction(() => {
      this.sql.run('DELETE FROM users WHERE id = ?', user);
      this.sql.run('DELETE FROM blocks WHERE user_id = ? OR other = ?', user, user);
      this.sql.run('DELETE FROM follows WHERE follower = ? OR followee = ?', user, user);
      this.sql.run('DELETE FROM bans WHERE user_id = ?', user);
    });
  }

  /** Bans `user` until `until` (ms since the epoch; null: until lifted), or lifts the ban. */
  setBan(user: string, banned: boolean, until: number | null = null): void {
    if (banned) this.sql.run('INSERT INTO bans (user_id, until) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET until = excluded.until', user, until);
    else this.sql.run('DELETE FROM bans WHERE user_id = ?', user);
  }

  /** The ban on `user` in force at `now`: `{ until }` (null: until lifted), or undefined. */
  banOf(user: string, now: number): { until: number | null } | undefined {
    const [row] = this.sql.all('SELECT until FROM bans WHERE user_id = ? AND (until IS NULL OR until > ?)', user, now);
    return row && { until: row.until === null ? null : Number(row.until) };
  }
}

function toUser(row: Row): User {
  const user: User = { id: String(row.id), name: String(row.name) };
  if (row.avatar !== null && row.avatar !== undefined) user.avatar = String(row.avatar);
  if (Number(row.brand)) user.brand = true;
  return user;
}
