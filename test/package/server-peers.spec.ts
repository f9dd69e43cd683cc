// `npx pin-messaging-server` in an app that installed pin-messaging for its elements only:
// ws, jose and libsql are optional peers, and their absence must read as an install line,
// not as a module-not-found stack.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test } from 'playwright/test';
import { REPO } from './support/site.js';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

/** The built server in a folder outside the repository, with the package's dependencies and only `peers`. */
function install(peers: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'pin-peers-'));
  const home = join(root, 'node_modules', 'pin-messaging');
  for (const part of ['dist/server', 'dist/src']) cpSync(join(REPO, part), join(home, part), { recursive: true });
  writeFileSync(join(home, 'package.json'), JSON.stringify({ name: 'pin-messaging', type: 'module' }));
  for (const name of [...Object.keys(pkg.dependencies), ...peers]) {
    mkdirSync(dirname(join(root, 'node_modules', name)), { recursive: true });
    symlinkSync(join(REPO, 'node_modules', name), join(root, 'node_modules', name), 'dir');
  }
  return root;
}

async function run(root: string): Promise<{ code: number; output: string }> {
  const env = { ...process.env, PIN_PORT: '0', PIN_DB: ':memory:', PIN_DEV: '1' };
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(root, 'node_modules/pin-messaging/dist/server/main.js')], { cwd: root, env, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: child.exitCode ?? (error ? 1 : 0), output: stdout + stderr }),
    );
  });
}

for (const [peers, missing] of [
  [[], 'ws, jose, libsql'],
  [['ws'], 'jose, libsql'],
] as const) {
  test(`the server command without ${missing}: names them and the install line, exit 1`, async () => {
    const root = install([...peers]);
    try {
      const { code, output } = await run(root);
      expect(code).toBe(1);
      expect(output).toContain(`the server needs ${missing}, optional peer dependencies`);
      expect(output).toContain('npm install ws jose libsql');
      expect(output).not.toContain('ERR_MODULE_NOT_FOUND');
      expect(output).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
