// The server API conformance suite against the Cloudflare worker under wrangler dev.
import { cloudflareBackend } from '../cloudflare-backend.js';
import { adminSuite } from '../index.js';

adminSuite(cloudflareBackend);
