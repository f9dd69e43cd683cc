// The package's own tests (`npm run test:package`, part of `npm test`), run on
// the built package: `npm run build` first. Browser tests use Debian's (or
// CHROME_PATH's) Chromium: this project never downloads browsers.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'playwright/test';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';

const results = process.env.PIN_TEST_RESULTS;

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  globalSetup: fileURLToPath(new URL('./support/global-setup.ts', import.meta.url)),
  outputDir: fileURLToPath(new URL('../../test-results/package', import.meta.url)),
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
    launchOptions: {
      executablePath: chromiumPath,
      args: chromiumArgs,
    },
  },
});
