import { done, openStore, request } from './idb.js';
import type { OutboxEntry } from './outbox.js';

/**
 * Where unsent messages wait so that they survive a reload or a closed tab
 * (F7). The server stays the source of truth; this only bridges the gap.
 */
export interface OutboxStorage {
  /**
   * Claims and returns the stored entries of `user` that no live tab owns
   * (every entry, for a single-tab store). Called at start and from time to time.
   */
  claim(user: string): Promise<OutboxEntry[]>;
  put(entry: OutboxEntry): Promise<void>;
  delete(id: string): Promise<void>;
  /** Releases this tab's ownership (its entries become claimable). */
  close(): void;
}

/** Keeps entries in memory: for Node, tests, and pages that opt out of persistence. */
export function memoryOutboxStorage(): OutboxStorage {
  const entries = new Map<string, OutboxEntry>();
  let claimed = false;
  return {
    async claim(user) {
      if (claimed) return [];
      claimed = true;
      return [...entries.values()].filter((e) => e.user === user);
    },
    async put(entry) {
      entries.set(entry.id, structuredClone(entry));
    },
    async delete(id) {
      entries.delete(id);
    },
    close() {
      claimed = false;
    },
  };
}

interface StoredEntry {
  entry: OutboxEntry;
  /** The tab that owns it; a tab owns while it holds the Web Lock named after it. */
  owner: string;
}

const STORE = 'outbox';

/**
 * IndexedDB outbox shared by the tabs of one browser profile. Each tab holds
 * a Web Lock named after itself for as long as it lives; entries whose owner's
 * lock is gone (the tab closed or crashed) are claimed by exactly one other
 * tab, under a second lock, so two tabs never send the same entries.
 */
export function indexedDbOutboxStorage(dbName = 'pin-messaging'): OutboxStorage {
  const tab = `${dbName}:tab:${crypto.randomUUID()}`;
  let release: (() => void) | undefined;
  const ownLock = new Promise<void>((held) => {
    void navigator.locks.request(tab, () => {
      held();
      return new Promise<void>((resolve) => (release = resolve));
    });
  });
  const db = openStore(dbName, STORE);
  db.catch(() => undefined); // each use below handles it
  let warned = false;

  // A refused write (private mode, quota) leaves the message in the page's own outbox, which
  // still sends it: failing the send instead would only make the person write it again.
  async function write(fn: (store: IDBObjectStore) => void): Promise<void> {
    try {
      const tx = (await db).transaction(STORE, 'readwrite');
      fn(tx.objectStore(STORE));
      await done(tx);
    } catch (error) {
      if (!warned) console.warn('pin-messaging: unsent messages are kept by this page only', error);
      warned = true;
    }
  }

  return {
    async claim(user) {
      await ownLock;
      // Without a database nothing can have been stored: not an error to report every second.
      const database = await db.catch(() => undefined);
      if (!database) return [];
      return navigator.locks.request(`${dbName}:claim`, async () => {
        const held = new Set((await navigator.locks.query()).held?.map((l) => l.name));
        const tx = database.transaction(STORE, 'readwrite');
        const store = tx.objectStore(STORE);
        const all = (await request(store.getAll())) as StoredEntry[];
        const mine: OutboxEntry[] = [];
        for (const stored of all) {
          if (stored.entry.user !== user || (stored.owner !== tab && held.has(stored.owner))) continue;
          if (stored.owner !== tab) store.put({ entry: stored.entry, owner: tab } satisfies StoredEntry, stored.entry.id);
          mine.push(stored.entry);
        }
        await done(tx);
        return mine;
      });
    },
    put(entry) {
      return write((store) => store.put({ entry: structuredClone(entry), owner: tab } satisfies StoredEntry, entry.id));
    },
    delete(id) {
      return write((store) => store.delete(id));
    },
    close() {
      release?.();
      void db.then((d) => d.close(), () => undefined);
    },
  };
}

/** IndexedDB where the page has it and Web Locks to coordinate tabs, memory otherwise. */
export function defaultOutboxStorage(): OutboxStorage {
  const ok = typeof indexedDB !== 'undefined' && typeof navigator !== 'undefined' && 'locks' in navigator;
  return ok ? indexedDbOutboxStorage() : memoryOutboxStorage();
}
