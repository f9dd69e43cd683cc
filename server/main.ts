#!/usr/bin/env node
/**
 * `npx pin-messaging-server` and `npm run server`: finds the server's optional peer
 * dependencies, then runs the server (server/cli.ts, where its settings are listed).
 */

/** Optional peers of the package that the Node server cannot run without. */
const PEERS = ['ws', 'jose', 'libsql'] as const;

// A static import of the server would fail on a missing peer with a bare module-not-found stack
// before any of this runs; an app that only uses the elements never installs them.
const found = await Promise.allSettled(PEERS.map((name) => import(name)));
const missing = PEERS.filter((_, i) => {
  const result = found[i];
  return result.status === 'rejected' && (result.reason as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
});
if (missing.length > 0) {
  console.error(
    `pin-messaging: the server needs ${missing.join(', ')}, optional peer ${missing.length === 1 ? 'dependency' : 'dependencies'} of pin-messaging not installed here.\n` +
      `Install them beside it:\n  npm install ${PEERS.join(' ')}`,
  );
  process.exit(1);
}
await import('./cli.js');
