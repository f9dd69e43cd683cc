/**
 * The transport contract, the socket life cycle adapters build on
 * (`SocketTransport`) and the pieces it is made of. The adapters are
 * separate entries, so a bundle holds only the one it uses:
 * `pin-messaging/transport/partysocket` and `pin-messaging/transport/memory`.
 */
export * from './types.js';
export {
  SocketTransport,
  TransportTarget,
  createCloseEvent,
  ABNORMAL_CLOSE_CODE,
  CLIENT_DROP_CODE,
  type ReconnectDefaults,
  type ReconnectOptions,
} from './base.js';
export { Backoff, isFatalClose, type BackoffOptions } from './backoff.js';
export { Heartbeat, type HeartbeatOptions } from './heartbeat.js';
