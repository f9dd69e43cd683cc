// The real-server conformance suite against the Cloudflare worker under wrangler dev.
import { cloudflareBackend } from '../cloudflare-backend.js';
import { realServerSuite } from '../index.js';

realServerSuite(cloudflareBackend);
