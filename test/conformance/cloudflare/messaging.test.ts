// The messaging conformance suite against the Cloudflare worker under wrangler dev.
import { cloudflareBackend } from '../cloudflare-backend.js';
import { messagingSuite } from '../index.js';

messagingSuite(cloudflareBackend);
