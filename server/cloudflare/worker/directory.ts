import { Server } from 'partyserver';
import type { User } from '../../../src/core/types.js';
import { SqlDirectory } from '../../shared/storage/sql-directory.js';
import type { Env } from './env.js';
import { durableSql } from './sql.js';

/**
 * Profiles of everyone who signed in (from their token claims) or was put
 * here by the server API, for contact search, the unknown-user check and
 * avatars. Read on a first send to
 * someone new and on searches; written only when a profile changes. One
 * object per deployment: see docs/scaling.md for when to split it.
 */
export class Directory extends Server<Env> {
  private store?: SqlDirectory;

  async put(user: User): Promise<void> {
    this.live().putUser(user);
  }

  async get(ids: string[]): Promise<User[]> {
    const store = this.live();
    return ids.map((id) => store.getUser(id)).filter((u) => u !== undefined);
  }

  /** Stores every profile or none (the server API's batch). */
  async putMany(users: User[]): Promise<void> {
    const store = this.live();
    this.ctx.storage.transactionSync(() => users.forEach((user) => store.putUser(user)));
  }

  /** Up to `limit` profiles with ids after `after`, by id. */
  async list(after: string, limit: number): Promise<User[]> {
    return this.live().listUsers(after, limit);
  }

  async search(query: string, limit: number): Promise<User[]> {
    return this.live().searchUsers(query, limit);
  }

  /** Whether the sample people's follows were stored (dev mode). */
  async seeded(): Promise<boolean> {
    this.live();
    return this.ctx.storage.sql.exec("SELECT 1 FROM directory_flags WHERE name = 'seeded'").toArray().length > 0;
  }

  async markSeeded(): Promise<void> {
    this.live();
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO directory_flags (name) VALUES ('seeded')");
  }

  private live(): SqlDirectory {
    if (!this.store) {
      this.store = new SqlDirectory(durableSql(this.ctx.storage));
      this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS directory_flags (name TEXT PRIMARY KEY)');
    }
    return this.store;
  }
}
