// Starting and stopping the demo's servers for the end-to-end run. Every
// child gets its own process group (tsx, `npm start` and Vite all spawn
// helpers of their own), and stopping one stops its whole group.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Output kept per process, printed when something does not come up. */
const LOG_KEPT = 20_000;

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** What the process printed lately (stdout and stderr). */
  log(): string;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to the group at once: a crash, as far as clients can tell. */
  kill(): Promise<void>;
}

/** A TCP port nothing listens on right now, so a developer's running servers are left alone. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A fresh directory for one run's database; `remove` deletes it. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Runs `node <args>` from the repository root in a process group of its own. */
export function startNode(name: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-LOG_KEPT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // If the test runner itself goes away, do not leave servers behind.
  const onExit = () => signalGroup(child, 'SIGTERM');
  process.once('exit', onExit);
  void exited.then(() => process.off('exit', onExit));

  const stop = async (graceMs = 5_000) => {
    signalGroup(child, 'SIGTERM');
    // A frozen (SIGSTOP) process only acts on the signal once it runs again.
    signalGroup(child, 'SIGCONT');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    name,
    process: child,
    log: () => log,
    stop,
    kill: async () => {
      signalGroup(child, 'SIGKILL');
      await exited;
    },
  };
}

/** Polls `url` until it answers 200, or fails with the children's output. */
export async function waitForUrl(url: string, children: readonly Child[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const dead = children.find((c) => c.process.exitCode !== null || c.process.signalCode !== null);
    if (dead) throw new Error(`${dead.name} exited before ${url} answered:\n${dead.log()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const logs = children.map((c) => `--- ${c.name}\n${c.log()}`).join('\n');
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s (${last})\n${logs}`);
}
