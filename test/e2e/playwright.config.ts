// End-to-end tests of the demo in Debian's (or CHROME_PATH's) Chromium: this
// project never downloads browsers. `npm run test:e2e` starts its own
// `npm start` on free ports with an empty database (support/global-setup.ts).
//
// The docs screenshots are made on request only, since they rewrite files
// under docs/: `PIN_SCREENSHOTS=1 npm run test:e2e -- screenshots`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'playwright/test';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';

const results = process.env.PIN_TEST_RESULTS;
const screenshots = process.env.PIN_SCREENSHOTS === '1';

export default defineConfig({
  testDir: '.',
  testIgnore: screenshots ? [] : ['**/screenshots.spec.ts'],
  globalSetup: fileURLToPath(new URL('./support/global-setup.ts', import.meta.url)),
  outputDir: fileURLToPath(new URL('../../test-results/e2e', import.meta.url)),
  // People share one server: one test at a time keeps the two cores for the browsers.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // npm test reads the counts from the JSON file it names in PIN_TEST_RESULTS.
  reporter: results ? [['list'], ['json', { outputFile: results }]] : [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromiumPath,
      args: chromiumArgs,
    },
  },
});
