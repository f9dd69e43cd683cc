// The auth conformance suite against the Cloudflare worker under wrangler dev.
import { cloudflareBackend } from '../cloudflare-backend.js';
import { authSuite } from '../index.js';

authSuite(cloudflareBackend);
