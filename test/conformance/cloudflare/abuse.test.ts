// The abuse conformance suite against the Cloudflare worker under wrangler dev.
import { cloudflareBackend } from '../cloudflare-backend.js';
import { abuseSuite } from '../index.js';

abuseSuite(cloudflareBackend);
