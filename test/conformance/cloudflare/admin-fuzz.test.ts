// The server API fuzz against the Cloudflare worker under wrangler dev.
import { cloudflareBackend } from '../cloudflare-backend.js';
import { adminFuzzSuite } from '../index.js';

adminFuzzSuite(cloudflareBackend);
