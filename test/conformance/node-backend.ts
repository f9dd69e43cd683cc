import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mutualFollow } from '../../src/core/policies.js';
import { startServer, type PinServer, type ServerOptions } from '../../server/node/server.js';
import { ADMIN_KEY, ORIGIN, SECRET, type Backend, type ServerConfig, type ServerProcess, type TestServer } from './backend.js';

/** The embedded server, in this process, on a temporary SQLite file. */
export const nodeBackend: Backend = {
  name: 'node',
  lacks: {},
  launchMs: 10_000,

  async start(config: ServerConfig = {}): Promise<TestServer> {
    const dir = mkdtempSync(join(tmpdir(), 'pin-server-'));
    const options: ServerOptions = {
      port: 0,
      dbPath: join(dir, 'chat.db'),
      authSecret: config.secrets ?? SECRET,
      allowedOrigins: [ORIGIN],
      adminKey: ADMIN_KEY,
      allowNoOrigin: config.allowNoOrigin ?? true,
      devTokens: config.devTokens,
      seedSampleUsers: config.devTokens,
      policy: config.policy === 'mutual-follow' ? mutualFollow : undefined,
      limits: config.limits,
      heartbeatMs: config.heartbeatMs,
      webhooks: config.webhooks && {
        url: config.webhooks.url,
        secret: config.webhooks.secret,
        schedule: { baseMs: config.webhooks.retryBaseMs, capMs: config.webhooks.retryBaseMs * 4, horizonMs: config.webhooks.horizonMs },
        pollMs: 50,
        notifyAfterMs: config.webhooks.notifyAfterMs,
        notifyPerDay: config.webhooks.notifyPerDay,
        // The scan's own period, well under the delay, so the delay is what a test sees.
        scanEveryMs: config.webhooks.notifyAfterMs === undefined ? undefined : Math.max(50, config.webhooks.notifyAfterMs / 10),
      },
      log: () => {},
    };
    let server: PinServer | undefined = await startServer(options);
    const live = () => {
      if (!server) throw new Error('the server is shut down');
      return server;
    };
    const port = server.port;
    return {
      url: server.url,
      port,
      issueToken: (user, claims) => live().issueToken(user, claims),
      getUser: async (id) => live().storage.getUser(id),
      setFollow: async (follower, followee, follows) => live().storage.setFollow(follower, followee, follows),
      revoke: async (user) => live().core.revoke(user),
      reports: async (conv) => live().storage.reports(100_000).filter((r) => r.conv === conv),
      messages: async (conv, after, limit) => live().storage.messagesAfter(conv, after, limit),
      async shutdown() {
        await server?.close();
        server = undefined;
      },
      async startAgain() {
        server = await startServer({ ...options, port });
      },
      async stop() {
        await server?.close();
        server = undefined;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },

  async launch(port, dir, { secret, origin, limits }): Promise<ServerProcess> {
    const env: Record<string, string> = { ...(process.env as Record<string, string>), PIN_PORT: String(port), PIN_DB: join(dir, 'chat.db'), PIN_AUTH_SECRET: secret, PIN_ALLOWED_ORIGINS: origin };
    if (limits.ratePerSecond !== undefined) env.PIN_RATE_PER_SEC = String(limits.ratePerSecond);
    if (limits.rateBurst !== undefined) env.PIN_RATE_BURST = String(limits.rateBurst);
    if (limits.framesPerSecond !== undefined) env.PIN_FRAME_RATE_PER_SEC = String(limits.framesPerSecond);
    if (limits.frameBurst !== undefined) env.PIN_FRAME_BURST = String(limits.frameBurst);
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('server on') && resolve());
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    return { kill: () => child.kill('SIGKILL') };
  },
};
