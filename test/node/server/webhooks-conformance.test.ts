// The webhook conformance suite against the embedded Node server (test/conformance).
import { webhooksSuite } from '../../conformance/index.js';
import { nodeBackend } from '../../conformance/node-backend.js';

webhooksSuite(nodeBackend);
