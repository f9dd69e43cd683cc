import type { Conversation as ConversationView, Message, ServerFrame, User } from '../../../src/protocol/index.js';
import type { AppendResult, ConversationPort, ConversationRecord } from '../../../src/core/types.js';
import type { Sql } from '../../shared/storage/migrate.js';
import { SqlDirectory } from '../../shared/storage/sql-directory.js';
import type { InboxDelivery } from './wire.js';

/** Conversations' rows are written by their own objects, never through an inbox. */
const OBJECTS_WRITE = 'conversations are kept by their objects';

/** One conversation in a person's list, as that person sees it. */
interface Entry {
  view: ConversationView;
  /** Messages from others up to this seq are already counted in `view.unread`. */
  counted: number;
  /** A direct conversation the person left: hidden, but a write to it is still routed. */
  left?: boolean;
}

/** Results fetched from other objects before a frame is handed to the core. */
export interface Prefetched {
  /** Pages after a cursor, by `${conv} ${after}`. */
  pages?: Map<string, Message[]>;
  /** The person's stored messages by `${conv} ${clientId}`. */
  sent?: Map<string, Message>;
  /** Directory search results. */
  found?: User[];
  /**
   * The replay budget as already decided for a `hello`, in the order the core
   * asks for it: 0 paid, otherwise a wait (see resume in inbox-reads.ts).
   */
  replay?: number[];
}

/**
 * One person's rows of the directory: their profile, profiles of the people
 * they talk to (a cache of the directory object's), and the blocks and
 * follows they are part of, in both directions. Directory searches read the
 * results fetched before the frame.
 */
export class InboxDirectory extends SqlDirectory {
  /** Set when the core stored a changed profile of the person: the directory needs it. */
  profileChanged: User | undefined;
  private found: User[] | undefined;
  /** Profiles read so far (a welcome names every member of every conversation). */
  private readonly profiles = new Map<string, User | undefined>();

  constructor(
    sql: Sql,
    private readonly me: string,
  ) {
    super(sql);
  }

  /** What was fetched for the next frame; nothing between frames. */
  use(fetched: Prefetched = {}): void {
    this.found = fetched.found;
  }

  override getUser(id: string): User | undefined {
    let user = this.profiles.get(id);
    if (user === undefined && !this.profiles.has(id)) {
      user = super.getUser(id);
      this.profiles.set(id, user);
    }
    return user && { ...user };
  }

  override putUser(user: User): void {
    this.cache(user);
    if (user.id === this.me) this.profileChanged = user;
  }

  override forgetUser(user: string): void {
    super.forgetUser(user);
    this.profiles.delete(user);
  }

  /** Caches profiles from the directory or a conversation. */
  cacheUsers(users: readonly User[]): void {
    for (const user of users) this.cache(user);
  }

  private cache(user: User): void {
    super.putUser(user);
    this.profiles.delete(user.id);
  }

  override searchUsers(_query: string, limit: number): User[] {
    return (this.found ?? []).slice(0, limit);
  }
}

/**
 * One person's conversation list, as the conversation port the inbox's core
 * reads: the views the conversation objects sent, patched by every delivery.
 * What the core reads about messages (a resume page, a lost ack) is fetched
 * from the conversation objects beforehand. Read-only to the core: the
 * conversations' rows are their objects' to write, and the inbox's core
 * answers only frames that do not change them.
 */
export class InboxList implements ConversationPort {
  private fetched: Prefetched = {};
  private entries: Map<string, Entry> | undefined;
  private opened: Set<string> | undefined;

  /** `people`: where the profiles a `conv` delivery carries are cached. */
  constructor(
    private readonly db: Sql,
    private readonly me: string,
    private readonly people: Pick<InboxDirectory, 'cacheUsers' | 'blockedBy'>,
  ) {
    db.run('CREATE TABLE IF NOT EXISTS inbox (conv TEXT PRIMARY KEY, entry TEXT NOT NULL)');
    db.run('CREATE TABLE IF NOT EXISTS opening (conv TEXT PRIMARY KEY)');
    // Groups the person left: their messages there are still theirs (erasure, exports).
    db.run('CREATE TABLE IF NOT EXISTS past (conv TEXT PRIMARY KEY)');
  }

