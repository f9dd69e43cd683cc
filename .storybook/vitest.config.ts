// `npm run test:stories`: every story renders in headless Chromium, its play
// function runs, and axe checks it (a violation fails the story: `a11y.test`).
import { fileURLToPath } from 'node:url';
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig, mergeConfig } from 'vitest/config';
import { chromiumArgs, chromiumPath } from '../scripts/chromium.mjs';
import shared from './vite.config.js';

const configDir = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

// No browser download is possible on CI machines: use the system's Chromium.
const executablePath = chromiumPath;
const args = chromiumArgs;

export default mergeConfig(shared, defineConfig({
  root,
  plugins: [storybookTest({ configDir })],
  test: {
    name: 'storybook',
    browser: {
      enabled: true,
      headless: true,
      // Opening animations would otherwise be caught half-faded by the axe check
      // (false contrast failures); the elements honour reduced motion.
      provider: playwright({ launchOptions: { executablePath, args }, contextOptions: { reducedMotion: 'reduce' } }),
      instances: [{ browser: 'chromium' }],
      screenshotFailures: false,
    },
    globalSetup: [fileURLToPath(new URL('./manifest.global-setup.ts', import.meta.url))],
    testTimeout: 20_000,
  },
}));
