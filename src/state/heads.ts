import { atom, type WritableAtom } from 'nanostores';
import type { Conversation } from '../protocol/index.js';

export type HeadsStorage = Pick<Storage, 'getItem' | 'setItem'>;

/**
 * The chat heads, front first, and the ones the person dismissed: a dismissal
 * remembers the conversation's newest seq, so only a newer message brings the
 * head back, across reloads where a storage is given.
 */
export interface Heads {
  readonly stores: { readonly $heads: WritableAtom<readonly string[]> };
  /** Brings a head to the front, forgetting its dismissal. */
  show(conv: string): void;
  dismiss(conv: string, lastSeq: number): void;
  isDismissed(conv: string): boolean;
  /** The conversation is gone: so is its head. */
  remove(conv: string): void;
  /** A welcome restated every conversation: heads for those with news since their dismissal, most recent first. */
  reset(byActivity: readonly Conversation[]): void;
}

export function createHeads(user: string, storage: HeadsStorage | undefined): Heads {
  const $heads = atom<readonly string[]>([]);
  const key = `pin-messaging:dismissed:${user}`;
  const dismissed = load();

  function load(): Map<string, number> {
    try {
      const saved = JSON.parse(storage?.getItem(key) ?? '{}') as Record<string, unknown>;
      return new Map(Object.entries(saved).filter((e): e is [string, number] => typeof e[1] === 'number'));
    } catch {
      return new Map();
    }
  }

  function save(): void {
    try {
      storage?.setItem(key, JSON.stringify(Object.fromEntries(dismissed)));
    } catch {
      // Storage full or blocked: dismissals then last for this page only.
    }
  }

  const remove = (conv: string): void => $heads.set($heads.get().filter((h) => h !== conv));

  return {
    stores: { $heads },
    show(conv) {
      if (dismissed.delete(conv)) save();
      const heads = $heads.get();
      if (heads[0] !== conv) $heads.set([conv, ...heads.filter((h) => h !== conv)]);
    },
    dismiss(conv, lastSeq) {
      dismissed.set(conv, lastSeq);
      save();
      remove(conv);
    },
    isDismissed: (conv) => dismissed.has(conv),
    remove,
    reset(byActivity) {
      $heads.set(byActivity.filter((c) => (dismissed.get(c.id) ?? -1) < c.lastSeq).map((c) => c.id));
    },
  };
}

/** The page's localStorage, where there is one and it may be used. */
export function pageStorage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined; // blocked (third-party iframe, privacy settings)
  }
}
