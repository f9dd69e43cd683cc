export * from './client.js';
export * from './outbox.js';
export * from './outbox-storage.js';
export * from './timeline.js';
// The keeper is the client's own: a page chooses a storage, not how it is kept.
export {
  defaultSnapshotStorage,
  indexedDbSnapshotStorage,
  memorySnapshotStorage,
  SNAPSHOT_CONVERSATIONS,
  type ChatSnapshot,
  type SnapshotStorage,
} from './snapshot-storage.js';
