import type { DirectoryPort, User } from '../../../src/core/types.js';
import type { Facts } from './wire.js';

const NONE: Facts = { users: [], blocks: [], follows: [] };

/**
 * The directory port over the facts a sender's inbox read for one frame:
 * the profiles, blocks and follows between the sender and the people the
 * frame names. A conversation object has no directory of its own (people's
 * rows belong to their inboxes), and an inbox checks a creation against the
 * same facts it then forwards, so both run the core's checks on one answer.
 * Read-only: a write here would be lost with the frame.
 */
export class FactsDirectory implements DirectoryPort {
  private users = new Map<string, User>();
  private blocks = new Set<string>();
  private following = new Set<string>();

  constructor(facts: Facts = NONE) {
    this.use(facts);
  }

  /** The facts for the next frame; none between frames. */
  use(facts: Facts = NONE): void {
    this.users = new Map(facts.users.map((u) => [u.id, u]));
    this.blocks = new Set(facts.blocks.map(([a, b]) => `${a} ${b}`));
    this.following = new Set(facts.follows.map(([a, b]) => `${a} ${b}`));
  }

  getUser(id: string): User | undefined {
    const user = this.users.get(id);
    return user && { ...user };
  }

  /** Profiles are the directory object's; the core's upsert on open is not needed here. */
  putUser(): void {}

  searchUsers(): User[] {
    return [];
  }

  /**
   * None: members' inboxes withhold what people they blocked send, so a
   * conversation's views and pages are the same for every reader.
   */
  blockedBy(): string[] {
    return [];
  }

  eitherBlocked(a: string, b: string): boolean {
    return this.blocks.has(`${a} ${b}`) || this.blocks.has(`${b} ${a}`);
  }

  follows(follower: string, followee: string): boolean {
    return this.following.has(`${follower} ${followee}`);
  }

  setBlocked(): void {
    throw new Error('blocks are kept by the inboxes');
  }

  setFollow(): void {
    throw new Error('follows are kept by the inboxes');
  }
}
