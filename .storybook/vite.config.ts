import { defineConfig } from 'vite';

/**
 * Vite settings for stories, shared by `storybook dev/build` (through the
 * builder's viteConfigPath) and the story tests (.storybook/vitest.config.ts).
 * The repository's own vite.config.ts serves the demo and is not used here.
 */
export default defineConfig({
  // nanostores reads process.env.NODE_ENV at run time.
  define: { 'process.env.NODE_ENV': JSON.stringify('development') },
  optimizeDeps: {
    // Pre-bundled once, so stories and the Storybook renderer share one copy
    // (otherwise "Multiple versions of Lit loaded" and two context registries).
    include: ['lit', 'lit/decorators.js', 'lit/directive-helpers.js', '@lit/context', 'nanostores', 'valibot'],
  },
});
