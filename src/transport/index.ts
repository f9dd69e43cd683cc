/**
 * The transport contract and the helpers adapters share. The adapters are
 * separate entries, so a bundle holds only the one it uses:
 * `pin-messaging/transport/partysocket` and `pin-messaging/transport/memory`.
 */
export * from './types.js';
export { TransportTarget, createCloseEvent, ABNORMAL_CLOSE_CODE, CLIENT_DROP_CODE } from './base.js';
export { Backoff, isFatalClose, type BackoffOptions } from './backoff.js';
export { Heartbeat, type HeartbeatOptions } from './heartbeat.js';
