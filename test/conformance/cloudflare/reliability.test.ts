// The reliability conformance suite against the Cloudflare worker under wrangler dev.
import { cloudflareBackend } from '../cloudflare-backend.js';
import { reliabilitySuite } from '../index.js';

reliabilitySuite(cloudflareBackend);
