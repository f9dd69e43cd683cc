// A consumer's project outside this repository: the package as `npm pack` makes it,
// unpacked into the project's node_modules the way `npm install <tarball>` puts it,
// and every other dependency taken from this repository's node_modules through a
// symlink (a warm install, offline and in milliseconds).
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './site.js';

let tarball: string | undefined;
const made: string[] = [];

/** The packed package (made once per test process). */
export function packed(): string {
  if (tarball) return tarball;
  const into = mkdtempSync(join(tmpdir(), 'pin-messaging-pack-'));
  made.push(into);
  // --ignore-scripts: the build already ran; `prepack` would run it again.
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', into], { cwd: REPO, encoding: 'utf8' });
  const [{ filename }] = JSON.parse(out) as { filename: string }[];
  tarball = join(into, filename);
  return tarball;
}

/**
 * A new folder in the system's temp directory with `from` (a folder of this
 * repository) copied in and the packed package installed. Returns its path.
 */
export function consumerProject(from: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pin-messaging-app-'));
  made.push(dir);
  cpSync(join(REPO, from), dir, {
    recursive: true,
    filter: (source) => !/[\\/](node_modules|dist)$/.test(source),
  });
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(REPO, 'node_modules'))) {
    // .bin too, so `npm run <script>` finds the tools as in an installed project.
    if (name === 'pin-messaging' || (name.startsWith('.') && name !== '.bin')) continue;
    symlinkSync(join(REPO, 'node_modules', name), join(modules, name), 'dir');
  }
  const target = join(modules, 'pin-messaging');
  mkdirSync(target);
  execFileSync('tar', ['-xzf', packed(), '-C', target, '--strip-components=1']);
  return dir;
}

/** Removes every folder made here (call from afterAll). */
export function removeConsumerProjects(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  tarball = undefined;
}

/** Runs a Node script from this repository's node_modules in `cwd`; resolves with its output and exit code. */
export async function run(cwd: string, script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(REPO, 'node_modules', script), ...args], {
      cwd,
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}
