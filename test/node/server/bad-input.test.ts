// The bad-input conformance suite against the embedded Node server (test/conformance).
import { badInputSuite } from '../../conformance/index.js';
import { nodeBackend } from '../../conformance/node-backend.js';

badInputSuite(nodeBackend);
