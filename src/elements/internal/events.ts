/**
 * Public events. All bubble and cross shadow boundaries; names share the
 * `pin-` prefix and never reuse native names. `...-request` events are
 * cancelable: `preventDefault()` vetoes the action.
 */

export interface PinSentDetail {
  /** One entry per conversation the pin went to. */
  sent: { conv: string; id: string }[];
}

/** `<pin-send-dialog>` queued a pin for sending. */
export class PinSentEvent extends Event {
  static readonly type = 'pin-sent';
  constructor(readonly detail: PinSentDetail) {
    super(PinSentEvent.type, { bubbles: true, composed: true });
  }
}

/** A conversation was opened (a chat head clicked, or after sending). */
export class PinConversationOpenEvent extends Event {
  static readonly type = 'pin-conversation-open';
  constructor(readonly detail: { conv: string }) {
    super(PinConversationOpenEvent.type, { bubbles: true, composed: true });
  }
}

/** A conversation was closed (the panel's close or back button, or Escape). */
export class PinConversationCloseEvent extends Event {
  static readonly type = 'pin-conversation-close';
  constructor(readonly detail: { conv: string }) {
    super(PinConversationCloseEvent.type, { bubbles: true, composed: true });
  }
}

/** A chat head was dismissed with its x. */
export class PinHeadDismissEvent extends Event {
  static readonly type = 'pin-head-dismiss';
  constructor(readonly detail: { conv: string }) {
    super(PinHeadDismissEvent.type, { bubbles: true, composed: true });
  }
}

/**
 * A person is about to follow a link out of a message or pin. Cancel it to
 * show your own warning or to block the link; otherwise the built-in
 * link-safety warning is shown for links to other sites.
 */
export class PinLinkRequestEvent extends Event {
  static readonly type = 'pin-link-request';
  constructor(readonly detail: { url: string; host: string }) {
    super(PinLinkRequestEvent.type, { bubbles: true, composed: true, cancelable: true });
  }
}

/** A new message from someone else arrived (for the host's own notifications). */
export class PinMessageEvent extends Event {
  static readonly type = 'pin-message';
  constructor(readonly detail: { conv: string; from: string; seq: number }) {
    super(PinMessageEvent.type, { bubbles: true, composed: true });
  }
}

/** The library's events by name, as `GlobalEventHandlersEventMap` holds them. */
export interface PinEventMap {
  'pin-sent': PinSentEvent;
  'pin-conversation-open': PinConversationOpenEvent;
  'pin-conversation-close': PinConversationCloseEvent;
  'pin-head-dismiss': PinHeadDismissEvent;
  'pin-link-request': PinLinkRequestEvent;
  'pin-message': PinMessageEvent;
}

declare global {
  // Merged into the DOM's own map: addEventListener('pin-sent', ...) is typed on every node.
  interface GlobalEventHandlersEventMap extends PinEventMap {}
}
