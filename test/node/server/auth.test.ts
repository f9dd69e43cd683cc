// The auth conformance suite against the embedded Node server (test/conformance).
import { authSuite } from '../../conformance/index.js';
import { nodeBackend } from '../../conformance/node-backend.js';

authSuite(nodeBackend);