  /** What was fetched for the next frame; nothing between frames. */
  use(fetched: Prefetched = {}): void {
    this.fetched = fetched;
  }

  getConversation(id: string): ConversationRecord | undefined {
    const entry = this.all().get(id);
    return entry && !entry.left ? recordOf(entry.view) : undefined;
  }

  conversationsOf(): ConversationRecord[] {
    return [...this.all().values()]
      .filter((e) => !e.left)
      .sort((a, b) => activity(b.view) - activity(a.view) || (a.view.id < b.view.id ? -1 : 1))
      .map((e) => recordOf(e.view));
  }

  getMessage(conv: string, seq: number): Message | undefined {
    const last = this.all().get(conv)?.view.last;
    return last?.seq === seq ? last : undefined;
  }

  messagesAfter(conv: string, after: number, limit: number): Message[] {
    return (this.fetched.pages?.get(`${conv} ${after}`) ?? []).slice(0, limit);
  }

  messagesBefore(): Message[] {
    return [];
  }

  findByClientId(conv: string, from: string, id: string): Message | undefined {
    return from === this.me ? this.fetched.sent?.get(`${conv} ${id}`) : undefined;
  }

  reads(conv: string): Record<string, number> {
    return { ...this.all().get(conv)?.view.reads };
  }

  /** As the conversation counted it, people the person blocked left out already. */
  unreadCount(conv: string): number {
    return this.all().get(conv)?.view.unread ?? 0;
  }

  isMuted(conv: string): boolean {
    return this.all().get(conv)?.view.muted ?? false;
  }

  createConversation(): void {
    throw new Error(OBJECTS_WRITE);
  }

  removeMember(): void {
    throw new Error(OBJECTS_WRITE);
  }

  addMember(): void {
    throw new Error(OBJECTS_WRITE);
  }

  append(): AppendResult {
    throw new Error(OBJECTS_WRITE);
  }

  setRead(): number {
    throw new Error(OBJECTS_WRITE);
  }

  setMuted(): void {
    throw new Error(OBJECTS_WRITE);
  }

  addReport(): string {
    throw new Error(OBJECTS_WRITE);
  }

  deleteMessage(): Message | undefined {
    throw new Error(OBJECTS_WRITE);
  }

  /** The person's entry for `conv`, left or not. */
  entry(conv: string): Readonly<Entry> | undefined {
    return this.all().get(conv);
  }

  /** Whether the person's list shows the conversation (an entry they have not left). */
  listed(conv: string): boolean {
    const entry = this.all().get(conv);
    return entry !== undefined && !entry.left;
  }

  /**
   * Whether a send that may create (or rejoin) the conversation went to its
   * object and its answer has not been applied yet: still on its way, or lost
   * with a failed call or a restart. Frames about it go to the object too,
   * which alone knows whether the conversation exists. Kept in SQL, so a
   * restart in between cannot open a window where they are refused here.
   */
  opening(conv: string): boolean {
    return this.openings().has(conv);
  }

  setOpening(conv: string, opening: boolean): void {
    if (opening === this.openings().has(conv)) return;
    if (opening) {
      this.openings().add(conv);
      this.db.run('INSERT INTO opening (conv) VALUES (?) ON CONFLICT (conv) DO NOTHING', conv);
    } else {
      this.openings().delete(conv);
      this.db.run('DELETE FROM opening WHERE conv = ?', conv);
    }
  }

