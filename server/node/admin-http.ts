import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatCore } from '../../src/core/core.js';
import { DELETED_USER, type User } from '../../src/protocol/index.js';
import { ADMIN_PREFIX, handleAdminRequest, MAX_BODY_BYTES, errorResponse, tooLarge, type AdminBackend, type AdminOptions } from '../shared/admin/index.js';
import { hasAdminKey, unauthorized } from '../shared/admin/auth.js';
import type { FollowChange, ReportAction, ReportStatus, UserExport } from '../shared/admin/backend.js';
import { EXPORT_PAGE } from '../shared/admin/moderation.js';
import type { SqlStorage } from '../shared/storage/sql.js';
import { SqlDirectory } from '../shared/storage/sql-directory.js';
import type { Sql } from '../shared/storage/sql.js';
import type { GroupCommit } from './group-commit.js';
import type { Target } from './routes.js';
import { forgetQueuedPerson } from '../shared/webhooks/message-events.js';
import { forgetPerson } from '../shared/webhooks/outbox.js';
import type { WebhookDelivery } from './webhooks.js';

export function isAdminPath(path: string): boolean {
  return path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`);
}

/** Hooks of the server a write needs: its group commit, and word of a commit that failed. */
export interface CommitHooks {
  commits: GroupCommit;
  /** Registers a listener for failed commits; returns its removal. */
  onCommitFailure(listener: (error: unknown) => void): () => void;
}

/**
 * The server API over the SQL directory. Writes join the current turn's
 * transaction (one savepoint per call, so a batch is all or nothing) and
 * resolve only after it commits, as an ack does.
 */
export function sqlAdminBackend(sql: Sql, hooks: CommitHooks, chat: { core: ChatCore; storage: SqlStorage; webhooks?: WebhookDelivery }): AdminBackend {
  const directory = new SqlDirectory(sql, true);
  const { core, storage, webhooks } = chat;
  const write = (apply: () => void) =>
    new Promise<void>((resolve, reject) => {
      const stop = hooks.onCommitFailure(reject);
      try {
        hooks.commits.run(() => sql.transaction(apply));
      } catch (error) {
        stop();
        return reject(error);
      }
      hooks.commits.send(() => {
        stop();
        resolve();
      });
    });
  return {
    getUsers: async (ids: readonly string[]) => ids.map((id) => directory.getUser(id)).filter((u): u is User => u !== undefined),
    putUsers: (users: readonly User[]) => write(() => users.forEach((u) => directory.putUser(u))),
    listUsers: async (after: string, limit: number) => directory.listUsers(after, limit),
    setFollows: (changes: readonly FollowChange[]) => write(() => changes.forEach((c) => directory.setFollow(c.follower, c.followee, c.follows))),
    followeesOf: async (user: string) => directory.followeesOf(user),
    blockedBy: async (user: string) => directory.blockedBy(user),

    eraseUser: (user: string) =>
      write(() => {
        // Through the core's store, so its cached conversations follow; the core tells open clients.
        core.eraseFromConversations(user);
        directory.forgetUser(user);
        // Webhook events and notices about the person are theirs too.
        forgetPerson(sql, user);
        forgetQueuedPerson(sql, user);
      }),
    exportUser: async (user: string): Promise<UserExport> => {
      const messages: UserExport['messages'] = [];
      let after = { conv: '', seq: 0 };
      for (;;) {
        const page = storage.messagesBy(user, after.conv, after.seq, EXPORT_PAGE);
        for (const m of page) messages.push({ conv: m.conv, seq: m.seq, id: m.id, at: m.at, body: m.body });
        if (page.length < EXPORT_PAGE) break;
        after = page[page.length - 1];
      }
      return {
        follows: directory.followeesOf(user),
        followers: directory.followersOf(user),
        blocks: directory.blockedBy(user),
        conversations: storage.conversationsOf(user).map((c) => ({
          id: c.id,
          kind: c.kind,
          members: c.members,
          ...(c.title !== undefined ? { title: c.title } : {}),
          createdAt: c.createdAt,
        })),
        messages,
        reports: storage.reportsBy(user).map((r) => ({
          id: r.id!,
          conv: r.conv,
          seq: r.seq,
          ...(r.reason !== undefined ? { reason: r.reason } : {}),
          at: r.at,
          status: storage.getReport(r.id!)?.status ?? 'open',
        })),
      };
    },
    listReports: async (status: ReportStatus, after: string, limit: number) => storage.reportPage(status, after, limit),
    getReport: async (id: string) => storage.getReport(id),
    resolveReport: async (id: string, action: ReportAction, at: number) => {
      let resolved = false;
      await write(() => void (resolved = storage.resolveReport(id, action, at)));
      return resolved;
    },
    deleteMessage: async (conv: string, seq: number) => {
      let found = false;
      await write(() => void (found = core.deleteMessage(conv, seq) !== undefined));
      return found;
    },
    setBan: async (user: string, ban: { until: number | null } | undefined) => {
      if (user === DELETED_USER) return;
      await write(() => directory.setBan(user, ban !== undefined, ban?.until ?? null));
      if (ban) core.ban(user, ban.until);
    },
    banOf: async (user: string, now: number) => directory.banOf(user, now),
    webhooks: webhooks && {
      deadLetters: async (after, limit) => webhooks.deadLetters(limit, after).map(({ doneAt, ...e }) => ({ ...e, ...(doneAt !== undefined ? { deadAt: doneAt } : {}) })),
      replay: async (ids) => webhooks.replay(ids),
      counts: async () => {
        const { pending, dead } = webhooks.counts();
        return { pending, dead };
      },
    },
  };
}

/**
 * Adapts one Node request to the shared Fetch router: the body is read up to
 * MAX_BODY_BYTES (a larger one is refused without reading the rest), and the
 * server's request timeout still bounds how long that may take.
 */
export async function serveAdmin(options: AdminOptions, { path, query }: Target, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const search = query.size ? `?${query}` : '';
  const headers = new Headers();
  for (const name of ['authorization', 'content-type']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  let body: Uint8Array<ArrayBuffer> | undefined;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    // A stranger's body is not read at all: the key is checked on the headers first.
    if (options.key !== undefined && !(await hasAdminKey(new Request('http://server.invalid/', { headers }), options.key))) {
      return answerBeforeBody(req, res, errorResponse(unauthorized()));
    }
    const read = await readCapped(req, MAX_BODY_BYTES);
    if (!read) return answerBeforeBody(req, res, errorResponse(tooLarge()));
    body = new Uint8Array(read);
  }
  const request = new Request(`http://server.invalid${path}${search}`, { method: req.method, headers, body });
  await write(res, await handleAdminRequest(request, options));
}

/** The whole body, or undefined as soon as it is over `cap` (declared or sent). */
function readCapped(req: IncomingMessage, cap: number): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > cap) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) {
        req.off('data', onData);
        resolve(undefined);
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** How long the rest of an unread body is still read and dropped after an answer given before it (see answerBeforeBody), ms. */
const LINGER_MS = 2_000;

/**
 * Answers a request whose body is not read (a stranger's, or one over the
 * cap) without resetting the connection: the rest of the body is read and
 * dropped, and the connection stays usable once it has ended; a client still
 * sending after LINGER_MS is cut off. Closing at once with unread bytes would
 * make the kernel send a reset, which can discard the answer before the
 * client reads it (the client would see a reset, not the 401 or 413).
 */
async function answerBeforeBody(req: IncomingMessage, res: ServerResponse, response: Response): Promise<void> {
  const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
  await write(res, response);
}

async function write(res: ServerResponse, response: Response): Promise<void> {
  const text = await response.text();
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  res.end(text);
}
