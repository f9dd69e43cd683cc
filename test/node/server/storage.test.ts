import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MemoryStorage } from '../../../src/core/memory-storage.js';
import { openLibsql, type LibsqlBinding } from '../../../server/node/libsql.js';
import { MIGRATIONS } from '../../../server/shared/storage/schema.js';
import { SqlConversations, SqlDirectory, SqlStorage } from '../../../server/shared/storage/sql.js';
import { storageContract } from './storage-contract.js';

const bindings: LibsqlBinding[] = [];
after(() => Promise.all(bindings.map((b) => b.close())));

storageContract('MemoryStorage', () => new MemoryStorage());
storageContract('SqlStorage', () => {
  const binding = openLibsql(':memory:');
  bindings.push(binding);
  return new SqlStorage(binding);
});

test('SqlStorage: a reopened file keeps its data and its schema version', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pin-sql-'));
  try {
    const path = join(dir, 'nested', 'chat.db');
    const first = openLibsql(path);
    const store = new SqlStorage(first);
    store.putUser({ id: 'ana', name: 'Ana' });
    store.createConversation({ id: 'g:persist1', kind: 'group', members: ['ana', 'ben'], createdBy: 'ana', createdAt: 1, lastSeq: 0 });
    store.append('g:persist1', 'ana', 'client-0001', { kind: 'text', text: 'kept' }, 2);
    await first.close();

    const second = openLibsql(path);
    const reopened = new SqlStorage(second);
    assert.deepEqual(reopened.getUser('ana'), { id: 'ana', name: 'Ana' });
    assert.equal(reopened.append('g:persist1', 'ben', 'client-0002', { kind: 'text', text: 'next' }, 3).message.seq, 2);
    // Each migration applied once, in order, and none again on reopening.
    assert.deepEqual(second.all('SELECT version FROM schema_version ORDER BY version'), MIGRATIONS.map((_, i) => ({ version: i + 1 })));
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SqlStorage: a failed append leaves no half-written message', () => {
  const binding = openLibsql(':memory:');
  bindings.push(binding);
  const store = new SqlStorage(binding);
  assert.throws(() => store.append('g:missing1', 'ana', 'client-0001', { kind: 'text', text: 'x' }, 1));
  assert.deepEqual(binding.all('SELECT count(*) AS n FROM messages'), [{ n: 0 }]);
});

test('SqlDirectory and SqlConversations alone create only their own tables, and count their versions apart', () => {
  const tables = (binding: LibsqlBinding) =>
    binding
      .all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .map((r) => String(r.name))
      .filter((name) => !name.startsWith('sqlite_'));
  const people = openLibsql(':memory:');
  const rooms = openLibsql(':memory:');
  bindings.push(people, rooms);
  new SqlDirectory(people);
  new SqlConversations(rooms);
  assert.deepEqual(tables(people), ['bans', 'blocks', 'follows', 'schema_version_directory', 'users']);
  assert.deepEqual(tables(rooms), ['conversations', 'members', 'messages', 'mutes', 'reads', 'reports', 'schema_version_conversations']);
  new SqlDirectory(people);
  assert.equal(people.all('SELECT version FROM schema_version_directory').length, MIGRATIONS.length, 'none applied again');
});

test('SqlConversations: unread counts leave out the senders it is told to hide', () => {
  const binding = openLibsql(':memory:');
  bindings.push(binding);
  const store = new SqlConversations(binding);
  store.createConversation({ id: 'g:unread01', kind: 'group', members: ['ana', 'ben', 'cy'], createdBy: 'ana', createdAt: 1, lastSeq: 0 });
  store.append('g:unread01', 'ben', 'client-0001', { kind: 'text', text: 'a' }, 2);
  store.append('g:unread01', 'cy', 'client-0002', { kind: 'text', text: 'b' }, 3);
  assert.equal(store.unreadCount('g:unread01', 'ana'), 2);
  assert.equal(store.unreadCount('g:unread01', 'ana', ['cy']), 1);
});
