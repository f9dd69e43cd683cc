/**
 * The messaging server's command (`npx pin-messaging-server`, through server/main.ts once
 * its optional peers are found). Configuration from the environment:
 *   PIN_PORT (1999), PIN_HOST (127.0.0.1), PIN_DB (.data/pin-messaging.db),
 *   PIN_ALLOWED_ORIGINS (comma list of exact origins), PIN_AUTH_SECRET
 *   (required unless PIN_DEV=1; signs and verifies), PIN_AUTH_SECRETS_PREVIOUS
 *   (comma list, newest first: still verify, during a rotation),
 *   PIN_DEV=1 (dev tokens + sample users),
 *   PIN_POLICY=anyone|mutual-follow, PIN_RATE_PER_SEC, PIN_RATE_BURST (sends per person),
 *   PIN_FRAME_RATE_PER_SEC, PIN_FRAME_BURST (frames of any kind per person),
 *   PIN_REPLAY_PER_SEC, PIN_REPLAY_BURST (history pages and catch-up per person),
 *   PIN_CREATE_PER_MIN, PIN_CREATE_BURST (new conversations per person),
 *   PIN_REFUSAL_THRESHOLD (refused frames in a row before a 4008 close),
 *   PIN_ALLOW_PRIVATE_URLS=1 (pins may point at private hosts; on with PIN_DEV=1),
 *   PIN_ISSUER, PIN_AUDIENCE (the tokens' expected `iss` and `aud`; default pin-messaging,
 *   the Cloudflare backend's names), PIN_TOKEN_MAX_LIFETIME_SEC (86400), PIN_CLOCK_SKEW_SEC (60),
 *   PIN_ADMIN_KEY (the server API's key, at least 32 characters; unset: /admin/v1 is 404).
 * Connection hygiene (see ServerOptions for what each does):
 *   PIN_HEADERS_TIMEOUT_MS (5000), PIN_REQUEST_TIMEOUT_MS (15000),
 *   PIN_IDLE_TIMEOUT_MS (5000, keep-alive), PIN_MAX_CONNECTIONS (10000, plain
 *   HTTP and sockets together), PIN_MAX_SOCKETS_PER_USER (20),
 *   PIN_MAX_HEADER_BYTES (16384), PIN_HELLO_TIMEOUT_MS (10000: a socket that sends
 *   nothing is closed with 4010), PIN_ABUSE_PENALTY_MS (30000: upgrades refused with 429
 *   after a 4008 close).
 * Webhooks (docs/backend.md, "Webhooks"): PIN_WEBHOOK_URL, PIN_WEBHOOK_SECRET (required
 *   with the URL, at least 32 characters), PIN_WEBHOOK_NOTIFY_AFTER_MIN (10: unread while
 *   offline this long makes a notification.due), PIN_WEBHOOK_NOTIFY_PER_DAY (10 per person),
 *   PIN_WEBHOOK_CONCURRENCY (4 requests in flight), PIN_WEBHOOK_BATCH (100 events a request),
 *   PIN_WEBHOOK_TIMEOUT_MS (10000).
 */
import { randomBytes } from 'node:crypto';
import { CloseCode } from '../src/protocol/index.js';
import { POLICIES } from '../src/core/policies.js';
import type { ServerLimits } from '../src/core/types.js';
import { authSecretsOf } from './shared/auth.js';
import { startServer } from './node/server.js';

/** Where the demo page is served in development (Vite's default port). */
const DEV_ORIGINS = ['http://localhost:5173', 'http://127.0.0.1:5173'];

function fail(message: string): never {
  console.error(`pin-messaging: ${message}`);
  process.exit(1);
}

function numberFromEnv(name: string, fallback?: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) fail(`${name} must be a non-negative number`);
  return value;
}

