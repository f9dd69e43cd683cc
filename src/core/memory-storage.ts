import type { AppendResult, ChatStorage, ConversationRecord, Message, ReportRecord, StoredBody, User } from './types.js';
import { randomId } from '../protocol/index.js';
import { normaliseUser, tombstone } from './views.js';

interface StoredConversation {
  record: ConversationRecord;
  /** `messages[seq - 1]`: sequence numbers are gapless from 1. */
  messages: Message[];
  /** Messages by `${from} ${clientId}`. */
  byClientId: Map<string, Message>;
  reads: Map<string, number>;
  muted: Set<string>;
  lastAt: number;
}

/**
 * Both storage ports in plain maps and arrays, for the in-memory transport,
 * stories and fast tests. Same contract as the SQL store; nothing survives a reload.
 */
export class MemoryStorage implements ChatStorage {
  private readonly users = new Map<string, User>();
  private readonly conversations = new Map<string, StoredConversation>();
  private readonly memberships = new Map<string, Set<string>>();
  private readonly blocks = new Map<string, Set<string>>();
  private readonly following = new Map<string, Set<string>>();
  private readonly reportList: ReportRecord[] = [];

  getUser(id: string): User | undefined {
    const user = this.users.get(id);
    return user && { ...user };
  }

  putUser(user: User): void {
    this.users.set(user.id, normaliseUser(user));
  }

