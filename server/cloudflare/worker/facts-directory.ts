import type { User } from '../../../src/core/types.js';
import { SqlStorage, type Sql } from '../../shared/storage/sql.js';
import type { Facts } from './wire.js';

const NONE: Facts = { users: [], blocks: [], follows: [] };

/**
 * The SQL store of one conversation object. Conversation rows, members,
 * messages, read markers, mutes and reports are its own (it is their only
 * writer); profiles, blocks and follows belong to people, so they are read
 * from the facts the sender's inbox sent along with the frame being handled.
 */
export class ConversationStore extends SqlStorage {
  private users = new Map<string, User>();
  private blocks = new Set<string>();
  private following = new Set<string>();

  constructor(sql: Sql) {
    super(sql);
  }

  /** The facts for the next frame. */
  use(facts: Facts = NONE): void {
    this.users = new Map(facts.users.map((u) => [u.id, u]));
    this.blocks = new Set(facts.blocks.map(([a, b]) => `${a} ${b}`));
    this.following = new Set(facts.follows.map(([a, b]) => `${a} ${b}`));
  }

  override getUser(id: string): User | undefined {
    return this.users.get(id);
  }

  /** Profiles are the directory's; the core's upsert on open is not needed here. */
  override putUser(): void {}

  override searchUsers(): User[] {
    return [];
  }

  override blockedBy(): string[] {
    return [];
  }

  override eitherBlocked(a: string, b: string): boolean {
    return this.blocks.has(`${a} ${b}`) || this.blocks.has(`${b} ${a}`);
  }

  override follows(follower: string, followee: string): boolean {
    return this.following.has(`${follower} ${followee}`);
  }

  override setBlocked(): void {
    throw new Error('blocks are kept by the inboxes');
  }

  override setFollow(): void {
    throw new Error('follows are kept by the inboxes');
  }
}
