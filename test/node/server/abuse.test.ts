// The abuse conformance suite against the embedded Node server (test/conformance).
import { abuseSuite } from '../../conformance/index.js';
import { nodeBackend } from '../../conformance/node-backend.js';

abuseSuite(nodeBackend);
