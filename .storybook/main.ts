import type { StorybookConfig } from '@storybook/web-components-vite';

const config: StorybookConfig = {
  stories: ['../stories/**/*.stories.ts'],
  addons: ['@storybook/addon-docs', '@storybook/addon-a11y', '@storybook/addon-vitest'],
  framework: {
    name: '@storybook/web-components-vite',
    // The repository's own vite.config.ts serves the demo (its root is demo/): not for stories.
    options: { builder: { viteConfigPath: '.storybook/vite.config.ts' } },
  },
  // The network is closed on CI machines; telemetry would only wait on it.
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
  docs: { defaultName: 'Docs' },
};

export default config;
