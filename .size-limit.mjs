// Size budgets (`npm run size`; `npm test` runs them after `npm run build`),
// measured on the built package as an app's bundler uses it: every dependency
// bundled, minified, tree-shaken (the package's `sideEffects` honoured),
// gzipped, with process.env.NODE_ENV set to production so Lit and nanostores
// drop their development code. 1 kB = 1,000 bytes.
//
// Every budget sits a few per cent above what its entry measured when it was
// set, to catch regressions; raise one only with a reason in the commit. The
// target for the whole library is 24 kB. It measured 48.9 kB when the budgets
// were first set, 46.7 kB after the first trim (minified styles and markup
// whitespace in the built modules, structural-only checks of server frames on
// the client) and 45.8 kB after the second (`#private` internals, which
// minifiers shorten; reactive properties declared without decorators; the
// stack's panel made without Lit's static templates; unquoted attribute values
// in the built markup), 46.0 kB on that pass's final build. A third pass
// (button and unread-count styles shared, `#private` timelines in the state
// bus) and `#private` panel internals brought it to 45.7 kB: what is left is
// mostly distinct code. Faster opening of long histories (their older rows
// built in idle time, older pages joined above the rows shown) and cheaper
// panel updates then added 0.54 kB to the panel (23.13 -> 23.67 kB), and its
// budget and the stack's rose by 0.4 kB. Dependencies are about 14.2 kB of the whole, gzipped
// alone; lit, @lit/context, nanostores and partysocket bundled together, 12.5.
// The hardening round then added 3.0 kB to the whole (45.7 -> 48.7 kB): the
// offline start (the conversation list kept in IndexedDB, 0.7 kB of the state
// bus), the outbox's ordering under rate limits and paced catch-up (0.6 kB),
// links shown as their real host and path with bidi controls escaped, and
// placeholders for blocked senders (0.5 kB of the panel); budgets rose to match.
// The restructuring that followed (the state client as a facade over slices,
// the panel's history as one controller over a generic windowing engine, one
// socket life cycle in the transport base) left the whole library where it was
// (48.7 kB) and the panel smaller (24.18 -> 23.88 kB), but the state bus alone
// grew by 0.67 kB (11.66 -> 12.33 kB): the wiring between its slices; its
// budget rose to match.
// Until the library reaches the target, its budget guards against growth.
//
// The loader (issue #12): what every page view pays is the loader; the heads
// with their badges come at idle after the load event. Targets: the loader at
// most 2 kB (measured 1.1), the heads (the stack, the state bus with its frame
// checks, the transport and their dependencies, the panel fetched later) at
// most 24 kB. They measured 32.1 kB bundled by an app and 36.2 kB as the
// loader's CDN files (each file gzipped alone), of which the state bus is 19.1
// kB minified, partysocket 11.7, the elements' shared internals (all strings,
// people, events) 10.3, lit 17.1, valibot 6.2 (the client's frame checks),
// the stack 12.7: budgets guard those figures until the state bus and the
// shared internals split by use.
//
// The round after that (server API, unsend and tombstones, the loader split,
// accessibility beyond axe) grew the whole library by 2.35 kB (48.7 -> 51.05
// kB): the panel by 0.95 kB (23.88 -> 24.83: Sent/Seen and connection
// announcements once per change, drafts kept on close, named rows, the member
// list expandable, rows built ahead in idle time), the state bus by 0.44 kB
// (12.33 -> 12.77: unsend, the live deleted frame, tombstones left out of
// unread counts, the deleted person's profile), the rest the stack's panel
// fetched on demand and one default client shared by every copy on a page.
// Budgets rose to match; the 40 kB target of issue #12 is still to be reached
// by splitting the state bus and the shared internals by use.
//
// The panel's remaining items of issues #11, #13 and #16 then added 0.70 kB to
// it (24.82 -> 25.52 kB): deleting one's own message (its button, the
// question, the tombstone row and a failed action shown in the banner), the
// group header's names fitted whole with "+N", and per-message buttons beside
// their bubble. Its budget rose from 25.2 to 25.7 kB to match. The full-screen
// panel made modal (a dialog frame shown with showModal() on phones, in place
// elsewhere) and page controls kept clear of the floating panel when they take
// focus (WCAG 2.4.11) added 0.43 kB more (25.52 -> 25.95): the panel's budget
// rose to 26.2 kB, the whole library's to 52.5 kB and the CDN file's to 52.9 kB
// (52.11 and 52.53 measured, with the send dialog's cap note before it).
//
// The send dialog's cap note that counts down to the limit (the sender is one
// of the 10) and its layout where only the people list gives way on short
// screens added 0.1 kB to the dialog (15.94 -> 16.04 kB); its budget rose to
// 16.2 kB.
//
// Reflow and the reserve setting (issues #13 and #16) then added 0.64 kB to
// the stack (15.67 -> 16.31 kB, and as much to everything that bundles it):
// how many heads fit the screen's height, measured after each update and on
// resize, with the rest in the "+N" menu; that menu opened towards the side
// with room, scrolling inside itself; each head's x moved beside it, off its
// faces; and `reserve`, which publishes the strip the heads cover. Budgets:
// the stack 16 -> 16.4 kB, the heads bundled 33 -> 33.6 (33.51 measured), as
// served 37 -> 37.7 (37.62), everything 52.5 -> 52.9 (52.77), the CDN file
// 52.9 -> 53.3 (53.16).
//
// The heads' share then shrank by what they do not use (issue #12), heads
// bundled: strings kept per element, so the stack carries only its own (33.55
// -> 32.32 kB); the outbox fetched with import() at the first send or 2 s
// after start (-> 31.46); the sound's code fetched once `sound` is on (->
// 31.06); the default outbox storage made with the outbox (-> 30.70). As
// served 37.66 -> 35.17, the stack alone 16.36 -> 14.65, the dialog 16.10 ->
// 15.33. Everything grew meanwhile, 52.83 -> 54.14: about 0.8 of it these
// steps (the per-element strings merged at run time, the delivery slice's
// hand-over to the outbox, and the wrapper esbuild puts around each module
// fetched with import() when it does not split), the rest the panel's idle
// warm-up. The state entry grew 12.76 -> 13.24 the same
// way (it exports the outbox too). What is left in the heads is mostly lit
// (17 kB minified), partysocket (11.7, of which the transport uses the URL,
// the token query and the connect timeout: its reconnecting socket is unused
// with maxRetries 0), valibot with the frame checks (9.3) and the state bus.
// Budgets set about 1-2% above those figures.
//
// Issue "What a host page pays", first step: the client's shape check of
// server frames no longer goes through valibot (src/protocol/server-check.ts:
// the same rules, first issue and messages as ServerFrameSchema, which a test
// compares on every frame type and thousands of mutations). valibot with the
// schemas was 2.46 kB gzipped of the heads, the hand-written checks are 0.82;
// the size and nesting checks that only client frames (on the server) need
// left the client's path too. Heads bundled 30.70 -> 28.77 kB, as served
// 35.16 -> 33.16, everything 54.48 -> 52.40 (it had grown from 54.14 with
// other work meanwhile), the state bus 13.30 -> 11.32, the CDN file 54.94 ->
// 52.82. valibot stays a dependency: the server checks client frames with it,
// and pin-messaging/protocol still exports the server-frame schemas.
// Second step: the client's modules write error and close codes as values
// (checked against ErrorCode and CloseCode with `satisfies`), so neither
// object, 0.36 kB gzipped with their key names, is in a browser bundle. Heads
// bundled 28.77 -> 28.41 kB, as served 33.16 -> 32.76, the state bus 11.32 ->
// 10.93, the PartySocket transport 5.55 -> 5.17, the CDN file 52.82 -> 52.71,
// everything 52.40 -> 52.28 (0.36 less from this step; the panel's work under
// way in the same tree added 0.24 meanwhile).
// Third: no LIMITS object in browser bundles (the limits they use are
// constants of their own in protocol/limit-values.ts, which LIMITS is built
// from; at first each module wrote its copies checked with `satisfies`). Heads bundled 28.41 -> 28.29, as served
// 32.76 -> 32.61, everything 52.28 -> 52.14, the stack alone 14.65 -> 14.51,
// the dialog 15.33 -> 15.20, the panel 26.28 -> 26.15, the state bus 10.93 ->
// 10.81, the CDN file 52.71 -> 52.56.
// Fourth: the message an acknowledged send becomes is made by the outbox, so
// the code that makes a stored body (protocol/body.js) comes with the outbox,
// on demand. Heads bundled 28.29 -> 28.11. The builds that do not split pay
// for it instead (esbuild wraps protocol/url.js, now also reached through the
// outbox's import(), in a lazy initialiser): everything 52.05 -> 52.10, the
// CDN file 52.46 -> 52.54, the state bus 10.81 -> 10.87, the dialog and the
// panel alone +0.03; as the loader serves the heads, 32.61 -> 32.60.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = (path) => fileURLToPath(new URL(`dist/${path}`, import.meta.url));

