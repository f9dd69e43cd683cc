import { defineElement } from '../internal/define.js';
import { ChatHeadStack } from './chat-head-stack.js';
import { setPanelModule } from './panel-module.js';

// The stack opens conversations in a <conversation-panel>, fetched when first needed:
// the heads and their badges never wait for it.
setPanelModule(() => import('../conversation-panel/define.js'));
defineElement('chat-head-stack', ChatHeadStack);

export { ChatHeadStack };

declare global {
  interface HTMLElementTagNameMap {
    'chat-head-stack': ChatHeadStack;
  }
}
