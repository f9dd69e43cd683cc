import { html, nothing, type TemplateResult } from 'lit';
import type { User } from '../../protocol/index.js';
import type { OutboxEntry } from '../../state/outbox.js';
import { DeliveryState, outboxState } from '../internal/delivery.js';
import { avatar, nameOf } from '../internal/people.js';
import type { Strings } from '../internal/strings.js';

/** One conversation a pin went to. */
export interface SentPin {
  conv: string;
  /** The message's client id, as in the outbox. */
  id: string;
  /** The recipients in that conversation. */
  to: string[];
  title?: string;
}

/** Where a delivery stands (see {@link outboxState}), with the server's error code when it failed. */
export function deliveryState(outbox: readonly OutboxEntry[], id: string): { state: DeliveryState; code?: string } {
  const entry = outbox.find((e) => e.id === id);
  return { state: outboxState(entry), code: entry?.error?.code };
}

export function deliveryLabel(d: SentPin, users: Readonly<Record<string, User>>): string {
  return d.title || d.to.map((id) => nameOf(users, id)).join(', ');
}

/** The per-recipient rows shown after sending, each with an in-place Retry when it failed. */
export function renderDeliveries(
  deliveries: readonly SentPin[],
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