const production = (config) => ({
  ...config,
  platform: 'browser',
  format: 'esm',
  define: { 'process.env.NODE_ENV': '"production"' },
});

const check = (name, limit, options) => ({ name, limit, gzip: true, modifyEsbuildConfig: production, ...options });

/** The loader build's files each part needs before it runs (written by scripts/build.mjs). */
const loaderParts = (() => {
  try {
    return JSON.parse(readFileSync(dist('build/loader-parts.json'), 'utf8'));
  } catch {
    throw new Error('size-limit: run `npm run build` first (dist/build/loader-parts.json is missing)');
  }
})();
const served = (...parts) => [...new Set(parts.flatMap((part) => loaderParts[part]))].map((file) => fileURLToPath(new URL(file, import.meta.url)));

/**
 * What the heads' code imports with `import()`: an app's bundler splits each into a chunk of its
 * own, fetched when needed (the panel at a head's first hover or at idle; the outbox and its
 * default storage at the first send or 2 s after start; the sound once `sound` is on). esbuild
 * without splitting would inline them, so they are left out.
 */
const LAZY = ['*/conversation-panel/define.js', './outbox.js', './outbox-storage.js', './ring.js'];

export default [
  check('Everything: the three elements, the state bus and the PartySocket transport', '52.9 kB', {
    import: { [dist('src/elements/define.js')]: '{ VERSION }', [dist('src/connect.js')]: '{ connect }' },
  }),
  check('import "pin-messaging/pin-send-dialog"', '15.5 kB', { path: 'dist/src/elements/pin-send-dialog/define.js' }),
  check('import "pin-messaging/conversation-panel"', '26.2 kB', { path: 'dist/src/elements/conversation-panel/define.js' }),
  check('dist/cdn/loader.js as served: what every page view loads', '2 kB', {
    path: served('loader'),
    disablePlugins: ['@size-limit/esbuild'],
  }),
  check('The heads with their badges, bundled: chat-head-stack, connect() (the panel and the outbox fetched when needed)', '28.5 kB', {
    import: { [dist('src/elements/chat-head-stack/define.js')]: '{ ChatHeadStack }', [dist('src/connect.js')]: '{ connect }' },
    modifyEsbuildConfig: (config) => ({ ...production(config), external: [...LAZY] }),
  }),
  check('The heads with their badges as the loader serves them at idle (loader.js and parts/)', '33.2 kB', {
    path: served('loader', 'connect', 'chat-head-stack'),
    disablePlugins: ['@size-limit/esbuild'],
  }),
  // An app's bundler splits the panel the stack fetches on demand into a chunk of its own.
  check('import "pin-messaging/chat-head-stack" (the panel and the sound fetched when needed)', '14.8 kB', {
    path: 'dist/src/elements/chat-head-stack/define.js',
    modifyEsbuildConfig: (config) => ({ ...production(config), external: [...LAZY] }),
  }),
  check('import { ChatClient } from "pin-messaging/state"', '11.0 kB', { import: { [dist('src/state/index.js')]: '{ ChatClient }' } }),
  check('import { PartySocketTransport } from "pin-messaging/transport/partysocket"', '5.3 kB', {
    import: { [dist('src/transport/partysocket.js')]: '{ PartySocketTransport }' },
  }),
  // The whole API, as served: nothing to tree-shake.
  check('dist/cdn/pin-messaging.js as served', '53.4 kB', {
    path: 'dist/cdn/pin-messaging.js',
    disablePlugins: ['@size-limit/esbuild'],
  }),
];
