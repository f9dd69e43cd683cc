/**
 * The element classes and their registration, without registering anything:
 * import this to register under other tag names ({@link defineElements}) or to
 * subclass. `pin-messaging/define` and the per-element entries register the
 * default tags on import.
 */
export { ChatHeadStack } from './chat-head-stack/chat-head-stack.js';
export { ConversationPanel } from './conversation-panel/conversation-panel.js';
export { PinSendDialog } from './pin-send-dialog/pin-send-dialog.js';
export { chatClientContext, getDefaultClient, setDefaultClient } from './internal/client.js';
export { defineElement, tagNameOf, VERSION } from './internal/define.js';
export * from './internal/events.js';
export { setStrings, type Strings } from './internal/strings.js';
export { DEFAULT_STRINGS } from './internal/strings/index.js';
export { DEFAULT_TAGS, defineElements, type ElementName } from './register.js';
