// What `npm pack` puts in the tarball: the built modules with their types,
// the CDN file, the element manifest and editor data, the docs a registry
// shows; no sources, tests, stories or demo.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'playwright/test';
import { REPO } from './support/site.js';

interface PackResult {
  files: { path: string }[];
  unpackedSize: number;
}

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
let files: Set<string>;

test.beforeAll(() => {
  // --ignore-scripts: the build already ran; `prepack` would run it again.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8' });
  const [result] = JSON.parse(out) as PackResult[];
  files = new Set(result.files.map((f) => f.path));
});

test('holds no sources, tests, stories, examples or demo', () => {
  // The one file under server/: the wrangler template an app copies next to its worker (docs/scaling.md).
  const unwanted = [...files].filter(
    (f) =>
      f !== 'server/cloudflare/wrangler.template.jsonc' &&
      /^(src|server|test|stories|examples|demo|bench|scripts|docs|\.storybook|storybook-static|\.data|dist\/demo)\//.test(f) ||
      /\.(test|spec|stories)\.[cm]?[jt]sx?$/.test(f) ||
      (f.endsWith('.ts') && !f.endsWith('.d.ts')),
  );
  expect(unwanted).toEqual([]);
});

test('holds every exported module with its types, the CDN file, the manifest and editor data', () => {
  const targets = Object.values(pkg.exports as Record<string, string | Record<string, string>>).flatMap((t) =>
    typeof t === 'string' ? [t] : Object.values(t),
  );
  expect(targets.length).toBeGreaterThan(20);
  const wanted = [
    ...targets,
    pkg.main,
    pkg.types,
    pkg.customElements,
    pkg['web-types'],
    pkg.unpkg,
    ...Object.values(pkg.bin as Record<string, string>),
    'dist/vscode.html-custom-data.json',
    'dist/vscode.css-custom-data.json',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
  ].map((p: string) => p.replace(/^\.\//, ''));
  expect(wanted.filter((p) => !files.has(p))).toEqual([]);
});

test('has a declaration file beside every module', () => {
  const modules = [...files].filter((f) => /^dist\/(src|server)\/.*\.js$/.test(f));
  expect(modules.length).toBeGreaterThan(50);
  expect(modules.filter((f) => !files.has(f.replace(/\.js$/, '.d.ts')))).toEqual([]);
});

test('names the modules that register elements, and the loader that watches for them, as its only side effects', () => {
  const registering = [
    'dist/src/elements/define.js',
    'dist/src/elements/pin-send-dialog/define.js',
    'dist/src/elements/conversation-panel/define.js',
    'dist/src/elements/chat-head-stack/define.js',
  ];
  const declared = (pkg.sideEffects as string[]).map((p) => p.replace(/^\.\//, ''));
  // The loader registers nothing itself, but watches the document from the moment it is imported.
  const loaders = ['dist/src/loader.js', 'dist/cdn/loader.js'];
  expect(declared.sort()).toEqual([...registering, ...loaders, 'dist/src/cdn.js', 'dist/cdn/pin-messaging.js'].sort());
  expect(declared.filter((p) => !files.has(p))).toEqual([]);
  // Nothing else calls customElements.define or defineElement at the top level.
  const registers = [...files].filter((f) => /^dist\/src\/.*\.js$/.test(f) && /^(defineElement|customElements\.define)\(/m.test(readFileSync(join(REPO, f), 'utf8')));
  // define.js registers the stack with its panel already there (no lazy wrapper), the others through their own define.js.
  expect(registers.sort()).toEqual([...registering].sort());
});

test('stamps the package version on the elements (the double-load check compares it)', () => {
  const define = readFileSync(join(REPO, 'dist/src/elements/internal/define.js'), 'utf8');
  expect(define).toContain(`export const VERSION = '${pkg.version}';`);
  expect(readFileSync(join(REPO, 'dist/cdn/pin-messaging.js'), 'utf8')).toContain(`"${pkg.version}"`);
});

test('keeps the server drivers out of a browser-only install', () => {
  const runtime = Object.keys(pkg.dependencies);
  expect(runtime.filter((d) => ['ws', 'libsql', 'jose'].includes(d))).toEqual([]);
  for (const name of ['ws', 'libsql', 'jose']) expect(pkg.peerDependenciesMeta[name]).toEqual({ optional: true });
});
