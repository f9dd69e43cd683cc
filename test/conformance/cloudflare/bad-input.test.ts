// The bad-input conformance suite against the Cloudflare worker under wrangler dev.
import { cloudflareBackend } from '../cloudflare-backend.js';
import { badInputSuite } from '../index.js';

badInputSuite(cloudflareBackend);