  /** Updates the list from a frame a conversation object delivered. */
  apply(conv: string, delivery: InboxDelivery): void {
    const frame = JSON.parse(delivery.frame) as ServerFrame;
    const entry = this.all().get(conv);
    switch (frame.t) {
      case 'conv':
        // Others' copies of this person's profile may be older than the inbox's own.
        if (frame.users) this.people.cacheUsers(frame.users.filter((u) => u.id !== this.me));
        return this.save(conv, { view: frame.conv, counted: frame.conv.lastSeq });
      case 'msg': {
        if (!entry) return;
        const { view } = entry;
        const m = frame.m;
        if (m.seq > view.lastSeq) {
          view.lastSeq = m.seq;
          view.last = m;
        }
        if (m.from !== this.me && m.seq > entry.counted) {
          // A placeholder for someone the person blocked is nothing to read.
          if (m.seq > (view.reads[this.me] ?? 0) && m.hidden === undefined) view.unread += 1;
          entry.counted = m.seq;
        }
        return this.save(conv, entry);
      }
      case 'read': {
        if (!entry) return;
        const { view } = entry;
        view.reads = { ...view.reads, [frame.user]: Math.max(view.reads[frame.user] ?? 0, frame.seq) };
        if (frame.user === this.me && delivery.unread !== undefined) {
          view.unread = delivery.unread;
          entry.counted = Math.max(entry.counted, delivery.asOf ?? 0);
        }
        return this.save(conv, entry);
      }
      case 'deleted': {
        if (!entry) return;
        const { view } = entry;
        const { m } = frame;
        // The list's preview must not keep what was deleted.
        if (view.last?.seq === m.seq) view.last = m;
        // Counted unread before (someone else's, above the read marker, not withheld): nothing to read any more.
        const counted = m.seq <= entry.counted && m.seq > (view.reads[this.me] ?? 0) && m.from !== this.me;
        if (counted && view.unread > 0 && !this.people.blockedBy(this.me).includes(m.from)) view.unread -= 1;
        return this.save(conv, entry);
      }
      case 'gone':
        if (!entry) return;
        if (entry.view.kind === 'direct') return this.save(conv, { ...entry, left: true });
        this.all().delete(conv);
        this.db.run('DELETE FROM inbox WHERE conv = ?', conv);
        this.db.run('INSERT OR IGNORE INTO past (conv) VALUES (?)', conv);
        return;
      default:
        return;
    }
  }

  /** Every conversation in the list, and every group the person left (erasure, exports). */
  ids(): string[] {
    const past = this.db.all('SELECT conv FROM past').map((r) => String(r.conv));
    return [...new Set([...this.all().keys(), ...past])];
  }

  /** Drops a conversation from the list for good (a direct conversation with an erased person). */
  forget(conv: string): void {
    this.all().delete(conv);
    this.db.run('DELETE FROM inbox WHERE conv = ?', conv);
    this.setOpening(conv, false);
  }

  private save(conv: string, entry: Entry): void {
    this.all().set(conv, entry);
    this.db.run(
      'INSERT INTO inbox (conv, entry) VALUES (?, ?) ON CONFLICT (conv) DO UPDATE SET entry = excluded.entry',
      conv,
      JSON.stringify(entry),
    );
  }

  private openings(): Set<string> {
    this.opened ??= new Set(this.db.all('SELECT conv FROM opening').map((r) => String(r.conv)));
    return this.opened;
  }

  /** Every entry, read from SQL once per wake-up. */
  private all(): Map<string, Entry> {
    if (!this.entries) {
      const rows = this.db.all('SELECT conv, entry FROM inbox');
      this.entries = new Map(rows.map((r) => [String(r.conv), JSON.parse(String(r.entry)) as Entry]));
    }
    return this.entries;
  }
}

function activity(view: ConversationView): number {
  return view.last?.at ?? view.createdAt;
}

function recordOf(view: ConversationView): ConversationRecord {
  const record: ConversationRecord = {
    id: view.id,
    kind: view.kind,
    members: [...view.members],
    createdBy: view.createdBy,
    createdAt: view.createdAt,
    lastSeq: view.lastSeq,
  };
  if (view.title !== undefined) record.title = view.title;
  return record;
}
