// Bundles the benchmark pages with Vite, as a site would ship them:
// production mode for Lit and nanostores, minified.
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const PAGES = ['panel', 'peer', 'lit-virtualizer', 'virtuoso'];

/**
 * Builds every subject's page (or `pages`) into `outDir`. `minify: false` keeps function names for
 * profiles; `root` is another copy of this folder (see before.ts).
 */
export async function buildPages(outDir: string, options: { minify?: boolean; root?: string; pages?: string[] } = {}): Promise<void> {
  const root = options.root ?? here;
  await build({
    configFile: false,
    root,
    mode: 'production',
    logLevel: 'warn',
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: options.minify ?? true,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 2_000,
      rolldownOptions: {
        input: Object.fromEntries((options.pages ?? PAGES).map((p) => [p, `${root}${p}.html`])),
        checks: { pluginTimings: false },
      },
    },
  });
}
