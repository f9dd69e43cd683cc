import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import type { Row, Sql, SqlValue } from '../shared/storage/sql.js';
import { startCheckpointer } from './checkpointer.js';

type Statement = ReturnType<Database.Database['prepare']>;

/** A Sql binding that also owns the database file. */
export interface LibsqlBinding extends Sql {
  /**
   * Opens a transaction that every `transaction()` joins (as a savepoint, so each
   * still succeeds or fails alone) until `commitBatch()`. For group commit.
   */
  beginBatch(): void;
  /** Commits the batch; on failure rolls it back and throws. */
  commitBatch(): void;
  /** Stops the checkpoint worker and closes the database. */
  close(): Promise<void>;
}

/** Statements kept prepared; the store uses a few dozen distinct ones. */
const STATEMENT_CACHE = 200;

/**
 * Opens `path` (or ':memory:') with libsql. WAL with synchronous=NORMAL: a
 * committed transaction survives a crash of this process (the newest ones may
 * be lost on power failure, which a single-node server accepts). For a file,
 * checkpoints run in a worker thread instead of inside commits (see
 * checkpointer.ts); the WAL file is truncated back to 16 MiB after each restart.
 * `reader`: a second connection to a file the server has opened (a worker's),
 * which leaves the file's settings and its checkpoints to the server's.
 */
export function openLibsql(path: string, options: { reader?: boolean } = {}): LibsqlBinding {
  const file = path !== ':memory:';
  if (file && !options.reader) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  if (!options.reader) {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA journal_size_limit = 16777216');
  }
  db.exec('PRAGMA busy_timeout = 5000');
  let checkpointer: ReturnType<typeof startCheckpointer> | undefined;
  if (file && !options.reader) {
    db.exec('PRAGMA wal_autocheckpoint = 0');
    checkpointer = startCheckpointer(path);
  }

  const statements = new Map<string, Statement>();
  const prepare = (sql: string): Statement => {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value!);
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  let depth = 0;

  return {
    all: (sql: string, ...params: SqlValue[]): Row[] => stripMetadata(prepare(sql).all(params) as Row[]),
    run: (sql: string, ...params: SqlValue[]): void => {
      prepare(sql).run(params);
    },
    transaction<T>(fn: () => T): T {
      // Inside a transaction (a batch, or a caller's), a savepoint keeps this
      // unit atomic on its own: a failure rolls back its writes and nothing else.
      const nested = depth > 0;
      db.exec(nested ? 'SAVEPOINT unit' : 'BEGIN IMMEDIATE');
      depth++;
      try {
        const result = fn();
        db.exec(nested ? 'RELEASE unit' : 'COMMIT');
        return result;
      } catch (error) {
        db.exec(nested ? 'ROLLBACK TO unit' : 'ROLLBACK');
        if (nested) db.exec('RELEASE unit');
        throw error;
      } finally {
        depth--;
      }
    },
    beginBatch() {
      if (depth > 0) throw new Error('a transaction is already open');
      db.exec('BEGIN IMMEDIATE');
      depth++;
    },
    commitBatch() {
      try {
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      } finally {
        depth--;
      }
    },
    close: async () => {
      await checkpointer?.stop();
      statements.clear();
      db.close();
    },
  };
}

/** libsql adds a `_metadata` field to some rows; the store must not see it. */
function stripMetadata(rows: Row[]): Row[] {
  for (const row of rows) if ('_metadata' in row) delete row._metadata;
  return rows;
}
