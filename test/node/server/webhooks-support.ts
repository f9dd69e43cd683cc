// Shared by the webhook suites: a receiver that checks every delivery as a
// host's backend would, and the embedded server with webhooks on.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOOK_SECRET, type Receiver } from '../../conformance/webhook-receiver.js';
import { startServer, type PinServer, type ServerOptions } from '../../../server/node/server.js';
import type { WebhookOptions } from '../../../server/node/webhooks.js';
import { ORIGIN, SECRET } from '../../conformance/backend.js';

export { HOOK_SECRET, Receiver, type Behaviour } from '../../conformance/webhook-receiver.js';

/** The embedded server on a fresh SQLite file, webhooks to `receiver`. */
export async function startWithWebhooks(
  receiver: Pick<Receiver, 'url'> | undefined,
  webhooks: Partial<WebhookOptions> = {},
  extra: Partial<ServerOptions> = {},
): Promise<PinServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pin-webhooks-'));
  return startServer({
    port: 0,
    dbPath: join(dir, 'chat.db'),
    authSecret: SECRET,
    allowedOrigins: [ORIGIN],
    allowNoOrigin: true,
    log: () => {},
    webhooks: receiver ? { url: receiver.url, secret: HOOK_SECRET, pollMs: 50, ...webhooks } : undefined,
    ...extra,
  });
}
