// The Node server in a process of its own with webhooks on, for the suites
// that kill it (SIGKILL) and start it again on the same file. Settings come as
// JSON in PIN_WEBHOOK_TEST_SERVER; "ready" is printed once it listens.
import { startServer } from '../../../server/node/server.js';
import type { WebhookOptions } from '../../../server/node/webhooks.js';

interface Settings {
  port: number;
  dbPath: string;
  secret: string;
  origin: string;
  adminKey?: string;
  webhooks: WebhookOptions;
}

const settings = JSON.parse(process.env.PIN_WEBHOOK_TEST_SERVER ?? '{}') as Settings;
await startServer({
  port: settings.port,
  dbPath: settings.dbPath,
  authSecret: settings.secret,
  allowedOrigins: [settings.origin],
  allowNoOrigin: true,
  webhooks: settings.webhooks,
  adminKey: settings.adminKey,
  log: () => {},
});
console.log('ready');
