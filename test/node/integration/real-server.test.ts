// The real-server conformance suite against the embedded Node server (test/conformance).
import { realServerSuite } from '../../conformance/index.js';
import { nodeBackend } from '../../conformance/node-backend.js';

realServerSuite(nodeBackend);
