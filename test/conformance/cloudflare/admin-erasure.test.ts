// Unsend, erasure, export, moderation and bans against the Cloudflare worker under wrangler dev.
import { cloudflareBackend } from '../cloudflare-backend.js';
import { adminErasureSuite } from '../index.js';

adminErasureSuite(cloudflareBackend);
