import { POLICIES } from '../../../src/core/policies.js';
import type { MessagingPolicy, ServerLimits } from '../../../src/core/types.js';
import type { TokenLimits } from '../../shared/auth.js';
import type { DeliveryConfig } from '../../shared/webhooks/attempt.js';
import { DEFAULT_NOTIFICATIONS, type NotificationSettings } from '../../shared/webhooks/notifications.js';
import { DEFAULT_BATCH } from '../../shared/webhooks/post.js';
import { DEFAULT_SCHEDULE } from '../../shared/webhooks/schedule.js';
import type { Conversation } from './conversation.js';
import type { Directory } from './directory.js';
import type { Inbox } from './inbox.js';

/**
 * Bindings and settings (wrangler.jsonc `vars`, secrets, or `--var` for
 * `wrangler dev`). Every setting is a string, as the platform passes them.
 */
export interface Env {
  Inbox: DurableObjectNamespace<Inbox>;
  Conversation: DurableObjectNamespace<Conversation>;
  Directory: DurableObjectNamespace<Directory>;
  /** HS256 secret of the socket tokens, at least 32 bytes (a secret). Signs and verifies. */
  PIN_AUTH_SECRET?: string;
  /** Retired secrets, comma-separated, newest first: tokens they signed are still accepted (a rotation). */
  PIN_AUTH_SECRETS_PREVIOUS?: string;
  /** Expected `iss` and `aud` of tokens; default 'pin-messaging'. */
  PIN_ISSUER?: string;
  PIN_AUDIENCE?: string;
  /** Longest token lifetime accepted, seconds (default 86400), and clock skew tolerated (default 60). */
  PIN_TOKEN_MAX_LIFETIME_SEC?: string;
  PIN_CLOCK_SKEW_SEC?: string;
  /** Comma-separated exact origins allowed to open sockets and call /dev/*. */
  PIN_ALLOWED_ORIGINS?: string;
  /** '1': accept sockets without an Origin header (non-browser clients, tests). */
  PIN_ALLOW_NO_ORIGIN?: string;
  /** '1': sample people, GET /dev/users and /dev/token. Never in production. */
  PIN_DEV?: string;
  /** 'anyone' (default) or 'mutual-follow'. */
  PIN_POLICY?: string;
  PIN_RATE_PER_SEC?: string;
  PIN_RATE_BURST?: string;
  PIN_FRAME_RATE_PER_SEC?: string;
  PIN_FRAME_BURST?: string;
  /** Replay work (history pages, `hello` catch-up) per person: burst and per second. */
  PIN_REPLAY_BURST?: string;
  PIN_REPLAY_PER_SEC?: string;
  /** Conversations a person may create: burst and per minute. */
  PIN_CREATE_BURST?: string;
  PIN_CREATE_PER_MIN?: string;
  /** Refused frames in a row after which a socket is closed with 4008. */
  PIN_REFUSAL_THRESHOLD?: string;
  /** '1': pins may point at loopback, private and link-local hosts (intranets). */
  PIN_ALLOW_PRIVATE_URLS?: string;
  /** Open sockets per person; the next one is closed with 4009. Default 20. */
  PIN_MAX_SOCKETS_PER_USER?: string;
  /**
   * Key of the server API (`/admin/v1/...`, and the older `/admin/*` routes),
   * at least 32 characters (a secret); unset disables both.
   */
  PIN_ADMIN_KEY?: string;
  /** Deprecated name of PIN_ADMIN_KEY, still read when PIN_ADMIN_KEY is unset. */
  PIN_ADMIN_SECRET?: string;
  /** Where webhook events are POSTed; unset: no events are recorded. */
  PIN_WEBHOOK_URL?: string;
  /** HMAC-SHA256 key of the `Pin-Signature` header, at least 32 characters (a secret). */
  PIN_WEBHOOK_SECRET?: string;
  /** `notification.due` after this many minutes unread while offline (default 10), and at most this many per person a day (default 10). */
  PIN_WEBHOOK_NOTIFY_AFTER_MIN?: string;
  PIN_WEBHOOK_NOTIFY_PER_DAY?: string;
  /** A try with no answer after this long fails, ms (default 10000). */
  PIN_WEBHOOK_TIMEOUT_MS?: string;
  /** Events per webhook request at most (default 100). */
  PIN_WEBHOOK_BATCH?: string;
  /**
   * Tests only: the first retry's delay ceiling and the dead-letter horizon,
   * ms, so a test sees a dead letter in seconds instead of 24 hours. Never
   * set them in production: they are not documented as settings.
   */
  PIN_WEBHOOK_TEST_RETRY_BASE_MS?: string;
  PIN_WEBHOOK_TEST_HORIZON_MS?: string;
}

export const DEFAULT_CLAIM = 'pin-messaging';

