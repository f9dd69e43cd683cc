import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Regenerates custom-elements.json before the story tests load the preview
 * (which reads it for controls), so the tests never run on a stale manifest.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const cem = fileURLToPath(new URL('../node_modules/@custom-elements-manifest/analyzer/cem.js', import.meta.url));
  execFileSync(process.execPath, [cem, 'analyze'], { cwd: root, stdio: 'ignore' });
}
