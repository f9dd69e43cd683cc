import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TokenAuthority, type TokenClaims } from '../../../../server/shared/auth.js';
import { ORIGIN, SECRET } from '../../../conformance/backend.js';
import { freePort } from '../../../conformance/ports.js';
import type { FuzzTarget } from './run.js';
import { answersHttp } from './wire.js';

const ENTRY = fileURLToPath(new URL('./server-process.ts', import.meta.url));
const START_MS = 20_000;

export interface ServerMemory {
  /** Resident set size from the kernel's view of the process, bytes (undefined off Linux). */
  rss?: number;
  /** V8 heap in use after a full collection, bytes. */
  heapUsed: number;
}

/** The Node server as a child process on a SQLite file, restarted on the same port and data when it dies. */
export class NodeServerProcess implements FuzzTarget {
  readonly name = 'node';
  readonly host = '127.0.0.1';
  readonly origin = ORIGIN;
  private child?: ChildProcess;
  private died?: string;
  private stderr = '';
  private readonly auth = new TokenAuthority(SECRET, 'pin-messaging', 'pin-messaging');

  private constructor(
    readonly port: number,
    private readonly settings: object,
  ) {
    process.once('exit', () => this.child?.kill('SIGKILL'));
  }

  static async start(dbPath: string, limits: Record<string, number>): Promise<NodeServerProcess> {
    const port = await freePort();
    const server = new NodeServerProcess(port, { port, dbPath, secret: SECRET, origin: ORIGIN, limits });
    await server.launch();
    return server;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  issueToken(user: string, claims?: TokenClaims): Promise<string> {
    return this.auth.issue(user, claims);
  }

  async death(): Promise<string | undefined> {
    if (this.died) return this.died;
    // An accepted connection is not enough: a process dying of an exception still has its listening socket.
    if (await answersHttp(this.host, this.port)) return undefined;
    // A process that stopped accepting is dying, or its exit is not reported yet.
    const deadline = Date.now() + 2_000;
    while (!this.died && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    return this.died ?? 'the server process runs but refuses connections';
  }

  async restart(): Promise<void> {
    if (!this.died) return;
    await this.launch();
  }

  /** Memory of the server process after a full collection. */
  async memory(): Promise<ServerMemory> {
    const child = this.child!;
    const answer = new Promise<NodeJS.MemoryUsage>((resolve) => {
      const listener = (message: { memory?: NodeJS.MemoryUsage }) => {
        if (!message.memory) return;
        child.off('message', listener);
        resolve(message.memory);
      };
      child.on('message', listener);
    });
    child.send('memory');
    const { heapUsed } = await answer;
    let rss: number | undefined;
    try {
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      rss = kb ? Number(kb[1]) * 1024 : undefined;
    } catch {
      rss = undefined;
    }
    return { rss, heapUsed };
  }

  /** Stops the server cleanly (its database closed), or kills it after a grace period. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || this.died || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.connected) child.send('stop', () => {});
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private async launch(): Promise<void> {
    this.died = undefined;
    this.stderr = '';
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', ENTRY], {
      env: { ...process.env, PIN_FUZZ_SERVER: JSON.stringify(this.settings) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child = child;
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-20_000)));
    child.once('exit', (code, signal) => (this.died = `the server process exited (${signal ?? `code ${code}`}): ${this.cause()}`));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not start within ${START_MS} ms: ${this.stderr}`)), START_MS);
      child.on('message', (message: { ready?: number }) => {
        if (message.ready === undefined) return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`the server exited while starting: ${this.stderr}`));
      });
    });
  }

  /** The error and the top of its stack from what the process printed. */
  private cause(): string {
    const lines = this.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
    const at = lines.findIndex((l) => /^(?:\w*Error|Uncaught|RangeError|TypeError)\b/.test(l) || /^\w+Error:/.test(l));
    if (at === -1) return lines.slice(-3).join(' | ').slice(0, 400) || 'nothing on stderr';
    const stack = lines.slice(at + 1).filter((l) => l.startsWith('at ')).slice(0, 3);
    return [lines[at], ...stack].join(' | ').slice(0, 500);
  }
}
