// The messaging conformance suite against the embedded Node server (test/conformance).
import { messagingSuite } from '../../conformance/index.js';
import { nodeBackend } from '../../conformance/node-backend.js';

messagingSuite(nodeBackend);