  searchUsers(query: string, limit: number): User[] {
    const q = query.toLowerCase();
    const found: User[] = [];
    for (const user of this.users.values()) {
      if (user.id.toLowerCase().includes(q) || user.name.toLowerCase().includes(q)) found.push({ ...user });
    }
    found.sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id));
    return found.slice(0, limit);
  }

  getConversation(id: string): ConversationRecord | undefined {
    const stored = this.conversations.get(id);
    return stored && copyRecord(stored.record);
  }

  createConversation(record: ConversationRecord): void {
    if (this.conversations.has(record.id)) throw new Error(`conversation ${record.id} exists`);
    this.conversations.set(record.id, {
      record: copyRecord(record),
      messages: [],
      byClientId: new Map(),
      reads: new Map(),
      muted: new Set(),
      lastAt: record.createdAt,
    });
    for (const user of record.members) this.membership(user).add(record.id);
  }

  conversationsOf(user: string): ConversationRecord[] {
    const stored = [...(this.memberships.get(user) ?? [])].map((id) => this.conversations.get(id)!);
    stored.sort((a, b) => b.lastAt - a.lastAt || compare(a.record.id, b.record.id));
    return stored.map((s) => copyRecord(s.record));
  }

  removeMember(conv: string, user: string): void {
    const stored = this.conversations.get(conv);
    if (!stored) return;
    stored.record.members = stored.record.members.filter((m) => m !== user);
    this.memberships.get(user)?.delete(conv);
  }

  addMember(conv: string, user: string): void {
    const stored = this.conversations.get(conv);
    if (!stored || stored.record.members.includes(user)) return;
    stored.record.members.push(user);
    this.membership(user).add(conv);
  }

  append(conv: string, from: string, id: string, body: StoredBody, at: number): AppendResult {
    const stored = this.conversations.get(conv);
    if (!stored) throw new Error(`no conversation ${conv}`);
    const key = `${from} ${id}`;
    const existing = stored.byClientId.get(key);
    if (existing) return { message: existing, duplicate: true };
    const message: Message = { seq: stored.record.lastSeq + 1, id, from, at, body: structuredClone(body) };
    stored.messages.push(message);
    stored.byClientId.set(key, message);
    stored.record.lastSeq = message.seq;
    stored.lastAt = at;
    return { message, duplicate: false };
  }

  findByClientId(conv: string, from: string, id: string): Message | undefined {
    return this.conversations.get(conv)?.byClientId.get(`${from} ${id}`);
  }

  getMessage(conv: string, seq: number): Message | undefined {
    return this.conversations.get(conv)?.messages[seq - 1];
  }

  messagesAfter(conv: string, after: number, limit: number): Message[] {
    const messages = this.conversations.get(conv)?.messages ?? [];
    const start = Math.max(0, after);
    return messages.slice(start, start + limit);
  }

  messagesBefore(conv: string, before: number, limit: number): Message[] {
    const messages = this.conversations.get(conv)?.messages ?? [];
    const end = Math.min(messages.length, Math.max(0, before - 1));
    return messages.slice(Math.max(0, end - limit), end);
  }

  reads(conv: string): Record<string, number> {
    const stored = this.conversations.get(conv);
    const out: Record<string, number> = {};
    if (!stored) return out;
    for (const user of stored.record.members) {
      const seq = stored.reads.get(user);
      if (seq !== undefined) out[user] = seq;
    }
    return out;
  }

  setRead(conv: string, user: string, seq: number): number {
    const stored = this.conversations.get(conv);
    if (!stored) return 0;
    const marker = Math.max(stored.reads.get(user) ?? 0, seq);
    stored.reads.set(user, marker);
    return marker;
  }

  unreadCount(conv: string, user: string, hidden?: readonly string[]): number {
    const stored = this.conversations.get(conv);
    if (!stored) return 0;
    const blocked = hidden ? new Set(hidden) : this.blocks.get(user);
    let count = 0;
    for (let i = stored.reads.get(user) ?? 0; i < stored.messages.length; i++) {
      const { from, hidden } = stored.messages[i];
      if (from !== user && !blocked?.has(from) && hidden !== 'deleted') count++;
    }
    return count;
  }

  isMuted(conv: string, user: string): boolean {
    return this.conversations.get(conv)?.muted.has(user) ?? false;
  }

  setMuted(conv: string, user: string, muted: boolean): void {
    const set = this.conversations.get(conv)?.muted;
    if (muted) set?.add(user);
    else set?.delete(user);
  }

  blockedBy(user: string): string[] {
    return [...(this.blocks.get(user) ?? [])];
  }

  blockersOf(user: string): string[] {
    return [...this.blocks].filter(([, others]) => others.has(user)).map(([blocker]) => blocker);
  }

  setBlocked(user: string, other: string, blocked: boolean): void {
    toggle(this.blocks, user, other, blocked);
  }

  eitherBlocked(a: string, b: string): boolean {
    return (this.blocks.get(a)?.has(b) ?? false) || (this.blocks.get(b)?.has(a) ?? false);
  }

  follows(follower: string, followee: string): boolean {
    return this.following.get(follower)?.has(followee) ?? false;
  }

  setFollow(follower: string, followee: string, follows: boolean): void {
    toggle(this.following, follower, followee, follows);
  }

  addReport(conv: string, seq: number, reporter: string, reason: string | undefined, at: number): string {
    const id = `r_${randomId(16)}`;
    this.reportList.push(reason === undefined ? { id, conv, seq, reporter, at } : { id, conv, seq, reporter, reason, at });
    return id;
  }

  openReportBy(conv: string, seq: number, reporter: string): string | undefined {
    return this.reportList.find((r) => r.conv === conv && r.seq === seq && r.reporter === reporter)?.id;
  }

  deleteMessage(conv: string, seq: number, from?: string): Message | undefined {
    const stored = this.conversations.get(conv);
    const m = stored?.messages[seq - 1];
    if (!stored || !m) return undefined;
    const dead = tombstone(m, from);
    stored.messages[seq - 1] = dead;
    stored.byClientId.delete(`${m.from} ${m.id}`);
    stored.byClientId.set(`${dead.from} ${dead.id}`, dead);
    return { ...dead, body: { ...dead.body } };
  }

  conversationsTouching(user: string): string[] {
    return [...this.conversations]
      .filter(([, c]) => c.record.members.includes(user) || c.reads.has(user) || c.muted.has(user) || c.messages.some((m) => m.from === user))
      .map(([id]) => id);
  }

  eraseMember(conv: string, user: string, replacement: string): number[] {
    const stored = this.conversations.get(conv);
    if (!stored) return [];
    const seqs = stored.messages.filter((m) => m.from === user).map((m) => m.seq);
    for (const seq of seqs) this.deleteMessage(conv, seq, replacement);
    this.removeMember(conv, user);
    stored.reads.delete(user);
    stored.muted.delete(user);
    if (stored.record.createdBy === user) {
      stored.record.createdBy = replacement;
      delete stored.record.title;
    }
    for (const r of this.reportList) if (r.conv === conv && r.reporter === user) r.reporter = replacement;
    return seqs;
  }

  deleteConversation(conv: string): void {
    const stored = this.conversations.get(conv);
    if (!stored) return;
    for (const user of stored.record.members) this.memberships.get(user)?.delete(conv);
    this.conversations.delete(conv);
    for (let i = this.reportList.length - 1; i >= 0; i--) if (this.reportList[i].conv === conv) this.reportList.splice(i, 1);
  }

  forgetUser(user: string): void {
    this.users.delete(user);
    this.blocks.delete(user);
    this.following.delete(user);
    for (const index of [this.blocks, this.following]) for (const [key] of index) toggle(index, key, user, false);
  }

  /** Stored reports, oldest first (for moderation tools and tests). */
  reports(limit = 100): ReportRecord[] {
    return this.reportList.slice(0, limit).map((r) => ({ ...r }));
  }

  private membership(user: string): Set<string> {
    let set = this.memberships.get(user);
    if (!set) this.memberships.set(user, (set = new Set()));
    return set;
  }
}

function copyRecord(record: ConversationRecord): ConversationRecord {
  return { ...record, members: [...record.members] };
}

function toggle(index: Map<string, Set<string>>, key: string, value: string, on: boolean): void {
  let set = index.get(key);
  if (on) {
    if (!set) index.set(key, (set = new Set()));
    set.add(value);
  } else if (set?.delete(value) && set.size === 0) {
    index.delete(key);
  }
}

/** Code-unit order, the same as SQLite's default BINARY collation for these strings. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
