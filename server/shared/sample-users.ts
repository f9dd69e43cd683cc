import type { DirectoryPort, User } from '../../src/core/types.js';

/** People of the demo directory. Avatars are filled in with the server's own URL. */
export const SAMPLE_USERS: readonly Omit<User, 'avatar'>[] = [
  { id: 'ana', name: 'Ana Souza' },
  { id: 'ben', name: 'Ben Carter' },
  { id: 'chloe', name: 'Chloé Martin' },
  { id: 'dev', name: 'Dev Patel' },
  { id: 'emi', name: 'Emi Tanaka' },
  { id: 'farah', name: 'Farah Haddad' },
  { id: 'gus', name: 'Gus Lindqvist' },
  { id: 'hana', name: 'Hana Kim' },
  { id: 'ivan', name: 'Ivan Petrov' },
  { id: 'jo', name: 'Jo Okafor' },
  { id: 'loom-studio', name: 'Loom Studio', brand: true },
  { id: 'greenleaf', name: 'Greenleaf Kitchen', brand: true },
];

/**
 * Who follows whom. Most people follow each other (the mutual-follow policy
 * lets them talk); both brands are followed by several people, but each
 * follows back only some of them, so the brand rule shows in the demo.
 */
const FOLLOWS: readonly [string, string][] = [
  ...mutual('ana', ['ben', 'chloe', 'dev', 'emi', 'farah', 'loom-studio']),
  ...mutual('ben', ['chloe', 'gus', 'hana']),
  ...mutual('chloe', ['dev', 'ivan', 'greenleaf']),
  ...mutual('dev', ['emi', 'jo']),
  ...mutual('emi', ['farah', 'hana']),
  ...mutual('gus', ['hana', 'ivan', 'jo']),
  ['ben', 'loom-studio'],
  ['dev', 'loom-studio'],
  ['jo', 'loom-studio'],
  ['ana', 'greenleaf'],
  ['hana', 'greenleaf'],
];

function mutual(a: string, others: string[]): [string, string][] {
  return others.flatMap((b): [string, string][] => [
    [a, b],
    [b, a],
  ]);
}

/** Puts the sample people and their follows into `storage` (idempotent). */
export function seedSampleUsers(storage: DirectoryPort, baseUrl: string): void {
  for (const user of SAMPLE_USERS) storage.putUser({ ...user, avatar: `${baseUrl}/avatars/${user.id}.svg` });
  for (const [follower, followee] of FOLLOWS) storage.setFollow(follower, followee, true);
}
