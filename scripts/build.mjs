// `npm run build`: what the package publishes.
// - dist/src, dist/server: ES modules, one per source file, with .d.ts (tsc);
//   Lit's css``, html`` and svg`` templates minified (scripts/minify-templates.mjs).
// - dist/server/cloudflare/worker: the Cloudflare backend (pin-messaging/cloudflare).
// - dist/cdn/pin-messaging.js: one minified file for a plain page, Lit in
//   production mode, process.env.NODE_ENV replaced (nanostores reads it).
// - dist/cdn/loader.js and dist/cdn/parts/: the loader for a plain page and what it
//   fetches on demand (see src/loader.ts).
// - dist/custom-elements.json (from the elements' JSDoc), plus the editor data
//   made from it: VS Code HTML and CSS custom data, JetBrains web-types.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { cssCustomData, htmlCustomData, webTypes } from './editor-data.mjs';
import { frameworkFiles } from './framework-types.mjs';
import { minifyTemplates } from './minify-templates.mjs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

function run(label, argv) {
  const started = Date.now();
  const result = spawnSync(process.execPath, argv, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`build: ${label} failed`);
    process.exit(result.status ?? 1);
  }
  console.log(`build: ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

for (const path of ['dist/src', 'dist/server', 'dist/cdn', 'dist/build']) rmSync(path, { recursive: true, force: true });

run('modules and types', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
chmodSync('dist/server/main.js', 0o755);

// pin-messaging/cloudflare: the worker, typed for workerd rather than Node, so compiled apart;
// only its own folder is kept (what it imports is the main build's).
run('Cloudflare worker', ['node_modules/typescript/bin/tsc', '-p', 'server/cloudflare/tsconfig.build.json']);
cpSync('dist/build/cloudflare/server/cloudflare/worker', 'dist/server/cloudflare/worker', { recursive: true });
rmSync('dist/build/cloudflare', { recursive: true, force: true });

const minified = await minifyTemplates('dist/src');
const saved = minified.reduce((sum, { before, after }) => sum + before - after, 0);
console.log(`build: templates minified in ${minified.length} modules (${(saved / 1024).toFixed(1)} KB less)`);

/** What both builds for a plain page share: one minified ES module graph, Lit and nanostores in production mode. */
const PAGE_BUILD = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  define: { 'process.env.NODE_ENV': '"production"' },
  write: true,
  metafile: true,
  logLevel: 'warning',
};

/** Stops the build when a dependency's development build got in (`define` missed an entry). */
function productionOnly(result, what) {
  if (!Object.keys(result.metafile.inputs).some((input) => input.includes('/development/'))) return;
  console.error(`build: ${what} contains a development build of a dependency`);
  process.exit(1);
}

const cdn = await build({
  ...PAGE_BUILD,
  entryPoints: ['dist/src/cdn.js'],
  outfile: 'dist/cdn/pin-messaging.js',
  banner: { js: `/*! pin-messaging ${pkg.version} | MIT | bundles lit (BSD-3-Clause), nanostores, partysocket, valibot (MIT) */` },
});
const file = readFileSync('dist/cdn/pin-messaging.js');
console.log(`build: dist/cdn/pin-messaging.js ${(file.length / 1024).toFixed(1)} KB, ${(gzipSync(file, { level: 9 }).length / 1024).toFixed(1)} KB gzip`);
productionOnly(cdn, 'the CDN file');

// dist/cdn/loader.js: the loader for a plain page, and beside it under parts/ what it
// fetches on demand, one file per element and for connect(), plus the chunks they share
// (import.meta.url-relative imports, so the folder can be served from anywhere).
const PARTS = ['chat-head-stack', 'conversation-panel', 'pin-send-dialog'];
const loader = await build({
  ...PAGE_BUILD,
  entryPoints: [
    { in: 'dist/src/loader.js', out: 'loader' },
    { in: 'dist/src/connect.js', out: 'parts/connect' },
    ...PARTS.map((name) => ({ in: `dist/src/elements/${name}/define.js`, out: `parts/${name}` })),
  ],
  outdir: 'dist/cdn',
  chunkNames: 'parts/shared-[hash]',
  splitting: true,
  banner: { js: `/*! pin-messaging ${pkg.version} | MIT */` },
});
productionOnly(loader, 'the loader build');
// What each part of the loader build needs before it runs: itself and the chunks it imports
// statically. .size-limit.mjs reads this (it is not published).
const outputs = loader.metafile.outputs;
const closure = (file, into = new Set()) => {
  if (into.has(file)) return into;
  into.add(file);
  for (const { path, kind } of outputs[file].imports) if (kind === 'import-statement') closure(path, into);
  return into;
};
const parts = Object.fromEntries(
  Object.entries(outputs)
    .filter(([, output]) => output.entryPoint)
    .map(([file]) => [file.replace(/^dist\/cdn\/(parts\/)?|\.js$/g, ''), [...closure(file)]]),
);
mkdirSync('dist/build', { recursive: true });
writeFileSync('dist/build/loader-parts.json', `${JSON.stringify(parts, null, 2)}\n`);
const gz = (files) => files.reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length, 0);
console.log(
  `build: dist/cdn/loader.js and parts/: ${Object.entries(parts)
    .map(([name, files]) => `${name} ${(gz(files) / 1024).toFixed(1)} KB gzip with what it imports`)
    .join(', ')}`,
);

run('custom-elements.json', ['node_modules/@custom-elements-manifest/analyzer/cem.js', 'analyze', '--outdir', 'dist', '--quiet']);
const manifest = toDistPaths(JSON.parse(readFileSync('dist/custom-elements.json', 'utf8')));
writeFileSync('dist/custom-elements.json', `${JSON.stringify(manifest, null, 2)}\n`);
writeFileSync('dist/vscode.html-custom-data.json', `${JSON.stringify(htmlCustomData(manifest), null, 2)}\n`);
writeFileSync('dist/vscode.css-custom-data.json', `${JSON.stringify(cssCustomData(manifest), null, 2)}\n`);
writeFileSync('dist/web-types.json', `${JSON.stringify(webTypes(manifest, pkg), null, 2)}\n`);
console.log('build: editor data (VS Code custom data, web-types)');
// Typings for React 19's JSX, Vue's GlobalComponents and Svelte 5's elements (pin-messaging/react, /vue, /svelte).
mkdirSync('dist/src/frameworks', { recursive: true });
for (const [name, text] of Object.entries(frameworkFiles(manifest))) writeFileSync(`dist/src/frameworks/${name}`, text);
console.log('build: framework typings (dist/src/frameworks/)');

/** The analyzer names source files (`src/a.ts`, `/src/a.js`); the package ships `dist/src/a.js`. */
function toDistPaths(value) {
  if (Array.isArray(value)) return value.map(toDistPaths);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [
        key,
        (key === 'path' || key === 'module') && typeof v === 'string' ? v.replace(/^\/?(src\/.*)\.(ts|js)$/, 'dist/$1.js') : toDistPaths(v),
      ]),
    );
  }
  return value;
}
