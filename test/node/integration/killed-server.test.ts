// The killed-server conformance suite against the embedded Node server (test/conformance).
import { killedServerSuite } from '../../conformance/index.js';
import { nodeBackend } from '../../conformance/node-backend.js';

killedServerSuite(nodeBackend);
