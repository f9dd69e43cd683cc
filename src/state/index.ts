export * from './client.js';
export * from './outbox.js';
export * from './outbox-storage.js';
export * from './timeline.js';
export * from './snapshot-storage.js';
