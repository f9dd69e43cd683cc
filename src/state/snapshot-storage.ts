import { batch, onSet, type WritableAtom } from 'nanostores';
import { parseServerFrame, type Conversation, type User } from '../protocol/index.js';
import { activity } from './directory.js';
import { done, openStore, request } from './idb.js';

/**
 * The conversation list as a page last had it from the server: what the chat
 * heads, their unread badges and the panels' newest messages show before the
 * server answers again (an offline start). No history beyond each
 * conversation's `last`. The server's welcome replaces it on every connect.
 */
export interface ChatSnapshot {
  me: User;
  /** The members of the conversations kept. */
  users: User[];
  /** Newest activity first, at most `SNAPSHOT_CONVERSATIONS`. */
  conversations: Conversation[];
  blocked: string[];
  /** Conversations shown as chat heads, front first. */
  heads: string[];
}

/** Where one server's snapshots are kept, one per signed-in person. */
export interface SnapshotStorage {
  /** The person's last snapshot, undefined when there is none. May reject: the caller treats that as none. */
  load(user: string): Promise<ChatSnapshot | undefined>;
  save(user: string, snapshot: ChatSnapshot): Promise<void>;
}

/** Conversations a snapshot keeps: the heads and the "+N" menu rarely show more. */
export const SNAPSHOT_CONVERSATIONS = 100;

/** Keeps snapshots in memory: for tests and stories, where nothing should outlive the run. */
export function memorySnapshotStorage(): SnapshotStorage {
  const saved = new Map<string, ChatSnapshot>();
  return {
    async load(user) {
      return structuredClone(saved.get(user));
    },
    async save(user, snapshot) {
      saved.set(user, structuredClone(snapshot));
    },
  };
}

const STORE = 'snapshots';

/**
 * Snapshots in IndexedDB, under `server` and the person's id, so that two
 * servers or two people on one browser never see each other's. Opens the
 * database on first use; where it cannot (private modes, blocked storage),
 * every call rejects and the page simply starts without a snapshot.
 */
export function indexedDbSnapshotStorage(server: string, dbName = 'pin-messaging-snapshots'): SnapshotStorage {
  let db: Promise<IDBDatabase> | undefined;
  const store = async (mode: IDBTransactionMode) =>
    (await (db ??= openStore(dbName, STORE))).transaction(STORE, mode).objectStore(STORE);
  return {
    async load(user) {
      return request((await store('readonly')).get([server, user])) as Promise<ChatSnapshot | undefined>;
    },
    async save(user, snapshot) {
      const s = await store('readwrite');
      s.put(snapshot, [server, user]);
      await done(s.transaction);
    },
  };
}

/** IndexedDB where the page has it; none in Node, or where a page has no IndexedDB at all. */
export function defaultSnapshotStorage(server: string): SnapshotStorage | undefined {
  return typeof indexedDB === 'undefined' ? undefined : indexedDbSnapshotStorage(server);
}

/** The client's stores a snapshot is taken from and put back into. */
export interface SnapshotSource {
  readonly user: string;
  readonly $me: WritableAtom<User | undefined>;
  readonly $users: WritableAtom<Readonly<Record<string, User>>>;
  readonly $conversations: WritableAtom<Readonly<Record<string, Conversation>>>;
  readonly $heads: WritableAtom<readonly string[]>;
  readonly $blocked: WritableAtom<readonly string[]>;
}

// Writes wait this long after the last one: a welcome and its replay, or a burst of
// messages, is one write.
const SAVE_EVERY_MS = 1_000;

/** Started and stopped with the client's connection. */
export interface SnapshotKeeper {
  start(): void;
  stop(): void;
}

/**
 * Puts a saved snapshot into a client's stores when it starts, before the
 * server has said anything, and saves the stores again (at most once a
 * second) once the server has. Stores are read through `.value` and watched
 * through `onSet`: neither counts as a subscriber, so the keeper never keeps
 * a lazily opened connection open.
 */
export function keepSnapshots(client: SnapshotSource, storage: SnapshotStorage): SnapshotKeeper {
  const { user, $me, $users, $conversations, $heads, $blocked } = client;
  /** The `me` a snapshot put back: until a welcome replaces it, the stores hold nothing new to save. */
  let restored: User | undefined;
  let off: (() => void)[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let savedAt = 0;
  let started = false;

  async function restore(): Promise<void> {
    const saved = await storage.load(user).catch(() => undefined);
    // The server spoke first (its word wins), or the client stopped meanwhile.
    if (!saved || $me.value || !started) return;
    // Stored by an older version, or edited by hand: the frame checks decide what a page may show.
    const parsed = parseServerFrame(JSON.stringify({ ...saved, t: 'welcome', v: 1, heads: undefined }));
    if (!parsed.ok || parsed.frame.t !== 'welcome' || parsed.frame.me.id !== user) return;
    const { me, users, conversations, blocked } = parsed.frame;
    const all: Record<string, Conversation> = {};
    for (const c of conversations) all[c.id] = c;
    const people: Record<string, User> = {};
    for (const u of users) people[u.id] = u;
    // Before a welcome the stores are empty, but for heads of messages sent at once.
    const heads = new Set([...$heads.value!, ...(Array.isArray(saved.heads) ? saved.heads : [])]);
    batch(() => {
      restored = me;
      // `me` changes with the conversations, so nothing here is announced as new (see IncomingController).
      $me.set(me);
      $users.set(people);
      $blocked.set(blocked);
      $conversations.set(all);
      $heads.set([...heads].filter((id) => typeof id === 'string' && all[id]));
    });
  }

  function take(): ChatSnapshot | undefined {
    const me = $me.value;
    if (!me || me === restored) return undefined;
    const conversations = Object.values($conversations.value!)
      .sort((a, b) => activity(b) - activity(a))
      .slice(0, SNAPSHOT_CONVERSATIONS);
    const kept = new Set(conversations.map((c) => c.id));
    const members = new Set(conversations.flatMap((c) => c.members));
    return {
      me,
      users: Object.values($users.value!).filter((u) => members.has(u.id)),
      conversations,
      blocked: [...$blocked.value!],
      heads: $heads.value!.filter((id) => kept.has(id)),
    };
  }

  function flush(): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    const snapshot = take();
    if (!snapshot) return;
    savedAt = Date.now();
    storage.save(user, snapshot).catch(() => undefined);
  }

  function schedule(): void {
    timer ??= setTimeout(flush, savedAt + SAVE_EVERY_MS - Date.now());
  }

  return {
    start() {
      if (started) return;
      started = true;
      off = [$me, $users, $conversations, $heads, $blocked].map(($store) => onSet($store, schedule));
      globalThis.addEventListener?.('pagehide', flush);
      void restore();
    },
    stop() {
      if (!started) return;
      started = false;
      for (const unbind of off) unbind();
      globalThis.removeEventListener?.('pagehide', flush);
      flush();
    },
  };
}
