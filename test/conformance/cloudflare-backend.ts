import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message, User } from '../../src/protocol/index.js';
import type { ReportRecord, ServerLimits } from '../../src/core/types.js';
import { TokenAuthority } from '../../server/shared/auth.js';
import { ADMIN_KEY, ORIGIN, SECRET, type Backend, type ServerConfig, type ServerProcess, type TestServer } from './backend.js';
import { freePort } from './ports.js';

const ADMIN_SECRET = 'conformance-admin-secret';
/** wrangler dev takes a few seconds to bundle and start workerd. */
const READY_MS = 60_000;

/**
 * The Cloudflare worker under `wrangler dev --local` (workerd with SQLite
 * Durable Objects), one process group per server, data in a temporary
 * persistence folder. Back-office reads go through the worker's admin API.
 */
export const cloudflareBackend: Backend = {
  name: 'cloudflare',
  lacks: {
    heartbeat: 'a Durable Object cannot ping its sockets; clients detect dead sockets with their own heartbeat',
    goingAway: 'wrangler dev does not close sockets with 1001 when it stops',
    connectionCount: 'no single process counts every socket; each inbox knows only its own',
  },
  launchMs: READY_MS,

  async start(config: ServerConfig = {}): Promise<TestServer> {
    const dir = mkdtempSync(join(tmpdir(), 'pin-wrangler-data-'));
    const port = await freePort();
    const [newest, ...previous] = config.secrets ?? [SECRET];
    const vars = {
      PIN_AUTH_SECRET: newest,
      ...(previous.length > 0 ? { PIN_AUTH_SECRETS_PREVIOUS: previous.join(',') } : {}),
      PIN_ALLOWED_ORIGINS: ORIGIN,
      PIN_ALLOW_NO_ORIGIN: config.allowNoOrigin === false ? '0' : '1',
      // The first /admin routes are called with the deprecated PIN_ADMIN_SECRET, which they still accept.
      PIN_ADMIN_SECRET: ADMIN_SECRET,
      PIN_ADMIN_KEY: ADMIN_KEY,
      PIN_POLICY: config.policy ?? 'anyone',
      ...(config.devTokens ? { PIN_DEV: '1' } : {}),
      ...limitVars(config.limits ?? {}),
      ...(config.webhooks
        ? {
            PIN_WEBHOOK_URL: config.webhooks.url,
            PIN_WEBHOOK_SECRET: config.webhooks.secret,
            PIN_WEBHOOK_TEST_RETRY_BASE_MS: String(config.webhooks.retryBaseMs),
            PIN_WEBHOOK_TEST_HORIZON_MS: String(config.webhooks.horizonMs),
            ...(config.webhooks.notifyAfterMs !== undefined ? { PIN_WEBHOOK_NOTIFY_AFTER_MIN: String(config.webhooks.notifyAfterMs / 60_000) } : {}),
            ...(config.webhooks.notifyPerDay !== undefined ? { PIN_WEBHOOK_NOTIFY_PER_DAY: String(config.webhooks.notifyPerDay) } : {}),
            ...(config.webhooks.timeoutMs !== undefined ? { PIN_WEBHOOK_TIMEOUT_MS: String(config.webhooks.timeoutMs) } : {}),
          }
        : {}),
    };
    let running: Running | undefined = await run(port, dir, vars);
    const url = `http://127.0.0.1:${port}`;
    const auth = new TokenAuthority(config.secrets ?? SECRET, 'pin-messaging', 'pin-messaging');
    const admin = async (path: string, post = false) => {
      const response = await fetch(`${url}/admin/${path}`, {
        method: post ? 'POST' : 'GET',
        headers: { Authorization: `Bearer ${ADMIN_SECRET}` },
      });
      if (response.status === 404 && path.startsWith('user?')) return undefined;
      if (!response.ok) throw new Error(`admin ${path}: ${response.status} ${await response.text()}`);
      return response.json();
    };
    const q = (params: Record<string, string | number>) => new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
    return {
      url,
      port,
      issueToken: (user, claims) => auth.issue(user, claims),
      getUser: async (id) => (await admin(`user?${q({ id })}`)) as User | undefined,
      setFollow: async (follower, followee, follows) => void (await admin(`follow?${q({ follower, followee, follows: follows ? 1 : 0 })}`, true)),
      revoke: async (user) => void (await admin(`revoke?${q({ user })}`, true)),
      reports: async (conv) => (await admin(`reports?${q({ conv })}`)) as ReportRecord[],
      messages: async (conv, after, limit) => (await admin(`messages?${q({ conv, after, limit })}`)) as Message[],
      async shutdown() {
        await running?.stop();
        running = undefined;
      },
      async startAgain() {
        running = await run(port, dir, vars);
      },
      async kill() {
        running?.kill();
        running = undefined;
        await portClosed(port);
      },
      async stop() {
        await running?.stop();
        running = undefined;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },

  async launch(port, dir, { secret, origin, limits }): Promise<ServerProcess> {
    const running = await run(port, dir, { PIN_AUTH_SECRET: secret, PIN_ALLOWED_ORIGINS: origin, ...limitVars(limits) });
    return { kill: () => running.kill() };
  },
};

interface Running {
  /** SIGTERM to the whole group, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** SIGKILL to the whole group: wrangler and workerd die without a goodbye. */
  kill(): void;
}

/** Starts `server/cloudflare/dev.mjs` in its own process group and waits until it answers. */
async function run(port: number, dir: string, vars: Record<string, string>): Promise<Running> {
  const args = ['server/cloudflare/dev.mjs', '--prod', '--port', String(port), '--persist', dir, '--log-level', process.env.PIN_WRANGLER_LOG ? 'log' : 'error'];
  for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`);
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // PIN_WRANGLER_LOG=<file> keeps everything the servers print, to read after a failure.
  const log = process.env.PIN_WRANGLER_LOG;
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    if (log) appendFileSync(log, chunk);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // Already gone.
    }
  };
  process.once('exit', () => signal('SIGKILL'));
  try {
    await waitUntilReady(`http://127.0.0.1:${port}/health`, child, exited);
  } catch (error) {
    signal('SIGKILL');
    throw new Error(`wrangler dev did not start: ${(error as Error).message}\n${output}`);
  }
  return {
    async stop() {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      // workerd may outlive wrangler by a moment: make sure the port is free again.
      signal('SIGKILL');
      await portClosed(port);
    },
    kill: () => signal('SIGKILL'),
  };
}

async function waitUntilReady(url: string, child: ChildProcess, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + READY_MS;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no answer within ${READY_MS} ms`);
}

async function portClosed(port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/health`);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function limitVars(limits: Partial<ServerLimits>): Record<string, string> {
  const names: Partial<Record<keyof ServerLimits, string>> = {
    ratePerSecond: 'PIN_RATE_PER_SEC',
    rateBurst: 'PIN_RATE_BURST',
    framesPerSecond: 'PIN_FRAME_RATE_PER_SEC',
    frameBurst: 'PIN_FRAME_BURST',
    replayBurst: 'PIN_REPLAY_BURST',
    replayPerSecond: 'PIN_REPLAY_PER_SEC',
    createBurst: 'PIN_CREATE_BURST',
    createPerMinute: 'PIN_CREATE_PER_MIN',
    refusalThreshold: 'PIN_REFUSAL_THRESHOLD',
    allowPrivateUrls: 'PIN_ALLOW_PRIVATE_URLS',
  };
  const vars: Record<string, string> = {};
  for (const [key, name] of Object.entries(names) as [keyof ServerLimits, string][]) {
    const value = limits[key];
    if (value !== undefined) vars[name] = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  }
  return vars;
}
