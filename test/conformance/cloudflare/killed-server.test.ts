// The killed-server conformance suite against the Cloudflare worker under wrangler dev.
import { cloudflareBackend } from '../cloudflare-backend.js';
import { killedServerSuite } from '../index.js';

killedServerSuite(cloudflareBackend);
