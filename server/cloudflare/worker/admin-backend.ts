import type { User } from '../../../src/core/types.js';
import type { AdminBackend, FollowChange } from '../../shared/admin/index.js';
import { directoryOf, inboxOf, type Env } from './env.js';

/**
 * The server API over the objects: profiles in the Directory object (a batch
 * in one transaction), follows in both people's Inbox objects, as the
 * mutual-follow policy reads them there. A follow batch makes one call per
 * person it names; the calls are not one transaction, but every change is
 * idempotent, so a batch that failed half-way is simply sent again.
 */
export function objectsAdminBackend(env: Env): AdminBackend {
  const directory = () => directoryOf(env);
  return {
    getUsers: async (ids: readonly string[]) => directory().get([...ids]),
    putUsers: async (users: readonly User[]) => directory().putMany([...users]),
    listUsers: async (after: string, limit: number) => directory().list(after, limit),
    async setFollows(changes: readonly FollowChange[]) {
      const byPerson = new Map<string, FollowChange[]>();
      for (const change of changes) {
        for (const person of [change.follower, change.followee]) {
          const list = byPerson.get(person) ?? [];
          list.push(change);
          byPerson.set(person, list);
        }
      }
      await Promise.all([...byPerson].map(([person, list]) => inboxOf(env, person).setFollows(list)));
    },
    followeesOf: async (user: string) => (await inboxOf(env, user).peopleOf()).follows,
    blockedBy: async (user: string) => (await inboxOf(env, user).peopleOf()).blocks,
  };
}
