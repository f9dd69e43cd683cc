import type { ReactiveController, ReactiveElement } from 'lit';
import type { Conversation } from '../../protocol/index.js';
import { ConnectionStatus } from '../../state/client.js';
import type { OutboxEntry } from '../../state/outbox.js';
import { DeliveryState } from '../internal/delivery.js';
import type { Strings } from '../internal/strings.js';
import type { MessageRow, Row } from './rows.js';

/** Person and group pairs told that someone they blocked is in the group: once each, whichever panel shows it. */
const toldBlocked = new Set<string>();

/**
 * How long the connection must stay down before that is said: a reconnect that
 * succeeds within it says nothing, and the connecting/reconnecting flapping of
 * one outage is one announcement (WCAG 4.1.3 without the chatter).
 */
export const OUTAGE_MS = 1500;

const failedIds = (pending: readonly OutboxEntry[]) => new Set(pending.filter((e) => e.state === 'failed').map((e) => e.id));

/**
 * What the panel says through its live region unasked: that messages have
 * just failed to send; that the person's newest message was sent, then seen
 * (once per change, however often the panel renders); that the connection is
 * down (once per outage that lasts) and back; and once per person and group,
 * that someone the reader blocked is a member. Checked at every update.
 */
export class Notices implements ReactiveController {
  /** Whether the reader blocked someone in this group. */
  blockedHere = false;
  #failed = new Set<string>();
  /** The newest own message with a delivery state, as its key and that state. */
  #delivery: string | undefined;
  /** Whether the connection is down, and whether this outage was announced. */
  #down = false;
  #told = false;
  #timer?: ReturnType<typeof setTimeout>;
  readonly #host: ReactiveElement;
  readonly #announce: (text: string) => void;

  constructor(host: ReactiveElement, announce: (text: string) => void) {
    this.#host = host;
    this.#announce = announce;
    host.addController(this);
  }

  hostDisconnected(): void {
    clearTimeout(this.#timer);
  }

  /** Another conversation: the failures and delivery states it has already are not news. */
  switchTo(pending: readonly OutboxEntry[]): void {
    this.#failed = failedIds(pending);
    this.#delivery = undefined;
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

  /**
   * "Sent" when the newest own message leaves the outbox, "Seen" when someone
   * reads it. What a conversation shows when it opens, or a history that
   * arrives later, is not a change the person made: only a state that follows
   * "Sending" or "Sent" is said.
   */
  checkDelivery(t: Strings, rows: readonly Row[]): void {
    let row: MessageRow | undefined;
    for (let i = rows.length - 1; i >= 0 && !row; i--) {
      const r = rows[i];
      if (r.kind === 'message' && r.own && r.delivery) row = r;
    }
    const state = row?.delivery;
    const now = row && row.key + ' ' + state;
    const before = this.#delivery;
    this.#delivery = now;
    if (now === before || !/ sen(t|ding)$/.test(before!)) return;
    if (state === DeliveryState.Sent) this.#announce(t.statusSent);
    if (state === DeliveryState.Seen) this.#announce(t.statusSeen);
  }

  /** The connection: said once when it has been down for {@link OUTAGE_MS}, and once when it is back (or refused). */
  checkConnection(t: Strings, status: ConnectionStatus, pending: () => boolean): void {
    if (status === ConnectionStatus.Idle) return;
    const down = status !== ConnectionStatus.Online && status !== ConnectionStatus.Refused;
    // A panel that opens while offline shows the banner; it has nothing to announce until that changes.
    if (down && !this.#down && this.#host.hasUpdated) {
      this.#timer = setTimeout(() => {
        this.#told = true;
        this.#announce(pending() ? t.offline : t.reconnecting);
      }, OUTAGE_MS);
    }
    if (!down && this.#down) {
      clearTimeout(this.#timer);
      if (status === ConnectionStatus.Refused) this.#announce(t.refused);
      else if (this.#told) this.#announce(t.backOnline);
      this.#told = false;
    }
    this.#down = down;
  }
}
