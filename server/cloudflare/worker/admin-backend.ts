import type { User } from '../../../src/core/types.js';
import type { AdminBackend, DeadLetter, FollowChange, ReportAction, ReportStatus, UserExport, WebhookAdmin } from '../../shared/admin/index.js';
import { EXPORT_PAGE } from '../../shared/admin/moderation.js';
import { conversationOf, directoryOf, inboxOf, webhooksOf, type Env } from './env.js';
import { holderOf, type OutboxHolder } from './webhooks.js';

/** Objects called at once by one server API call (each is a subrequest of the worker's). */
const FAN_OUT = 32;

/**
 * The server API over the objects: profiles in the Directory object (a batch
 * in one transaction), follows in both people's Inbox objects, as the
 * mutual-follow policy reads them there. A follow batch makes one call per
 * person it names; the calls are not one transaction, but every change is
 * idempotent, so a batch that failed half-way is simply sent again.
 *
 * Reports live in their conversation objects and are indexed in the
 * Directory object when filed; bans in the person's Inbox object, which
 * refuses their sockets. Erasure visits every object holding something of
 * the person: each conversation in their list, the inboxes of everyone they
 * blocked, followed or talked to, the directory, then their own inbox.
 * Every step is idempotent, so an erasure that failed half-way is sent again
 * (the profile goes last but one, so the retry still finds the person).
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

    async eraseUser(user: string) {
      const inbox = inboxOf(env, user);
      const { conversations, related } = await inbox.holdings();
      const dropped: string[] = [];
      const members = new Set(related);
      for (const conv of conversations) {
        const erased = await conversationOf(env, conv).erase(user);
        if (erased.dropped) dropped.push(conv);
        for (const member of [...erased.members, ...(conv.startsWith('dm:') ? conv.slice(3).split(':') : [])]) members.add(member);
      }
      members.delete(user);
      await Promise.all([...members].map((member) => inboxOf(env, member).forgetPerson(user)));
      await directory().erase(user, dropped);
      await inbox.erase();
    },
    async exportUser(user: string): Promise<UserExport> {
      const inbox = inboxOf(env, user);
      const [{ follows, blocks }, { conversations: ids, followers }, reports] = await Promise.all([
        inbox.peopleOf(),
        inbox.holdings(),
        directory().reportsBy(user),
      ]);
      const conversations: UserExport['conversations'] = [];
      const messages: UserExport['messages'] = [];
      for (const conv of ids) {
        const target = conversationOf(env, conv);
        const view = await target.record();
        if (view?.members.includes(user)) {
          conversations.push({ id: view.id, kind: view.kind, members: view.members, ...(view.title !== undefined ? { title: view.title } : {}), createdAt: view.createdAt });
        }
        for (let after = 0; ; ) {
          const page = await target.sentBy(user, after, EXPORT_PAGE);
          for (const m of page) messages.push({ conv, seq: m.seq, id: m.id, at: m.at, body: m.body });
          if (page.length < EXPORT_PAGE) break;
          after = page[page.length - 1].seq;
        }
      }
      return {
        follows,
        followers,
        blocks,
        conversations,
        messages,
        reports: reports.map((r) => ({ id: r.id, conv: r.conv, seq: r.seq, ...(r.reason !== undefined ? { reason: r.reason } : {}), at: r.at, status: r.status })),
      };
    },
    listReports: async (status: ReportStatus, after: string, limit: number) => directory().reportPage(status, after, limit),
    getReport: async (id: string) => directory().report(id),
    resolveReport: async (id: string, action: ReportAction, at: number) => directory().resolveReport(id, action, at),
    deleteMessage: async (conv: string, seq: number) => conversationOf(env, conv).remove(seq),
    setBan: async (user: string, ban: { until: number | null } | undefined) => inboxOf(env, user).setBan(ban),
    banOf: async (user: string, now: number) => inboxOf(env, user).banOf(now),
    webhooks: webhooksOf(env) && objectsWebhookAdmin(env),
  };
}

/**
 * Dead letters live in the outboxes of the objects that recorded them; the
 * directory's registry names those holding failed events, and each call
 * visits them all, FAN_OUT at a time. A page takes the first `limit` by id
 * from every object and merges them, so paging by id is exact across
 * objects. The registry stays small while the receiver answers; after a long
 * outage it holds every object with events then, and a call visits each.
 */
function objectsWebhookAdmin(env: Env): WebhookAdmin {
  const visit = async <T>(call: (holder: OutboxHolder) => Promise<T>): Promise<T[]> => {
    const holders = (await directoryOf(env).outboxes()).map(({ kind, name }) => holderOf(env, kind, name));
    const out: T[] = [];
    for (let i = 0; i < holders.length; i += FAN_OUT) out.push(...(await Promise.all(holders.slice(i, i + FAN_OUT).map(call))));
    return out;
  };
  return {
    async deadLetters(after: string, limit: number): Promise<DeadLetter[]> {
      const pages = await visit((h) => h.webhookDeadLetters(after, limit));
      return pages
        .flat()
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, limit);
    },
    async replay(ids: readonly string[] | undefined): Promise<string[]> {
      const done = await visit((h) => h.webhookReplay(ids ? [...ids] : undefined));
      return done.flat();
    },
    async counts() {
      const all = await visit((h) => h.webhookCounts());
      return all.reduce((sum, c) => ({ pending: sum.pending + c.pending, dead: sum.dead + c.dead }), { pending: 0, dead: 0 });
    },
  };
}
