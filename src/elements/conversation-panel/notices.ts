import type { ReactiveController, ReactiveElement } from 'lit';
import type { Conversation } from '../../protocol/index.js';
import { ConnectionStatus } from '../../state/client.js';
import type { OutboxEntry } from '../../state/outbox.js';
import { DeliveryState } from '../internal/delivery.js';
import type { Strings } from '../internal/strings.js';
import type { Row } from './rows.js';

/** Person and group pairs told that someone they blocked is in the group: once each, whichever panel shows it. */
const toldBlocked = new Set<string>();

/**
 * How long the connection must stay down before that is said: a reconnect that
 * succeeds within it says nothing, and the connecting/reconnecting flapping of
 * one outage is one announcement (WCAG 4.1.3 without the chatter).
 */
export const OUTAGE_MS = 1500;

const failedIds = (pending: readonly OutboxEntry[]) => new Set(pending.filter((e) => e.state === 'failed').map((e) => e.id));

/** The newest own message that shows a delivery state, as `key state`. */
function lastDelivery(rows: readonly Row[]): { key: string; state: DeliveryState } | undefined {
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i];
    if (row.kind === 'message' && row.own && row.delivery) return { key: row.key, state: row.delivery };
  }
  return undefined;
}

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
  #delivery: { key: string; state: DeliveryState } | undefined;
  /** Whether the connection is down, and whether this outage was announced. */
  #down = false;
  #told = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #host: ReactiveElement;
  readonly #announce: (text: string) => void;

  constructor(host: ReactiveElement, announce: (text: string) => void) {
    this.#host = host;
    this.#announce = announce;
    host.addController(this);
  }

  hostDisconnected(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
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
    const now = lastDelivery(rows);
    const before = this.#delivery;
    this.#delivery = now;
    if (!now || !before || (now.key === before.key && now.state === before.state)) return;
    if (before.state !== DeliveryState.Sending && before.state !== DeliveryState.Sent) return;
    if (now.state === DeliveryState.Sent && (before.state !== DeliveryState.Sent || now.key !== before.key)) this.#announce(t.statusSent);
    else if (now.state === DeliveryState.Seen) this.#announce(t.statusSeen);
  }

  /** The connection: said once when it has been down for {@link OUTAGE_MS}, and once when it is back. */
  checkConnection(t: Strings, status: ConnectionStatus, pending: () => boolean): void {
    const down = status === ConnectionStatus.Connecting || status === ConnectionStatus.Syncing || status === ConnectionStatus.Reconnecting;
    if (!down) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (status === ConnectionStatus.Online && this.#told) this.#announce(t.backOnline);
    if (status === ConnectionStatus.Refused && this.#down) this.#announce(t.refused);
    if (!down) this.#told = false;
    // A panel that opens while offline shows the banner; it has nothing to announce until that changes.
    if (down && !this.#down && this.#host.hasUpdated) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#told = true;
        this.#announce(pending() ? t.offline : t.reconnecting);
      }, OUTAGE_MS);
    }
    if (status !== ConnectionStatus.Idle) this.#down = down;
  }
}
