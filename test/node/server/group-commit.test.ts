import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupCommit } from '../../../server/node/group-commit.js';
import type { LibsqlBinding } from '../../../server/node/libsql.js';

function fakeDb(failCommit = false) {
  const log: string[] = [];
  const db = {
    beginBatch: () => log.push('begin'),
    commitBatch: () => {
      log.push('commit');
      if (failCommit) throw new Error('disk full');
    },
  } as unknown as LibsqlBinding;
  return { db, log };
}

test('frames of one turn share one commit, and replies leave only after it, in order', async () => {
  const { db, log } = fakeDb();
  const commits = new GroupCommit(db, () => assert.fail('no failure expected'));
  for (const n of [1, 2, 3]) commits.run(() => commits.send(() => log.push(`reply ${n}`)));
  assert.deepEqual(log, ['begin'], 'nothing is sent before the commit');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(log, ['begin', 'commit', 'reply 1', 'reply 2', 'reply 3']);
  commits.send(() => log.push('outside a turn'));
  assert.equal(log.at(-1), 'outside a turn', 'outside a turn, frames go at once');
});

test('a failed commit sends none of the turn’s replies and reports the failure', async () => {
  const { db, log } = fakeDb(true);
  let failure: unknown;
  const commits = new GroupCommit(db, (error) => (failure = error));
  commits.run(() => commits.send(() => log.push('ack')));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(log, ['begin', 'commit']);
  assert.match(String(failure), /disk full/);
});

test('work waiting for the turn to end runs after its commit and its replies, or after a failed commit, never inside the turn', async () => {
  for (const fail of [false, true]) {
    const { db, log } = fakeDb(fail);
    const commits = new GroupCommit(db, () => log.push('failed'));
    commits.whenClosed(() => log.push('outside a turn: at once'));
    commits.run(() => {
      commits.send(() => log.push('reply'));
      commits.whenClosed(() => log.push('after'));
    });
    assert.deepEqual(log, ['outside a turn: at once', 'begin']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, fail ? ['outside a turn: at once', 'begin', 'commit', 'failed', 'after'] : ['outside a turn: at once', 'begin', 'commit', 'reply', 'after']);
  }
});
