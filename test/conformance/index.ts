/** The conformance suites, each run against a Backend (node-backend.ts, cloudflare-backend.ts). */
export { abuseSuite } from './suites/abuse.js';
export { adminSuite } from './suites/admin.js';
export { adminErasureSuite } from './suites/admin-erasure.js';
export { adminFuzzSuite } from './suites/admin-fuzz.js';
export { authSuite } from './suites/auth.js';
export { badInputSuite } from './suites/bad-input.js';
export { fuzzSuite } from './suites/fuzz.js';
export { killedServerSuite } from './suites/killed-server.js';
export { messagingSuite } from './suites/messaging.js';
export { realServerSuite } from './suites/real-server.js';
export { reliabilitySuite } from './suites/reliability.js';
export { webhooksSuite } from './suites/webhooks.js';
