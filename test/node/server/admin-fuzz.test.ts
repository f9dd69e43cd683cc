// The server API fuzz (test/conformance) against the embedded Node server.
import { adminFuzzSuite } from '../../conformance/index.js';
import { nodeBackend } from '../../conformance/node-backend.js';

adminFuzzSuite(nodeBackend);
