// The core's creation checks, as both hosts run them: over a whole store (Node) and over the facts a
// Cloudflare inbox reads and forwards (FactsDirectory). Same answers, same order, same wording.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FactsDirectory } from '../../../server/cloudflare/worker/facts-directory.js';
import type { Facts } from '../../../server/cloudflare/worker/wire.js';
import { checkMembers, creationShape } from '../../../src/core/creation.js';
import { MemoryStorage } from '../../../src/core/memory-storage.js';
import { anyoneInDirectory, mutualFollow } from '../../../src/core/policies.js';
import type { MessagingPolicy } from '../../../src/core/types.js';
import { LIMITS, type ClientFrameOf } from '../../../src/protocol/index.js';

const send = (conv: string, to?: string[]): ClientFrameOf<'send'> => ({
  t: 'send',
  conv,
  id: 'client-0001',
  body: { kind: 'text', text: 'hi' },
  ...(to ? { to } : {}),
});

test('creationShape: refusals in the core’s order, then the members and kind', () => {
  assert.equal((creationShape('ana', send('g:aaaaaaaa')) as { code: string }).code, 'not_member');
  assert.equal((creationShape('ana', send('g:aaaaaaaa', ['ana'])) as { code: string }).code, 'bad_frame');
  const crowd = Array.from({ length: LIMITS.members }, (_, i) => `p${i}`);
  assert.equal((creationShape('ana', send('g:aaaaaaaa', crowd)) as { code: string }).code, 'too_many_members');
  assert.equal((creationShape('ana', send('dm:ben:cy', ['ben'])) as { code: string }).code, 'conflict');
  assert.deepEqual(creationShape('ana', send('dm:ana:ben', ['ben', 'ben'])), { members: ['ana', 'ben'], direct: true });
  assert.deepEqual(creationShape('ana', send('g:aaaaaaaa', ['cy', 'ben'])), { members: ['ana', 'cy', 'ben'], direct: false });
});

/** The same people, blocks and follows, as a whole store and as forwarded facts. */
function both(facts: Facts): [MemoryStorage, FactsDirectory] {
  const store = new MemoryStorage();
  for (const user of facts.users) store.putUser(user);
  for (const [a, b] of facts.blocks) store.setBlocked(a, b, true);
  for (const [a, b] of facts.follows) store.setFollow(a, b, true);
  return [store, new FactsDirectory(facts)];
}

test('checkMembers: a whole store and the forwarded facts give one answer', () => {
  const people = ['ana', 'ben', 'cy'].map((id) => ({ id, name: id.toUpperCase() }));
  const cases: [Facts, MessagingPolicy, string[], string | undefined][] = [
    [{ users: people, blocks: [], follows: [] }, anyoneInDirectory, ['ana', 'ben', 'cy'], undefined],
    [{ users: people.slice(0, 2), blocks: [], follows: [] }, anyoneInDirectory, ['ana', 'ben', 'cy'], 'unknown_user unknown user "cy"'],
    [{ users: people.slice(1), blocks: [], follows: [] }, anyoneInDirectory, ['ana', 'ben'], 'unknown_user your profile is not in the directory'],
    [{ users: people, blocks: [['ben', 'ana']], follows: [] }, anyoneInDirectory, ['ana', 'ben', 'cy'], 'blocked you cannot message BEN'],
    [{ users: people, blocks: [['cy', 'ben']], follows: [] }, anyoneInDirectory, ['ana', 'ben', 'cy'], 'blocked some of these people cannot be in one conversation'],
    [{ users: people, blocks: [], follows: [['ana', 'ben']] }, mutualFollow, ['ana', 'ben'], 'forbidden BEN does not follow you'],
    [{ users: people, blocks: [], follows: [['ben', 'ana']] }, mutualFollow, ['ana', 'ben'], 'forbidden you do not follow BEN'],
    [{ users: people, blocks: [], follows: [['ana', 'ben'], ['ben', 'ana']] }, mutualFollow, ['ana', 'ben'], undefined],
  ];
  for (const [facts, policy, members, expected] of cases) {
    for (const directory of both(facts)) {
      const problem = checkMembers(directory, policy, members);
      assert.equal(problem && `${problem.code} ${problem.message}`, expected, `${directory.constructor.name}: ${JSON.stringify(facts)}`);
    }
  }
});
