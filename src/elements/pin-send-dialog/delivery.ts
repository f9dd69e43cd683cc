import { html, nothing, type TemplateResult } from 'lit';
import type { User } from '../../protocol/index.js';
import { SendState, type OutboxEntry } from '../../state/outbox.js';
import { avatar, nameOf } from '../internal/people.js';
import type { Strings } from '../internal/strings.js';

/** One conversation a pin went to. */
export interface Delivery {
  conv: string;
  /** The message's client id, as in the outbox. */
  id: string;
  /** The recipients in that conversation. */
  to: string[];
  title?: string;
}

export const DeliveryState = { Sending: 'sending', Sent: 'sent', Failed: 'failed' } as const;
export type DeliveryState = (typeof DeliveryState)[keyof typeof DeliveryState];

/** Where a delivery stands: in the outbox it is on its way or failed; once it leaves, the server acknowledged it. */
export function deliveryState(outbox: readonly OutboxEntry[], id: string): { state: DeliveryState; code?: string } {
  const entry = outbox.find((e) => e.id === id);
  if (!entry) return { state: DeliveryState.Sent };
  if (entry.state === SendState.Failed) return { state: DeliveryState.Failed, code: entry.error?.code };
  return { state: DeliveryState.Sending };
}

export function deliveryLabel(d: Delivery, users: Readonly<Record<string, User>>): string {
  return d.title || d.to.map((id) => nameOf(users, id)).join(', ');
}

/** The per-recipient rows shown after sending, each with an in-place Retry when it failed. */
export function renderDeliveries(
  deliveries: readonly Delivery[],
  outbox: readonly OutboxEntry[],
  users: Readonly<Record<string, User>>,
  t: Strings,
  retry: (id: string) => void,
): TemplateResult {
  return html`<ul class="deliveries" part="deliveries" aria-label=${t.delivery}>
    ${deliveries.map((d) => {
      const { state, code } = deliveryState(outbox, d.id);
      const label = deliveryLabel(d, users);
      const face = d.to.length === 1 ? avatar(users, d.to[0]) : html`<span class="avatar group-count" part="avatar">${d.to.length}</span>`;
      return html`<li class="delivery ${state}" part="delivery" data-state=${state}>
        ${face}
        <span class="delivery-text">
          <span class="delivery-name">${label}</span>
          <span class="delivery-status" part="delivery-status">
            ${state === DeliveryState.Failed
              ? html`${t.sendFailedTo(label)}. ${t.sendErrorReason(code ?? '')}`
              : state === DeliveryState.Sent
                ? t.sent
                : t.sending}
          </span>
        </span>
        ${state === DeliveryState.Failed
          ? html`<button type="button" class="retry" part="retry" aria-label=${t.retrySendTo(label)} @click=${() => retry(d.id)}>
              ${t.retry}
            </button>`
          : state === DeliveryState.Sent
            ? html`<span class="tick" aria-hidden="true">✓</span>`
            : nothing}
      </li>`;
    })}
  </ul>`;
}
