// Size budgets (`npm run size`; `npm test` runs them after `npm run build`),
// measured on the built package as an app's bundler uses it: every dependency
// bundled, minified, tree-shaken (the package's `sideEffects` honoured),
// gzipped, with process.env.NODE_ENV set to production so Lit and nanostores
// drop their development code. 1 kB = 1,000 bytes.
//
// Every budget sits a few per cent above what its entry measured when it was
// set, to catch regressions; raise one only with a reason in the commit. The
// target for the whole library is 24 kB; it measured 48.9 kB when these were
// set (dependencies 14.5 kB, our own code 34.5 kB), so that budget guards
// against growth until the elements are trimmed to the target.
import { fileURLToPath } from 'node:url';

const dist = (path) => fileURLToPath(new URL(`dist/${path}`, import.meta.url));

const production = (config) => ({
  ...config,
  platform: 'browser',
  format: 'esm',
  define: { 'process.env.NODE_ENV': '"production"' },
});

const check = (name, limit, options) => ({ name, limit, gzip: true, modifyEsbuildConfig: production, ...options });

export default [
  check('Everything: the three elements, the state bus and the PartySocket transport', '50 kB', {
    import: { [dist('src/elements/define.js')]: '{ VERSION }', [dist('src/connect.js')]: '{ connect }' },
  }),
  check('import "pin-messaging/pin-send-dialog"', '17.5 kB', { path: 'dist/src/elements/pin-send-dialog/define.js' }),
  check('import "pin-messaging/conversation-panel"', '24.5 kB', { path: 'dist/src/elements/conversation-panel/define.js' }),
  check('import "pin-messaging/chat-head-stack" (with the panel it opens)', '29 kB', {
    path: 'dist/src/elements/chat-head-stack/define.js',
  }),
  check('import { ChatClient } from "pin-messaging/state"', '11.8 kB', { import: { [dist('src/state/index.js')]: '{ ChatClient }' } }),
  check('import { PartySocketTransport } from "pin-messaging/transport/partysocket"', '5.9 kB', {
    import: { [dist('src/transport/partysocket.js')]: '{ PartySocketTransport }' },
  }),
  // The whole API, as served: nothing to tree-shake.
  check('dist/cdn/pin-messaging.js as served', '51 kB', {
    path: 'dist/cdn/pin-messaging.js',
    disablePlugins: ['@size-limit/esbuild'],
  }),
];