const dev = process.env.PIN_DEV === '1';
let secrets: string[] = [];
try {
  secrets = authSecretsOf(process.env.PIN_AUTH_SECRET || (dev ? randomBytes(32).toString('base64url') : undefined), process.env.PIN_AUTH_SECRETS_PREVIOUS);
} catch (error) {
  fail((error as Error).message);
}
if (secrets.length === 0) fail('set PIN_AUTH_SECRET (at least 32 bytes), or PIN_DEV=1 for a local demo');
const policyName = process.env.PIN_POLICY || 'anyone';
const policy = POLICIES[policyName] ?? fail(`PIN_POLICY must be one of: ${Object.keys(POLICIES).join(', ')}`);
const origins = process.env.PIN_ALLOWED_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean);
const allowedOrigins = origins ?? (dev ? DEV_ORIGINS : []);
if (allowedOrigins.length === 0) {
  // Otherwise the first sign is every browser refused (close 4003), seen only by the page.
  console.warn(
    'pin-messaging: PIN_ALLOWED_ORIGINS is not set, so every browser is refused (close 4003). ' +
      'Set the exact origins of your pages, comma-separated, e.g. PIN_ALLOWED_ORIGINS=https://www.example.com,https://example.com',
  );
}
const limits: Partial<ServerLimits> = {
  ratePerSecond: numberFromEnv('PIN_RATE_PER_SEC'),
  rateBurst: numberFromEnv('PIN_RATE_BURST'),
  framesPerSecond: numberFromEnv('PIN_FRAME_RATE_PER_SEC'),
  frameBurst: numberFromEnv('PIN_FRAME_BURST'),
  replayPerSecond: numberFromEnv('PIN_REPLAY_PER_SEC'),
  replayBurst: numberFromEnv('PIN_REPLAY_BURST'),
  createPerMinute: numberFromEnv('PIN_CREATE_PER_MIN'),
  createBurst: numberFromEnv('PIN_CREATE_BURST'),
  refusalThreshold: numberFromEnv('PIN_REFUSAL_THRESHOLD'),
  // The demo's pin images are served from this machine.
  allowPrivateUrls: process.env.PIN_ALLOW_PRIVATE_URLS ? process.env.PIN_ALLOW_PRIVATE_URLS === '1' : dev,
};

const webhookUrl = process.env.PIN_WEBHOOK_URL || undefined;
const webhookSecret = process.env.PIN_WEBHOOK_SECRET || '';
if (webhookUrl && webhookSecret.length < 32) fail('PIN_WEBHOOK_URL needs PIN_WEBHOOK_SECRET of at least 32 characters');
const notifyAfterMin = numberFromEnv('PIN_WEBHOOK_NOTIFY_AFTER_MIN');

const server = await startServer({
  port: numberFromEnv('PIN_PORT', 1999),
  host: process.env.PIN_HOST || '127.0.0.1',
  dbPath: process.env.PIN_DB || '.data/pin-messaging.db',
  allowedOrigins,
  authSecret: secrets,
  issuer: process.env.PIN_ISSUER || undefined,
  audience: process.env.PIN_AUDIENCE || undefined,
  adminKey: process.env.PIN_ADMIN_KEY || undefined,
  devTokens: dev,
  seedSampleUsers: dev,
  policy,
  limits,
  headersTimeoutMs: numberFromEnv('PIN_HEADERS_TIMEOUT_MS'),
  requestTimeoutMs: numberFromEnv('PIN_REQUEST_TIMEOUT_MS'),
  idleTimeoutMs: numberFromEnv('PIN_IDLE_TIMEOUT_MS'),
  maxConnections: numberFromEnv('PIN_MAX_CONNECTIONS'),
  maxSocketsPerUser: numberFromEnv('PIN_MAX_SOCKETS_PER_USER'),
  maxHeaderBytes: numberFromEnv('PIN_MAX_HEADER_BYTES'),
  helloTimeoutMs: numberFromEnv('PIN_HELLO_TIMEOUT_MS'),
  abusePenaltyMs: numberFromEnv('PIN_ABUSE_PENALTY_MS'),
  webhooks: webhookUrl
    ? {
        url: webhookUrl,
        secret: webhookSecret,
        notifyAfterMs: notifyAfterMin === undefined ? undefined : notifyAfterMin * 60_000,
        notifyPerDay: numberFromEnv('PIN_WEBHOOK_NOTIFY_PER_DAY'),
        concurrency: numberFromEnv('PIN_WEBHOOK_CONCURRENCY'),
        batch: numberFromEnv('PIN_WEBHOOK_BATCH'),
        timeoutMs: numberFromEnv('PIN_WEBHOOK_TIMEOUT_MS'),
      }
    : undefined,
  tokenLimits: {
    maxLifetimeSeconds: numberFromEnv('PIN_TOKEN_MAX_LIFETIME_SEC'),
    clockSkewSeconds: numberFromEnv('PIN_CLOCK_SKEW_SEC'),
  },
}).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));

console.info(`pin-messaging server on ${server.url} (policy ${policy.name}${dev ? ', dev mode' : ''})`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.info(`pin-messaging: ${signal}, closing sockets with ${CloseCode.GoingAway}`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
