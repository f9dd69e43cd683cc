import type { OutboxEntry } from '../../state/outbox.js';

/** Where one of the person's own messages stands, in the panel's rows and the dialog's delivery list alike. */
export const DeliveryState = { Sending: 'sending', Sent: 'sent', Seen: 'seen', Failed: 'failed' } as const;
export type DeliveryState = (typeof DeliveryState)[keyof typeof DeliveryState];

/** A message's state from its outbox entry: on its way or failed while it has one; gone from the outbox, the server acknowledged it. */
export function outboxState(entry: OutboxEntry | undefined): DeliveryState {
  // The literal is checked against SendState all the same, and the dialog's bundle then needs no SendState.
  return !entry ? DeliveryState.Sent : entry.state === 'failed' ? DeliveryState.Failed : DeliveryState.Sending;
}
