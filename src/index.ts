/**
 * pin-messaging: the element classes, their events and registration, and
 * `connect()`. Importing this module registers nothing; import
 * `pin-messaging/define` (all three tags) or one element's entry, such as
 * `pin-messaging/pin-send-dialog`, to register the default tags.
 */
export * from './elements/index.js';
export { connect, type ConnectOptions } from './connect.js';
export type { ChatClient } from './state/client.js';
export type { Conversation, Message, PinInput, User } from './protocol/index.js';