/** Webhook settings, as every object reads them; undefined when webhooks are off. */
export interface WebhookSettings {
  delivery: Omit<DeliveryConfig, 'now' | 'random'>;
  notifications: NotificationSettings;
}

let warned = false;

export function webhooksOf(env: Env): WebhookSettings | undefined {
  const url = env.PIN_WEBHOOK_URL;
  if (!url) return undefined;
  const secret = env.PIN_WEBHOOK_SECRET ?? '';
  if (secret.length < 32 && !warned) {
    // A worker cannot refuse to start: the events are still recorded and signed, and the log says why to fix it.
    warned = true;
    console.error('[pin-messaging] PIN_WEBHOOK_SECRET must have at least 32 characters');
  }
  const base = numberOf(env.PIN_WEBHOOK_TEST_RETRY_BASE_MS);
  const notifyAfter = numberOf(env.PIN_WEBHOOK_NOTIFY_AFTER_MIN);
  return {
    delivery: {
      url,
      secret,
      timeoutMs: numberOf(env.PIN_WEBHOOK_TIMEOUT_MS) ?? 10_000,
      batch: { ...DEFAULT_BATCH, maxEvents: Math.max(1, Math.floor(numberOf(env.PIN_WEBHOOK_BATCH) ?? DEFAULT_BATCH.maxEvents)) },
      schedule: {
        ...DEFAULT_SCHEDULE,
        ...(base !== undefined ? { baseMs: base, capMs: base * 4 } : {}),
        horizonMs: numberOf(env.PIN_WEBHOOK_TEST_HORIZON_MS) ?? DEFAULT_SCHEDULE.horizonMs,
      },
    },
    notifications: {
      delayMs: notifyAfter === undefined ? DEFAULT_NOTIFICATIONS.delayMs : notifyAfter * 60_000,
      perDay: numberOf(env.PIN_WEBHOOK_NOTIFY_PER_DAY) ?? DEFAULT_NOTIFICATIONS.perDay,
    },
  };
}

export function policyOf(env: Env): MessagingPolicy {
  const name = env.PIN_POLICY || 'anyone';
  const policy = POLICIES[name];
  if (!policy) throw new Error(`PIN_POLICY must be one of: ${Object.keys(POLICIES).join(', ')}`);
  return policy;
}

export function limitsOf(env: Env): Partial<ServerLimits> {
  return {
    ratePerSecond: numberOf(env.PIN_RATE_PER_SEC),
    rateBurst: numberOf(env.PIN_RATE_BURST),
    framesPerSecond: numberOf(env.PIN_FRAME_RATE_PER_SEC),
    frameBurst: numberOf(env.PIN_FRAME_BURST),
    replayBurst: numberOf(env.PIN_REPLAY_BURST),
    replayPerSecond: numberOf(env.PIN_REPLAY_PER_SEC),
    createBurst: numberOf(env.PIN_CREATE_BURST),
    createPerMinute: numberOf(env.PIN_CREATE_PER_MIN),
    refusalThreshold: numberOf(env.PIN_REFUSAL_THRESHOLD),
    allowPrivateUrls: flag(env.PIN_ALLOW_PRIVATE_URLS),
  };
}

/** Open sockets one person may have (default 20, as on the Node server). */
export function socketsPerUserOf(env: Env): number {
  return numberOf(env.PIN_MAX_SOCKETS_PER_USER) ?? 20;
}

/** The server API's key: PIN_ADMIN_KEY, or its deprecated name PIN_ADMIN_SECRET. */
export function adminKeyOf(env: Env): string | undefined {
  return env.PIN_ADMIN_KEY || env.PIN_ADMIN_SECRET || undefined;
}

export function originsOf(env: Env): string[] {
  return (env.PIN_ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
}

export function flag(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}

/** How far tokens are trusted (as on the Node server). */
export function tokenLimitsOf(env: Env): TokenLimits {
  return { maxLifetimeSeconds: numberOf(env.PIN_TOKEN_MAX_LIFETIME_SEC), clockSkewSeconds: numberOf(env.PIN_CLOCK_SKEW_SEC) };
}

function numberOf(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`a limit setting is not a non-negative number: ${raw}`);
  return value;
}

/** The object of a person, a conversation, or the directory, by name. */
export function inboxOf(env: Env, user: string): DurableObjectStub<Inbox> {
  return env.Inbox.get(env.Inbox.idFromName(user));
}

export function conversationOf(env: Env, conv: string): DurableObjectStub<Conversation> {
  return env.Conversation.get(env.Conversation.idFromName(conv));
}

/** One directory for the deployment (see docs/scaling.md on when to shard it). */
export function directoryOf(env: Env): DurableObjectStub<Directory> {
  return env.Directory.get(env.Directory.idFromName('directory'));
}
