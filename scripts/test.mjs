// `npm test`: runs every suite in SUITES in order, prints each suite's counts,
// then one plain final line `N passed, N failed` summing them all (the line CI
// reads). Exits non-zero when a test failed, a suite crashed or ran nothing.
//
// To add a suite (e2e, story tests), add an entry: `command` runs it, and
// `counts(resultFile, exitCode)` turns what it left in `resultFile` (the path
// is also in the PIN_TEST_RESULTS environment variable) into
// { passed, failed, skipped }, or returns undefined when it cannot tell.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const node = process.execPath;

/** Type-checking counts as one test. */
function exitCount(_file, code) {
  return { passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0 };
}

/** The summary comments the node:test TAP reporter ends with. */
function tapCounts(file) {
  const text = readOr(file);
  if (text === undefined) return undefined;
  const last = (name) => {
    const all = [...text.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : undefined;
  };
  const pass = last('pass');
  if (pass === undefined) return undefined;
  return { passed: pass, failed: (last('fail') ?? 0) + (last('cancelled') ?? 0), skipped: (last('skipped') ?? 0) + (last('todo') ?? 0) };
}

/** Written by scripts/wtr-count-reporter.mjs. */
function jsonCounts(file) {
  const text = readOr(file);
  if (text === undefined) return undefined;
  const { passed, failed, skipped } = JSON.parse(text);
  return { passed, failed, skipped: skipped ?? 0 };
}

/** Playwright's JSON reporter (the configs write it to PIN_TEST_RESULTS). */
function playwrightCounts(file) {
  const text = readOr(file);
  if (text === undefined) return undefined;
  const { stats } = JSON.parse(text);
  return { passed: stats.expected + stats.flaky, failed: stats.unexpected, skipped: stats.skipped };
}

/** Vitest's JSON reporter. */
function vitestCounts(file) {
  const text = readOr(file);
  if (text === undefined) return undefined;
  const report = JSON.parse(text);
  return { passed: report.numPassedTests, failed: report.numFailedTests, skipped: report.numPendingTests + report.numTodoTests };
}

/** wrangler and workerd without telemetry or a home directory of their own (the network is closed in CI). */
const WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'pin-wrangler-')),
};

const SUITES = [
  {
    name: 'type-check',
    command: (_file) => [node, 'node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit'],
    counts: exitCount,
    timeoutMs: 180_000,
  },
  {
    // The package: modules, types, CDN file, manifest (scripts/build.mjs). The
    // package, size and storybook-build suites below use what it builds.
    name: 'build',
    command: (_file) => [node, 'scripts/build.mjs'],
    counts: exitCount,
    timeoutMs: 180_000,
  },
  {
    name: 'node',
    command: (file) => [
      node,
      'scripts/node-tests.mjs',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${file}`,
    ],
    counts: tapCounts,
    timeoutMs: 480_000,
  },
  {
    name: 'browser',
    command: (_file) => [node, 'node_modules/@web/test-runner/dist/bin.js'],
    counts: jsonCounts,
    timeoutMs: 300_000,
  },
  {
    // Every story rendered in Chromium with its play function and an axe check.
    name: 'stories',
    command: (file) => [
      node,
      'node_modules/vitest/vitest.mjs',
      'run',
      '--config',
      '.storybook/vitest.config.ts',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${file}`,
    ],
    counts: vitestCounts,
    timeoutMs: 300_000,
  },
  {
    // The demo end to end: its own `npm start` on free ports, people in separate browser contexts.
    name: 'e2e',
    command: (_file) => [node, 'node_modules/playwright/cli.js', 'test', '-c', 'test/e2e/playwright.config.ts'],
    counts: playwrightCounts,
    timeoutMs: 300_000,
  },
  {
    // The built package: npm pack contents, Node imports without a DOM, the
    // published types, the CDN page, the strict-CSP page and the framework
    // examples in Chromium (test/package).
    name: 'package',
    command: (_file) => [node, 'node_modules/playwright/cli.js', 'test', '-c', 'test/package/playwright.config.ts'],
    counts: playwrightCounts,
    timeoutMs: 420_000,
  },
  {
    // size-limit budgets (.size-limit.mjs), one test each.
    name: 'size',
    command: (_file) => [node, 'scripts/size-check.mjs'],
    counts: jsonCounts,
    timeoutMs: 120_000,
  },
  {
    // The Cloudflare backend: its types (workers types, kept out of the main project).
    name: 'worker types',
    command: (_file) => [node, 'node_modules/typescript/bin/tsc', '-p', 'server/cloudflare/tsconfig.json', '--noEmit'],
    counts: exitCount,
    timeoutMs: 120_000,
  },
  {
    // Durable Object tests inside workerd (@cloudflare/vitest-pool-workers).
    name: 'objects',
    command: (file) => [
      node,
      'node_modules/vitest/vitest.mjs',
      'run',
      '--config',
      'server/cloudflare/vitest.config.mjs',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${file}`,
    ],
    counts: vitestCounts,
    env: WRANGLER_ENV,
    timeoutMs: 180_000,
  },
  {
    // The conformance suite (integration, faults, bad input) against `wrangler dev`.
    name: 'cloudflare',
    command: (file) => [
      node,
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${file}`,
      ...readdirSync('test/conformance/cloudflare')
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => `test/conformance/cloudflare/${f}`),
    ],
    counts: tapCounts,
    env: WRANGLER_ENV,
    timeoutMs: 540_000,
  },
  {
    // Storybook's static build (the design review's artefact) must keep building.
    name: 'storybook',
    command: (_file) => ['npm', 'run', '--silent', 'build-storybook'],
    counts: exitCount,
    timeoutMs: 300_000,
  },
];

function readOr(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'pin-test-'));
let current;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    current?.kill(signal);
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
}

function run(argv, env, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env: { ...process.env, ...env } });
    current = child;
    const timer = setTimeout(() => {
      console.error(`\n!! timed out after ${timeoutMs / 1000} s`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      console.error(`!! could not start: ${error.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const results = [];
try {
  for (const suite of SUITES) {
    const file = join(dir, `${suite.name}.out`);
    console.log(`\n=== ${suite.name} ===`);
    const started = Date.now();
    const code = await run(suite.command(file), { ...suite.env, PIN_TEST_RESULTS: file }, suite.timeoutMs);
    let counts;
    try {
      counts = suite.counts(file, code);
    } catch (error) {
      console.error(`!! could not read the results of ${suite.name}: ${error.message}`);
    }
    let problem;
    if (!counts) problem = 'crashed before reporting';
    else if (counts.passed + counts.failed === 0) problem = 'ran no tests';
    else if (code !== 0 && counts.failed === 0) problem = `exited with ${code} without a failed test`;
    counts ??= { passed: 0, failed: 0, skipped: 0 };
    // A crash or an empty suite counts as one failure, so it cannot pass.
    if (problem) counts = { ...counts, failed: counts.failed + 1 };
    results.push({ name: suite.name, ...counts, seconds: (Date.now() - started) / 1000, problem });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(WRANGLER_ENV.XDG_CONFIG_HOME, { recursive: true, force: true });
}

console.log('\n=== summary ===');
for (const r of results) {
  const cells = [`${r.passed} passed`, `${r.failed} failed`, r.skipped ? `${r.skipped} skipped` : ''];
  const line = `  ${r.name.padEnd(12)} ${cells.filter(Boolean).join('  ').padEnd(34)} ${r.seconds.toFixed(1)} s`;
  console.log(r.problem ? `${line}  (${r.problem})` : line);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
