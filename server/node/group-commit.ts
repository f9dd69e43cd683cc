import type { LibsqlBinding } from './libsql.js';

/**
 * Group commit: every frame the server reads in one turn of the event loop is
 * applied inside one SQLite transaction, and every frame the server would send
 * meanwhile is held until that transaction has committed, as a Durable
 * Object's output gate holds them. An ack therefore still leaves only after its
 * message is durable, while one commit serves all the messages of the turn
 * (each message stays atomic on its own through a savepoint).
 */
export class GroupCommit {
  private open = false;
  private held: (() => void)[] = [];
  private closed: ((committed: boolean) => void)[] = [];

  constructor(
    private readonly db: LibsqlBinding,
    /** Called when a commit fails: everything of the turn was rolled back and its frames dropped. */
    private readonly failed: (error: unknown) => void,
  ) {}

  /** Runs `apply` inside the current turn's transaction, opening one if needed. */
  run(apply: () => void): void {
    if (!this.open) {
      this.db.beginBatch();
      this.open = true;
      setImmediate(this.commit);
    }
    apply();
  }

  /** Delivers at once outside a turn, otherwise after its commit, in order. */
  send(deliver: () => void): void {
    if (this.open) this.held.push(deliver);
    else deliver();
  }

  /**
   * Runs `fn` at once outside a turn, otherwise once its transaction has
   * ended, committed or rolled back, which `committed` tells (work that must
   * see committed rows only, and must not hold up the turn's commit).
   */
  whenClosed(fn: (committed: boolean) => void): void {
    if (this.open) this.closed.push(fn);
    else fn(true);
  }

  /** Commits now (before shutting down). */
  flush(): void {
    if (this.open) this.commit();
  }

  private readonly commit = (): void => {
    if (!this.open) return;
    this.open = false;
    const held = this.held;
    const closed = this.closed;
    this.held = [];
    this.closed = [];
    try {
      this.db.commitBatch();
    } catch (error) {
      this.failed(error);
      return closed.forEach((fn) => fn(false));
    }
    for (const deliver of held) deliver();
    for (const fn of closed) fn(true);
  };
}
