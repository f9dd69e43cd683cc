// The server API conformance suite against the embedded Node server (test/conformance).
import { adminSuite } from '../../conformance/index.js';
import { nodeBackend } from '../../conformance/node-backend.js';

adminSuite(nodeBackend);
