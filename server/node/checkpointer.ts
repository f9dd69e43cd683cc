import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  /** Interval between passive checkpoints, ms. */
  everyMs?: number;
  /** WAL frames after which the worker also restarts the log, so the file stays bounded. */
  restartFrames?: number;
}

/**
 * Copies the WAL back into the database file from a worker thread with its
 * own connection. SQLite's automatic checkpoint runs inside a commit on the
 * event loop and stalls it for milliseconds (its fsyncs), which shows up as
 * delivery-latency spikes under load; WAL mode lets another connection do the
 * same work concurrently. Plain JavaScript evaluated in the worker, because
 * workers do not inherit the TypeScript loader.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.libsql);
const db = new Database(workerData.path);
db.exec('PRAGMA busy_timeout = 20');
const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const restart = db.prepare('PRAGMA wal_checkpoint(RESTART)');
const timer = setInterval(() => {
  try {
    const [state] = passive.all([]);
    if (state && state.log > workerData.restartFrames) restart.all([]);
  } catch {
    // Busy: the next round tries again.
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** Starts the checkpoint worker for the database at `path`; `stop` ends it. */
export function startCheckpointer(path: string, options: CheckpointerOptions = {}): { stop(): Promise<void> } {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      path,
      libsql: createRequire(import.meta.url).resolve('libsql'),
      everyMs: options.everyMs ?? 200,
      restartFrames: options.restartFrames ?? 4096,
    },
  });
  worker.unref();
  worker.on('error', (error) => console.error('[pin-messaging] checkpoint worker failed', error));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
