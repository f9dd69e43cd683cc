// The stack opens conversations in its own <conversation-panel>: register it too.
import '../conversation-panel/define.js';
import { defineElement } from '../internal/define.js';
import { ChatHeadStack } from './chat-head-stack.js';

defineElement('chat-head-stack', ChatHeadStack);

export { ChatHeadStack };

declare global {
  interface HTMLElementTagNameMap {
    'chat-head-stack': ChatHeadStack;
  }
}
