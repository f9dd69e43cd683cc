import type { Row, Sql, SqlValue } from '../../shared/storage/sql.js';

/**
 * The store's `Sql` over a Durable Object's SQLite. Writes between two awaits
 * are committed together and outgoing messages wait for that commit (the
 * output gate), so an ack sent after `append` leaves only once it is durable.
 */
export function durableSql(storage: DurableObjectStorage): Sql {
  const { sql } = storage;
  return {
    all: (query: string, ...params: SqlValue[]): Row[] => sql.exec(query, ...params).toArray() as Row[],
    run: (query: string, ...params: SqlValue[]): void => {
      sql.exec(query, ...params).toArray();
    },
    transaction: <T>(fn: () => T): T => storage.transactionSync(fn),
  };
}
