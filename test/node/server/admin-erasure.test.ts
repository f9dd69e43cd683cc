// Unsend, erasure, export, moderation and bans against the embedded Node server (test/conformance).
import { adminErasureSuite } from '../../conformance/index.js';
import { nodeBackend } from '../../conformance/node-backend.js';

adminErasureSuite(nodeBackend);
