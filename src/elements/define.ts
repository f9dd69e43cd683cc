// Registers all three elements under their default tags.
import './chat-head-stack/define.js';
import './conversation-panel/define.js';
import './pin-send-dialog/define.js';

export * from './index.js';
