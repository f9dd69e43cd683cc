// The webhook conformance suite against the Cloudflare worker under wrangler dev.
import { cloudflareBackend } from '../cloudflare-backend.js';
import { webhooksSuite } from '../index.js';

webhooksSuite(cloudflareBackend);
