import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { durableSql } from '../../server/cloudflare/worker/sql.js';

describe('durableSql', () => {
  it('keeps all writes of a transaction or none', async () => {
    const stub = env.Directory.get(env.Directory.idFromName('sql-binding'));
    await runInDurableObject(stub, (_instance, state) => {
      const sql = durableSql(state.storage);
      sql.run('CREATE TABLE t (n INTEGER)');
      sql.transaction(() => sql.run('INSERT INTO t (n) VALUES (?)', 1));
      expect(() =>
        sql.transaction(() => {
          sql.run('INSERT INTO t (n) VALUES (?)', 2);
          throw new Error('rolled back');
        }),
      ).toThrow('rolled back');
      expect(sql.all('SELECT n FROM t ORDER BY n')).toEqual([{ n: 1 }]);
    });
  });
});
