// The panel as it was at a git ref, for a paired run (--against): the
// panel's and the windowing engine's folders taken from the ref, everything
// else (the rest of the library, the bench's own pages) from the working
// tree, so that the two panels differ only in their own code. Built into
// its own folder and measured as the subject `before`, alternating with the
// working tree's panel in one run.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPages } from './build.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
/** What the ref gives: the panel and what it windows with. */
const PANEL_PATHS = ['src/elements/conversation-panel', 'src/elements/internal/windowing'];

/** Builds the panel's page with the panel of `ref` into `outDir`. */
export async function buildBefore(ref: string, outDir: string): Promise<void> {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`).toString().trim();
  const tree = await mkdtemp(join(tmpdir(), 'bench-render-before-'));
  try {
    for (const path of ['src', 'bench/render', 'tsconfig.json', 'package.json']) {
      await cp(join(repo, path), join(tree, path), { recursive: true });
    }
    for (const path of PANEL_PATHS) {
      await rm(join(tree, path), { recursive: true, force: true });
      execFileSync('tar', ['-x', '-C', tree], { input: git('archive', commit, path) });
    }
    await symlink(join(repo, 'node_modules'), join(tree, 'node_modules'), 'dir');
    await buildPages(outDir, { root: join(tree, 'bench/render/'), pages: ['panel'] });
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}
