import { MIGRATIONS, type SchemaPart } from './schema.js';

export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

/**
 * The little a store needs from a synchronous SQLite driver. Bindings: libsql
 * in Node (server/node/libsql.ts), a Durable Object's SQL storage
 * (server/cloudflare/worker/sql.ts).
 */
export interface Sql {
  /** Runs one statement and returns its rows (also for `... RETURNING`). */
  all(sql: string, ...params: SqlValue[]): Row[];
  /** Runs one statement that returns no rows. */
  run(sql: string, ...params: SqlValue[]): void;
  /** Runs `fn` in one transaction: all of its writes or none. */
  transaction<T>(fn: () => T): T;
}

/** Both halves, the webhook outbox and the message events' queue: the Node server's one file. */
export const WHOLE_SCHEMA: readonly SchemaPart[] = ['directory', 'conversations', 'webhooks', 'message-events'];

/**
 * Brings `parts` of the schema to the newest version; each step in its own
 * transaction. The whole schema counts its versions in `schema_version` (the
 * table files written before the split already have); one half alone counts
 * in a table of its own, so a database never mistakes one half's version for
 * the other's.
 */
export function migrate(sql: Sql, parts: readonly SchemaPart[]): void {
  const table = parts.length === 1 ? `schema_version_${parts[0]}` : 'schema_version';
  sql.run(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER NOT NULL)`);
  const [row] = sql.all(`SELECT max(version) AS v FROM ${table}`);
  const current = Number(row?.v ?? 0);
  MIGRATIONS.forEach((migration, index) => {
    const version = index + 1;
    if (version <= current) return;
    sql.transaction(() => {
      for (const part of parts) for (const statement of migration[part] ?? []) sql.run(statement);
      sql.run(`INSERT INTO ${table} (version) VALUES (?)`, version);
    });
  });
}
