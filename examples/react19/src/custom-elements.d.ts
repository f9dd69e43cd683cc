// Types the three tags in TSX: properties from the element classes, events as
// `on<event-name>` props (React 19 adds them as listeners).
import type { ChatHeadStack, ConversationPanel, PinEventMap, PinSendDialog } from 'pin-messaging';
import type { DetailedHTMLProps, HTMLAttributes } from 'react';

type Events = { [K in keyof PinEventMap as `on${K}`]?: (event: PinEventMap[K]) => void };
type Element<T extends HTMLElement, Props extends keyof T = never> = DetailedHTMLProps<HTMLAttributes<T>, T> &
  Partial<Pick<T, Props>> &
  Events;

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'pin-send-dialog': Element<PinSendDialog, 'pin' | 'theme' | 'strings' | 'client'>;
      'chat-head-stack': Element<ChatHeadStack, 'max' | 'side' | 'sound' | 'titleBadge' | 'theme' | 'strings' | 'client'>;
      'conversation-panel': Element<ConversationPanel, 'conv' | 'theme' | 'strings' | 'client'>;
    }
  }
}
