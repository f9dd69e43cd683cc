// The reliability conformance suite against the embedded Node server (test/conformance).
import { reliabilitySuite } from '../../conformance/index.js';
import { nodeBackend } from '../../conformance/node-backend.js';

reliabilitySuite(nodeBackend);
