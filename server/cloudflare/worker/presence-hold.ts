import type { PinEvent, PinEventInput } from '../../../src/core/events.js';
import type { ObjectWebhooks } from './webhooks.js';
import type { Delivered } from './wire.js';

/**
 * A `message.created` waits this long at most for the members' inboxes to
 * say whether a socket of theirs got the message; then it goes as it is,
 * naming every member not heard from as offline (a host may notify one
 * person too many, never one too few).
 */
export const PRESENCE_HOLD_MS = 15_000;

type MessageCreated = Extract<PinEvent, { type: 'message.created' }>;

/** A `message.created` waiting for its fan-out: whose inbox has not answered, and who had no socket. */
interface Held {
  event: MessageCreated;
  waiting: Set<string>;
  offline: Set<string>;
}

/**
 * `message.created` names the members who had no open socket; a
 * conversation object has none of their sockets, only its members' inboxes
 * do. The event is recorded with the message, naming every other member,
 * due only after PRESENCE_HOLD_MS; as the fan-out's answers come in, the
 * members whose inbox had a socket open (or who withhold the sender's
 * messages, a block) are taken out, and once all have answered the event is
 * completed and due at once. Kept in memory: an object evicted meanwhile
 * sends the event as recorded when the hold ends.
 */
export class PresenceHolds {
  private readonly held = new Map<number, Held>();

  constructor(private readonly hooks: ObjectWebhooks) {}

  /** Records `input` in the outbox (in the change's synchronous block), held when it has members to hear from. */
  record(input: PinEventInput): void {
    if (input.type !== 'message.created' || input.data.offline.length === 0) return void this.hooks.record(input);
    const event = this.hooks.record(input, input.at + PRESENCE_HOLD_MS) as MessageCreated;
    this.held.set(event.seq ?? 0, { event, waiting: new Set(input.data.offline), offline: new Set(input.data.offline) });
  }

  /** `user`'s inbox answered a delivery of `seqs` (`seen`), or the call failed (undefined: no socket of theirs got them). */
  settle(user: string, seqs: readonly number[], seen: Delivered | undefined): void {
    for (const seq of seqs) {
      const held = this.held.get(seq);
      if (!held?.waiting.delete(user)) continue;
      if (seen && (seen.online || seen.hidden.includes(seq))) held.offline.delete(user);
      if (held.waiting.size > 0) continue;
      this.held.delete(seq);
      const { event } = held;
      const done = { ...event, data: { ...event.data, offline: event.data.offline.filter((u) => held.offline.has(u)) } };
      if (this.hooks.outbox.complete(done, Date.now())) this.hooks.wake();
    }
  }

  /** Erasure: the events that name `user` are gone from the outbox; so are their holds. */
  forget(user: string): void {
    for (const [seq, held] of this.held) if (held.event.data.members.includes(user)) this.held.delete(seq);
  }

  clear(): void {
    this.held.clear();
  }
}
