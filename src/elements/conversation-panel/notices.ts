import type { ReactiveElement } from 'lit';
import type { Conversation } from '../../protocol/index.js';
import type { OutboxEntry } from '../../state/outbox.js';
import type { Strings } from '../internal/strings.js';

/** Person and group pairs told that someone they blocked is in the group: once each, whichever panel shows it. */
const toldBlocked = new Set<string>();

const failedIds = (pending: readonly OutboxEntry[]) => new Set(pending.filter((e) => e.state === 'failed').map((e) => e.id));

/**
 * What the panel says through its live region unasked: that messages have
 * just failed to send, and once per person and group, that someone the
 * reader blocked is a member. Checked at every update of the panel.
 */
export class Notices {
  /** Whether the reader blocked someone in this group. */
  blockedHere = false;
  #failed = new Set<string>();
  readonly #host: ReactiveElement;
  readonly #announce: (text: string) => void;

  constructor(host: ReactiveElement, announce: (text: string) => void) {
    this.#host = host;
    this.#announce = announce;
  }

  /** Another conversation: the failures it has already are not news. */
  switchTo(pending: readonly OutboxEntry[]): void {
    this.#failed = failedIds(pending);
  }

  check(t: Strings, pending: readonly OutboxEntry[], conv: Conversation | undefined, blocked: readonly string[], me: string): void {
    const failed = failedIds(pending);
    if ([...failed].some((id) => !this.#failed.has(id))) this.#announce(t.sendFailed);
    this.#failed = failed;

    this.blockedHere = conv?.kind === 'group' && conv.members.some((m) => blocked.includes(m));
    if (!this.blockedHere) return;
    // A live region announces changes, not the text it is created with: say it once the region exists.
    if (!this.#host.hasUpdated) return void this.#host.updateComplete.then(() => this.#host.requestUpdate());
    const key = me + ' ' + conv!.id;
    if (toldBlocked.has(key)) return;
    toldBlocked.add(key);
    this.#announce(t.blockedInGroup);
  }
}
