// React 18 sets everything on a custom element as a string attribute and
// cannot listen to custom events. @lit/react wraps each element in a React
// component that sets properties and maps `onX` props to events.
import { createComponent, type EventName } from '@lit/react';
import {
  ChatHeadStack as ChatHeadStackElement,
  ConversationPanel as ConversationPanelElement,
  PinSendDialog as PinSendDialogElement,
  type PinConversationCloseEvent,
  type PinConversationOpenEvent,
  type PinHeadDismissEvent,
  type PinLinkRequestEvent,
  type PinMessageEvent,
  type PinSentEvent,
} from 'pin-messaging';
import * as React from 'react';
import 'pin-messaging/define';

export const PinSendDialog = createComponent({
  tagName: 'pin-send-dialog',
  elementClass: PinSendDialogElement,
  react: React,
  events: { onPinSent: 'pin-sent' as EventName<PinSentEvent> },
});

export const ChatHeadStack = createComponent({
  tagName: 'chat-head-stack',
  elementClass: ChatHeadStackElement,
  react: React,
  events: {
    onConversationOpen: 'pin-conversation-open' as EventName<PinConversationOpenEvent>,
    onConversationClose: 'pin-conversation-close' as EventName<PinConversationCloseEvent>,
    onHeadDismiss: 'pin-head-dismiss' as EventName<PinHeadDismissEvent>,
    onMessage: 'pin-message' as EventName<PinMessageEvent>,
  },
});

export const ConversationPanel = createComponent({
  tagName: 'conversation-panel',
  elementClass: ConversationPanelElement,
  react: React,
  events: {
    onConversationClose: 'pin-conversation-close' as EventName<PinConversationCloseEvent>,
    onLinkRequest: 'pin-link-request' as EventName<PinLinkRequestEvent>,
  },
});
