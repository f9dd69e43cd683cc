// The Node server in a process of its own, for the fuzz suite: input that
// kills it is then observed by the test instead of killing the test runner.
// Settings come as JSON in PIN_FUZZ_SERVER; the parent asks over IPC for the
// server's memory (after a full GC) and for a clean stop.
import { startServer } from '../../../../server/node/server.js';
import type { ServerLimits } from '../../../../src/core/types.js';

interface Settings {
  port: number;
  dbPath: string;
  secret: string;
  origin: string;
  limits: Partial<ServerLimits>;
}

const settings = JSON.parse(process.env.PIN_FUZZ_SERVER ?? '{}') as Settings;
const server = await startServer({
  port: settings.port,
  host: '127.0.0.1',
  dbPath: settings.dbPath,
  authSecret: settings.secret,
  allowedOrigins: [settings.origin],
  allowNoOrigin: true,
  limits: settings.limits,
  log: () => {},
});

process.on('message', (message) => {
  if (message === 'memory') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send!({ memory: process.memoryUsage() });
  } else if (message === 'stop') {
    void server.close().then(() => process.exit(0));
  }
});
// The test runner went away: do not outlive it.
process.on('disconnect', () => process.exit(0));
process.send!({ ready: server.port });
