// Starts each server under test as a child process (so the load generator
// never shares its event loop) in its own process group, on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoint } from './client.js';
import type { ReceiverStats } from './webhook-receiver.js';

export type ServerKind = 'bare' | 'server';

export interface RunningServer {
  kind: ServerKind;
  endpoint: Endpoint;
  pid: number;
  /** CPU seconds the server process has used so far (Linux), else NaN. */
  cpuSeconds(): number;
  /** CPU seconds of its main thread alone, the event loop (Linux), else NaN. */
  loopCpuSeconds(): number;
  /** How the process ended (exit code or signal), or undefined while it runs. */
  ended(): string | undefined;
  stop(): Promise<void>;
}

const ORIGIN = 'http://bench.localhost';

// The servers run in their own process groups, so Ctrl-C does not reach them:
// exit through process.exit, whose 'exit' handlers below kill each group.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(130));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before listening`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server did not listen on ${port} within ${ms / 1000} s`);
}

/** CPU seconds every process on the machine has used so far (Linux), else NaN: what ours did not use, others did. */
export function machineCpuSeconds(): number {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal: all but idle and iowait is work.
    const busy = ticks.slice(0, 8).reduce((a, b) => a + b, 0) - ticks[3] - ticks[4];
    return busy / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * tsx turns on source-mapped stack traces, which made every error the server
 * creates (a write to a reset socket, say) cost milliseconds: production runs
 * compiled JavaScript without them, and so does the bench.
 */
const NO_SOURCE_MAPS = 'data:text/javascript,process.setSourceMapsEnabled(false)';

const PINNED = { PIN_PORT: 1, PIN_HOST: 1, PIN_DB: 1, PIN_ALLOWED_ORIGINS: 1, PIN_AUTH_SECRET: 1 };

/** CPU seconds process `pid` (or its thread `thread`) has used so far (Linux), else NaN. */
export function cpuOf(pid: number | undefined, thread?: number): number {
  try {
    const fields = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime, fields 14 and 15 of the stat line, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

export interface StartOptions {
  /** Go before the entry file (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /**
   * 'unlimited' (the throughput bench measures the server, not its abuse
   * limits) raises the per-person send and frame budgets; 'production' keeps
   * every default, as the abuse bench needs.
   */
  limits?: 'unlimited' | 'production';
  /** Reuse a database directory (kept on stop) and a secret, to restart on seeded data. */
  dataDir?: string;
  secret?: string;
  /** More settings, applied last. */
  env?: Record<string, string>;
}

export async function startServer(kind: ServerKind, options: StartOptions = {}): Promise<RunningServer> {
  const port = await freePort();
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'pin-bench-'));
  const entry = kind === 'bare' ? 'bench/bare-server.ts' : 'server/main.ts';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PIN_PORT: String(port),
    PIN_HOST: '127.0.0.1',
    PIN_DB: join(dataDir, 'bench.db'),
    PIN_ALLOWED_ORIGINS: ORIGIN,
    PIN_AUTH_SECRET: secret,
    NODE_ENV: 'production',
  };
  // Whatever the shell sets must not leak into a run that claims production defaults.
  for (const name of Object.keys(env)) if (name.startsWith('PIN_') && !(name in PINNED)) delete env[name];
  if ((options.limits ?? 'unlimited') === 'unlimited') {
    // Closed-loop senders outrun any per-person budget; refused frames would then close their sockets (4008).
    env.PIN_RATE_PER_SEC = '1000000';
    env.PIN_RATE_BURST = '1000000';
    env.PIN_FRAME_RATE_PER_SEC = '1000000';
    env.PIN_FRAME_BURST = '1000000';
  }
  Object.assign(env, options.env);
  const nodeArgs = options.nodeArgs ?? [];
  const { child, stop } = await spawnListening(entry, env, port, nodeArgs);
  return {
    kind,
    endpoint: { url: `ws://127.0.0.1:${port}`, origin: ORIGIN, secret, ...SERVER_AUTH },
    pid: child.pid!,
    cpuSeconds: () => cpuOf(child.pid),
    loopCpuSeconds: () => cpuOf(child.pid, child.pid),
    ended: () => (child.exitCode !== null ? `exit code ${child.exitCode}` : child.signalCode !== null ? `signal ${child.signalCode}` : undefined),
    async stop() {
      await stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The issuer and audience the real server expects in tokens by default (server/node/server.ts). */
const SERVER_AUTH: Pick<Endpoint, 'issuer' | 'audience'> = { issuer: 'pin-messaging', audience: 'pin-messaging' };

/** The bench's webhook receiver (bench/webhook-receiver.ts), a child process in its own group. */
export interface RunningReceiver {
  /** What PIN_WEBHOOK_URL is set to. */
  url: string;
  secret: string;
  pid: number;
  cpuSeconds(): number;
  stats(): Promise<ReceiverStats>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<RunningReceiver> {
  const port = await freePort();
  const secret = randomBytes(32).toString('hex');
  const env: NodeJS.ProcessEnv = { ...process.env, PIN_RECEIVER_PORT: String(port), PIN_WEBHOOK_SECRET: secret, NODE_ENV: 'production' };
  const { child, stop } = await spawnListening('bench/webhook-receiver.ts', env, port);
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/webhooks`,
    secret,
    pid: child.pid!,
    cpuSeconds: () => cpuOf(child.pid),
    async stats() {
      const response = await fetch(`${base}/stats`);
      if (!response.ok) throw new Error(`the webhook receiver answered ${response.status}`);
      return (await response.json()) as ReceiverStats;
    },
    stop,
  };
}

/**
 * Runs a TypeScript entry (with node flags `nodeArgs`) as a child in its
 * own process group, killed with this process, and resolves once it listens
 * on `port`. `stop` ends the group: SIGTERM, then SIGKILL after 3 s.
 */
async function spawnListening(
  entry: string,
  env: NodeJS.ProcessEnv,
  port: number,
  nodeArgs: string[] = [],
): Promise<{ child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', '--import', NO_SOURCE_MAPS, entry], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  const onExit = () => kill('SIGKILL');
  process.on('exit', onExit);
  try {
    await waitForPort(port, child, 30_000);
  } catch (error) {
    kill('SIGKILL');
    throw error;
  }
  return {
    child,
    async stop() {
      const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
      process.off('exit', onExit);
    },
  };
}
