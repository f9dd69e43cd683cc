import { atom, computed, type ReadableAtom, type WritableAtom } from 'nanostores';
import { DELETED_USER, DELETED_USER_NAME, type Conversation, type Message, type ServerFrameOf, type User } from '../protocol/index.js';

/** The profile shown for an erased person's tombstones. */
export const DELETED_PROFILE: User = { id: DELETED_USER, name: DELETED_USER_NAME };

/** A message from someone else that just became its conversation's newest. */
export interface Incoming {
  readonly conv: Conversation;
  readonly message: Message;
}

/**
 * Conversations and people: the signed-in person, everyone they may see, their
 * conversations and whom they blocked. Also decides, once for every element,
 * which changes are news: `$incoming`.
 */
export interface Directory {
  readonly stores: {
    readonly $me: WritableAtom<User | undefined>;
    readonly $users: WritableAtom<Readonly<Record<string, User>>>;
    readonly $conversations: WritableAtom<Readonly<Record<string, Conversation>>>;
    /** Conversations, most recent activity first. */
    readonly $conversationList: ReadableAtom<Conversation[]>;
    readonly $blocked: WritableAtom<readonly string[]>;
    readonly $incoming: ReadableAtom<Incoming | undefined>;
  };
  get(conv: string): Conversation | undefined;
  /** Replaces everything with what a welcome says: a catch-up, never news. */
  welcome(frame: ServerFrameOf<'welcome'>): void;
  /** Adds or updates a conversation; true when it was not known. */
  upsert(conv: Conversation): boolean;
  patch(conv: string, patch: Partial<Conversation>): void;
  /** A message joined the conversation: newest seq, last message and unread count follow it. */
  bump(c: Conversation, m: Message, unread: boolean): void;
  forget(conv: string): void;
  mergeUsers(users: readonly User[]): void;
  setBlocked(user: string, blocked: boolean): void;
}

export function createDirectory(user: string): Directory {
  const $me = atom<User | undefined>(undefined);
  const $users = atom<Readonly<Record<string, User>>>({});
  const $conversations = atom<Readonly<Record<string, Conversation>>>({});
  const $blocked = atom<readonly string[]>([]);
  const $incoming = atom<Incoming | undefined>(undefined);

  /** Every change to one conversation goes through here, so news is told apart in one place. */
  function put(c: Conversation): void {
    const all = $conversations.get();
    const before = all[c.id];
    $conversations.set({ ...all, [c.id]: c });
    // `lastSeq` only grows, and loading older history never moves it: only a newer message is news.
    const m = c.last;
    if (c.lastSeq > (before?.lastSeq ?? 0) && m && m.seq === c.lastSeq && m.from !== user && !m.hidden) {
      $incoming.set({ conv: c, message: m });
    }
  }

  const get = (conv: string): Conversation | undefined => $conversations.get()[conv];

  function patch(conv: string, changes: Partial<Conversation>): void {
    const c = get(conv);
    if (c) put({ ...c, ...changes });
  }

  function mergeUsers(users: readonly User[]): void {
    const all = { ...$users.get() };
    for (const u of users) all[u.id] = u;
    $users.set(all);
  }

  return {
    stores: {
      $me,
      $users,
      $conversations,
      $conversationList: computed($conversations, (all) => Object.values(all).sort((a, b) => activity(b) - activity(a))),
      $blocked,
      $incoming,
    },
    get,
    welcome(frame) {
      $me.set(frame.me);
      // Erased people's tombstones name DELETED_USER, whom no server lists: the client knows them.
      mergeUsers([DELETED_PROFILE, frame.me, ...frame.users]);
      $blocked.set(frame.blocked);
      const all: Record<string, Conversation> = {};
      for (const c of frame.conversations) all[c.id] = c;
      $conversations.set(all);
    },
    upsert(conv) {
      const known = get(conv.id);
      put(known ? { ...conv, last: conv.last ?? known.last } : conv);
      return !known;
    },
    patch,
    bump(c, m, unread) {
      if (m.seq <= c.lastSeq && !unread) return;
      patch(c.id, {
        lastSeq: Math.max(c.lastSeq, m.seq),
        last: m.seq >= c.lastSeq ? m : c.last,
        unread: c.unread + (unread ? 1 : 0),
      });
    },
    forget(conv) {
      const { [conv]: _gone, ...rest } = $conversations.get();
      $conversations.set(rest);
    },
    mergeUsers,
    setBlocked(who, blocked) {
      const others = $blocked.get().filter((u) => u !== who);
      $blocked.set(blocked ? [...others, who] : others);
    },
  };
}

export function activity(c: Conversation): number {
  return c.last?.at ?? c.createdAt;
}
