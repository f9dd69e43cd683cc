import { Server } from 'partyserver';
import type { User } from '../../../src/core/types.js';
import { DELETED_USER } from '../../../src/protocol/index.js';
import type { ModerationReport, ReportStatus } from '../../shared/admin/backend.js';
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

  // Reports ------------------------------------------------------------------
  // Reports are kept by their conversation objects; each is also indexed here
  // when it is filed, so moderators can page through them across
  // conversations and their status is kept in one place.

  /** Indexes reports a conversation object just stored (again is harmless). */
  async indexReports(reports: ModerationReport[]): Promise<void> {
    this.live();
    this.ctx.storage.transactionSync(() => {
      for (const r of reports) {
        this.ctx.storage.sql.exec(
          'INSERT OR IGNORE INTO report_index (id, conv, seq, reporter, sender, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          r.id,
          r.conv,
          r.seq,
          r.reporter,
          r.sender ?? null,
          r.reason ?? null,
          r.at,
        );
      }
    });
  }

  async reportPage(status: ReportStatus, after: string, limit: number): Promise<ModerationReport[]> {
    this.live();
    return this.ctx.storage.sql
      .exec(
        `SELECT * FROM report_index WHERE status = ? AND rowid > coalesce((SELECT rowid FROM report_index WHERE id = ?), 0) ORDER BY rowid LIMIT ?`,
        status,
        after,
        limit,
      )
      .toArray()
      .map(toReport);
  }

  async report(id: string): Promise<ModerationReport | undefined> {
    this.live();
    const [row] = this.ctx.storage.sql.exec('SELECT * FROM report_index WHERE id = ?', id).toArray();
    return row && toReport(row);
  }

  async reportsBy(reporter: string): Promise<ModerationReport[]> {
    this.live();
    return this.ctx.storage.sql.exec('SELECT * FROM report_index WHERE reporter = ? ORDER BY rowid', reporter).toArray().map(toReport);
  }

  async resolveReport(id: string, action: string, at: number): Promise<boolean> {
    this.live();
    const rows = this.ctx.storage.sql
      .exec("UPDATE report_index SET status = 'resolved', action = ?, resolved_at = ? WHERE id = ? AND status = 'open' RETURNING id", action, at, id)
      .toArray();
    return rows.length > 0;
  }

  /**
   * Erasure: the profile goes; reports they filed, and reports of their
   * messages, name DELETED_USER; reports in `dropped` (direct conversations
   * that went whole) go.
   */
  async erase(user: string, dropped: string[]): Promise<void> {
    const store = this.live();
    const { sql } = this.ctx.storage;
    this.ctx.storage.transactionSync(() => {
      store.forgetUser(user);
      for (const conv of dropped) sql.exec('DELETE FROM report_index WHERE conv = ?', conv);
      sql.exec('UPDATE report_index SET reporter = ? WHERE reporter = ?', DELETED_USER, user);
      sql.exec('UPDATE report_index SET sender = ? WHERE sender = ?', DELETED_USER, user);
      sql.exec("DELETE FROM webhook_objects WHERE kind = 'inbox' AND name = ?", user);
      for (const conv of dropped) sql.exec("DELETE FROM webhook_objects WHERE kind = 'conversation' AND name = ?", conv);
    });
  }

  // Webhook outboxes ----------------------------------------------------------
  // Objects whose outbox holds failed or dead events (see ObjectWebhooks):
  // the server API's dead-letter calls visit these only.

  async noteOutbox(kind: 'conversation' | 'inbox', name: string, holds: boolean): Promise<void> {
    this.live();
    if (holds) this.ctx.storage.sql.exec('INSERT OR IGNORE INTO webhook_objects (kind, name) VALUES (?, ?)', kind, name);
    else this.ctx.storage.sql.exec('DELETE FROM webhook_objects WHERE kind = ? AND name = ?', kind, name);
  }

  async outboxes(): Promise<{ kind: 'conversation' | 'inbox'; name: string }[]> {
    this.live();
    return this.ctx.storage.sql
      .exec<{ kind: string; name: string }>('SELECT kind, name FROM webhook_objects ORDER BY kind, name')
      .toArray()
      .map((r) => ({ kind: r.kind === 'inbox' ? 'inbox' : 'conversation', name: r.name }));
  }

  private live(): SqlDirectory {
    if (!this.store) {
      this.store = new SqlDirectory(durableSql(this.ctx.storage));
      this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS directory_flags (name TEXT PRIMARY KEY)');
      this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS report_index (
        id TEXT PRIMARY KEY, conv TEXT NOT NULL, seq INTEGER NOT NULL, reporter TEXT NOT NULL, sender TEXT,
        reason TEXT, at INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'open', action TEXT, resolved_at INTEGER)`);
      this.ctx.storage.sql.exec('CREATE INDEX IF NOT EXISTS report_index_by_status ON report_index (status)');
      this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS webhook_objects (kind TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (kind, name))');
    }
    return this.store;
  }
}

function toReport(r: Record<string, SqlStorageValue>): ModerationReport {
  const report: ModerationReport = {
    id: String(r.id),
    conv: String(r.conv),
    seq: Number(r.seq),
    reporter: String(r.reporter),
    at: Number(r.at),
    status: r.status === 'resolved' ? 'resolved' : 'open',
  };
  if (r.sender !== null) report.sender = String(r.sender);
  if (r.reason !== null) report.reason = String(r.reason);
  if (r.action !== null) report.action = String(r.action);
  if (r.resolved_at !== null) report.resolvedAt = Number(r.resolved_at);
  return report;
}
