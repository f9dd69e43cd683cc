import { existsSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './site.js';

/**
 * The tests check the built package: refuse to run against a missing build.
 * Then make `import 'pin-messaging'` in examples/ find this repository, as an
 * install would (examples/node_modules is ignored by git).
 */
export default function globalSetup(): void {
  const needed = ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/server/index.js', 'dist/cdn/pin-messaging.js', 'dist/custom-elements.json'];
  const missing = needed.filter((file) => !existsSync(join(REPO, file)));
  if (missing.length) throw new Error(`run \`npm run build\` first (missing ${missing.join(', ')})`);
  linkPackage();
}

function linkPackage(): void {
  const link = join(REPO, 'examples/node_modules/pin-messaging');
  try {
    if (readlinkSync(link) === '../..') return;
    rmSync(link, { recursive: true, force: true });
  } catch {
    // No link yet.
  }
  mkdirSync(join(REPO, 'examples/node_modules'), { recursive: true });
  symlinkSync('../..', link, 'dir');
}
