// Runs the node:test suite. Node 20's `--test` takes neither globs nor finds
// `.ts` files in a directory, so the files are listed here.
// Usage: node scripts/node-tests.mjs [node --test flags] [file or folder filters]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const ROOT = 'test/node';
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function testFiles() {
  let all;
  try {
    if (!statSync(ROOT).isDirectory()) return [];
    all = readdirSync(ROOT, { recursive: true }).map((f) => join(ROOT, String(f)));
  } catch {
    return [];
  }
  const tests = all.filter((f) => f.endsWith('.test.ts')).map((f) => relative('.', f).split(sep).join('/')).sort();
  return filters.length ? tests.filter((f) => filters.some((p) => f.includes(p))) : tests;
}

const files = testFiles();
if (files.length === 0) {
  console.error(`no test files under ${ROOT}${filters.length ? ` matching ${filters.join(' ')}` : ''}`);
  process.exit(1);
}
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...flags, ...files], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
