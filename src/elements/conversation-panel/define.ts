import { defineElement } from '../internal/define.js';
import { ConversationPanel } from './conversation-panel.js';

defineElement('conversation-panel', ConversationPanel);

export { ConversationPanel };

declare global {
  interface HTMLElementTagNameMap {
    'conversation-panel': ConversationPanel;
  }
}
