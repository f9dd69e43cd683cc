// Object-level tests of the Cloudflare backend: they run inside workerd (the
// same runtime as production) with real SQLite Durable Objects, through
// @cloudflare/vitest-pool-workers. `npm run test:cloudflare` runs them, then
// the conformance suite against `wrangler dev`.
import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('../..'),
  resolve: {
    // storybook pins an older @vitest/expect at the top of node_modules; the
    // workers pool must load the one that belongs to this vitest.
    alias: { '@vitest/expect': here('../../node_modules/vitest/node_modules/@vitest/expect/dist/index.js') },
  },
  plugins: [
    cloudflareTest({
      wrangler: { configPath: here('./wrangler.jsonc') },
      miniflare: {
        bindings: {
          PIN_AUTH_SECRET: 'object-test-secret-that-is-long-enough',
          PIN_ALLOWED_ORIGINS: 'http://app.example',
          PIN_ADMIN_SECRET: 'object-test-admin',
          // One person sends hundreds of messages to dozens of new conversations in
          // some tests; the budgets' own tests set theirs.
          PIN_RATE_BURST: '10000',
          PIN_RATE_PER_SEC: '10000',
          PIN_CREATE_BURST: '10000',
          PIN_CREATE_PER_MIN: '600000',
        },
        // Nothing outside answers here (webhook tries in test/cloudflare/webhooks.test.ts): a
        // refused connection would fill the log with workerd's stack traces.
        outboundService: () => new Response('no receiver in object tests', { status: 503 }),
      },
    }),
  ],
  test: {
    include: ['test/cloudflare/**/*.test.ts'],
  },
});
