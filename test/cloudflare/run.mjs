// `npm run test:cloudflare`: type-checks the worker, runs the object tests
// inside workerd (vitest + @cloudflare/vitest-pool-workers), then the
// conformance suite against `wrangler dev` (node:test). Stops at the first
// step that fails. Extra arguments are file filters for the conformance step
// (`npm run test:cloudflare -- messaging`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const node = process.execPath;
const config = mkdtempSync(join(tmpdir(), 'pin-wrangler-'));
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', XDG_CONFIG_HOME: config };
const filters = process.argv.slice(2);
const suites = readdirSync('test/conformance/cloudflare')
  .filter((f) => f.endsWith('.test.ts') && (filters.length === 0 || filters.some((p) => f.includes(p))))
  .map((f) => `test/conformance/cloudflare/${f}`);

const steps = [
  ['worker types', [node, 'node_modules/typescript/bin/tsc', '-p', 'server/cloudflare/tsconfig.json', '--noEmit']],
  ['object tests (workerd)', [node, 'node_modules/vitest/vitest.mjs', 'run', '--config', 'server/cloudflare/vitest.config.mjs']],
  ['conformance (wrangler dev)', [node, '--import', 'tsx', '--test', '--test-concurrency=1', ...suites]],
];

let status = 0;
for (const [name, argv] of steps) {
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const result = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit', env });
  console.log(`=== ${name}: ${result.status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (result.status !== 0) {
    status = result.status ?? 1;
    break;
  }
}
rmSync(config, { recursive: true, force: true });
process.exit(status);
