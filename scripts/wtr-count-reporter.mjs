// A web-test-runner reporter that writes the run's counts as JSON to the file
// named by PIN_TEST_RESULTS, for scripts/test.mjs. Without that variable it
// does nothing. A test file that failed to load or threw outside a test
// counts as one failure, so a broken file cannot pass silently.
import { writeFileSync } from 'node:fs';

function countSuite(suite, counts) {
  for (const test of suite.tests) {
    if (test.skipped) counts.skipped += 1;
    else if (test.passed) counts.passed += 1;
    else counts.failed += 1;
  }
  for (const child of suite.suites) countSuite(child, counts);
}

export function countReporter() {
  return {
    stop({ sessions }) {
      const file = process.env.PIN_TEST_RESULTS;
      if (!file) return;
      const counts = { passed: 0, failed: 0, skipped: 0, files: 0 };
      for (const session of sessions) {
        counts.files += 1;
        const before = counts.failed;
        if (session.testResults) countSuite(session.testResults, counts);
        const brokenFile = session.errors.length > 0 || session.request404s.length > 0 || session.passed === false;
        if (brokenFile && counts.failed === before) counts.failed += 1;
      }
      writeFileSync(file, JSON.stringify(counts));
    },
  };
}
