// The demo as `npm start` serves it (chat server in dev mode + Vite), on free
// ports and with a fresh database, so a developer's own `npm start` on
// 1999/5173 is left alone and every run starts from empty data.
import { join } from 'node:path';
import { freePort, startNode, tempDir, waitForUrl, type Child } from './processes.js';

export interface Demo {
  /** The demo page's origin, e.g. http://localhost:40123. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Runs `npm start` (scripts/start.mjs) and waits until the page can reach the server through Vite. */
export async function startDemo(): Promise<Demo> {
  const [serverPort, demoPort] = [await freePort(), await freePort()];
  const data = tempDir('pin-e2e-');
  const start = startNode('npm start', ['scripts/start.mjs'], {
    PIN_PORT: String(serverPort),
    PIN_DEMO_PORT: String(demoPort),
    PIN_DB: join(data.path, 'e2e.db'),
  });
  const url = `http://localhost:${demoPort}`;
  try {
    // /dev/users goes through Vite's proxy to the server: both are up when it answers.
    await waitForUrl(`${url}/dev/users`, [start]);
  } catch (error) {
    await start.stop();
    data.remove();
    throw error;
  }
  return {
    url,
    async stop() {
      // start.mjs stops the server and Vite (their own groups) on SIGTERM.
      await start.stop(10_000);
      data.remove();
    },
  };
}

/**
 * The same two pieces started separately, so a test can kill the chat server
 * (SIGKILL: a crash) and bring it back on the same port and database while
 * the demo page stays open.
 */
export class SplitDemo {
  private server: Child | undefined;
  private vite: Child | undefined;
  // Made in start(): the runner also loads spec files just to list their tests.
  private data: { path: string; remove(): void } | undefined;
  private serverPort = 0;
  private demoPort = 0;

  get url(): string {
    return `http://localhost:${this.demoPort}`;
  }

  async start(): Promise<void> {
    this.data = tempDir('pin-e2e-split-');
    this.serverPort = await freePort();
    this.demoPort = await freePort();
    await this.startServer();
    this.vite = startNode('vite', ['node_modules/vite/bin/vite.js', '--clearScreen', 'false', '--port', String(this.demoPort)], {
      PIN_PORT: String(this.serverPort),
    });
    await waitForUrl(`${this.url}/dev/users`, [this.server!, this.vite]);
  }

  /** Freezes the chat server (SIGSTOP): sockets stay open, frames sent to it wait unread. */
  pauseServer(): void {
    const pid = this.server?.process.pid;
    if (pid !== undefined) process.kill(-pid, 'SIGSTOP');
  }

  /** Kills the chat server the way a crash would: no close frames, nothing flushed. */
  async killServer(): Promise<void> {
    await this.server?.kill();
    this.server = undefined;
  }

  /** Starts the chat server again on the same port and database. */
  async startServer(): Promise<void> {
    const origins = [`http://localhost:${this.demoPort}`, `http://127.0.0.1:${this.demoPort}`];
    this.server = startNode('chat server', ['--import', 'tsx', 'server/main.ts'], {
      PIN_DEV: '1',
      PIN_PORT: String(this.serverPort),
      PIN_DB: join(this.data!.path, 'e2e.db'),
      PIN_ALLOWED_ORIGINS: origins.join(','),
    });
    await waitForUrl(`http://127.0.0.1:${this.serverPort}/dev/users`, [this.server]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.server?.stop(), this.vite?.stop()]);
    this.data?.remove();
  }
}
