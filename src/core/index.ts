/**
 * The conversation core for hosts other than the bundled Node server (a
 * Durable Object, another WebSocket server): pure TypeScript, no Node or
 * storage-driver imports. A host authenticates each socket, wraps it in a
 * `Connection`, and hands frames to `ChatCore`.
 */
export { ChatCore, DEFAULT_LIMITS, type ChatCoreOptions, type CoreStorage } from './core.js';
export { MemoryStorage } from './memory-storage.js';
export { anyoneInDirectory, mutualFollow, POLICIES } from './policies.js';
export type * from './types.js';
