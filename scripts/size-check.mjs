// Runs size-limit (budgets in .size-limit.mjs) on the built package, prints
// one line per budget, and leaves the counts for `npm test` in the file named
// by PIN_TEST_RESULTS: each budget is one test.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const run = spawnSync(process.execPath, ['node_modules/size-limit/bin.js', '--json'], { encoding: 'utf8' });
let checks;
try {
  checks = JSON.parse(run.stdout);
} catch {
  process.stderr.write(run.stdout + run.stderr);
  process.exit(1);
}

const kb = (bytes) => `${(bytes / 1000).toFixed(2)} kB`;
for (const check of checks) {
  const verdict = check.passed ? 'ok  ' : 'OVER';
  console.log(`  ${verdict} ${kb(check.size).padStart(9)} of ${kb(check.sizeLimit).padStart(9)}  ${check.name}`);
}
const failed = checks.filter((c) => !c.passed).length;
console.log(`min+gzip, with dependencies; budgets in .size-limit.mjs`);
if (process.env.PIN_TEST_RESULTS) {
  writeFileSync(process.env.PIN_TEST_RESULTS, JSON.stringify({ passed: checks.length - failed, failed, skipped: 0 }));
}
process.exit(failed ? 1 : 0);
