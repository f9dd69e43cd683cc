// Flags for every node:test run (the node suite and the conformance suite
// against wrangler dev): a test that hangs fails after 2 minutes (tests that
// need longer say so), and a file whose test left a server or socket open
// still ends. One hang then fails one test instead of the whole run.
export const TEST_GUARDS = ['--test-timeout=120000', '--test-force-exit'];
