// Server-side rendering frameworks import modules on the server: every entry
// of the exports map must load in Node, where there is no DOM, without
// throwing, each in a fresh process (nothing another import left behind helps).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'playwright/test';
import { REPO } from './support/site.js';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const entries = Object.keys(pkg.exports as Record<string, unknown>)
  // pin-messaging/cloudflare runs in workerd (cloudflare:workers); cloudflare-install.spec starts it.
  .filter((key) => !key.endsWith('.json') && key !== './cloudflare')
  .map((key) => `${pkg.name}${key.slice(1)}`);

const probe = `
const before = typeof document + typeof window + typeof customElements;
const module = await import(process.argv[1]);
console.log(JSON.stringify({ before, exports: Object.keys(module) }));
`;

test('the exports map lists every entry', () => {
  expect(entries).toEqual(
    expect.arrayContaining([
      'pin-messaging',
      'pin-messaging/define',
      'pin-messaging/pin-send-dialog',
      'pin-messaging/chat-head-stack',
      'pin-messaging/conversation-panel',
      'pin-messaging/state',
      'pin-messaging/transport/partysocket',
      'pin-messaging/transport/memory',
      'pin-messaging/server',
    ]),
  );
});

for (const entry of entries) {
  test(`import '${entry}' works in Node without a DOM`, async () => {
    // Resolved from the repository root, through the package's own name and exports map.
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe, entry], { cwd: REPO });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { before: string; exports: string[] };
    expect(result.before).toBe('undefinedundefinedundefined');
    expect(result.exports.length).toBeGreaterThan(0);
  });
}
