// Registers all three elements under their default tags, at once: the stack's
// panel is here already, so nothing is fetched later (and a single-file build of
// this entry holds no lazily wrapped modules).
import './conversation-panel/define.js';
import './pin-send-dialog/define.js';
import { ChatHeadStack } from './chat-head-stack/chat-head-stack.js';
import { defineElement } from './internal/define.js';

defineElement('chat-head-stack', ChatHeadStack);

export * from './index.js';

declare global {
  interface HTMLElementTagNameMap {
    'chat-head-stack': ChatHeadStack;
  }
}
