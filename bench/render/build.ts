// Bundles the benchmark pages with Vite, as a site would ship them:
// production mode for Lit and nanostores, minified.
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const PAGES = ['panel', 'peer', 'lit-virtualizer', 'virtuoso'];

/** Builds every subject's page into `outDir`. `minify: false` keeps function names for profiles. */
export async function buildPages(outDir: string, options: { minify?: boolean } = {}): Promise<void> {
  await build({
    configFile: false,
    root: here,
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
        input: Object.fromEntries(PAGES.map((p) => [p, `${here}${p}.html`])),
        checks: { pluginTimings: false },
      },
    },
  });
}
