// Benchmark of the chat server against a bare `ws` broadcast server (the
// practical floor), side by side, on loopback. A benchmark, not a test: it
// prints figures and the targets; it fails only if a server cannot be run.
//
//   npm run bench:server -- [--quick] [--threads 2] [--only bare|server] [--profile dir]
//
// --profile writes a V8 CPU profile of each server process into dir.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { measureCatchUp, type CatchUpResult } from './catch-up.js';
import type { Command, PhaseResult, WorkerSetup } from './load-worker.js';
import { startServer, type RunningServer, type ServerKind } from './servers.js';
import { fmtInt, fmtMs, fmtRatio, median, percentile, sortedConcat, table } from './stats.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const threads = Number(valueOf('--threads') ?? 1);
const only = valueOf('--only') as ServerKind | undefined;
const profileDir = valueOf('--profile');
if (!(threads >= 1 && threads <= 8) || (only && only !== 'bare' && only !== 'server')) {
  console.error('usage: bench/server.ts [--quick] [--threads 1-8] [--only bare|server] [--profile dir]');
  process.exit(2);
}

const CONVERSATIONS = 100;
const MEMBERS = 10;
const RATES = [500, 1_000, 2_000, 4_000];
const LOAD_MS = quick ? 1_500 : 4_000;
const WARMUP_MS = quick ? 300 : 500;
const SATURATE_MS = quick ? 2_000 : 4_000;
/** Unacknowledged sends each of the 1,000 members keeps in flight at saturation. */
const WINDOW = 2;
const CATCH_UP = 1_000;
const CATCH_UP_ROUNDS = quick ? 1 : 3;
const TARGET = { p99At2000: 15, saturationRatio: 0.5, catchUpMs: 300 };

interface Report {
  loads: { rate: number; result: PhaseResult; sorted: Float64Array; cpu: number }[];
  saturation: { result: PhaseResult; sorted: Float64Array; cpu: number };
  catchUp: CatchUpResult[];
}

function valueOf(flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function merge(parts: PhaseResult[]): PhaseResult {
  const errors: Record<string, number> = {};
  for (const p of parts) for (const [code, n] of Object.entries(p.errors)) errors[code] = (errors[code] ?? 0) + n;
  const seconds = Math.max(0, ...parts.map((p) => p.perSecond.length));
  return {
    sent: parts.reduce((n, p) => n + p.sent, 0),
    measured: parts.reduce((n, p) => n + p.measured, 0),
    lost: parts.reduce((n, p) => n + p.lost, 0),
    latencies: sortedConcat(parts.map((p) => p.latencies)),
    perSecond: Array.from({ length: seconds }, (_, s) => parts.reduce((n, p) => n + (p.perSecond[s] ?? 0), 0)),
    errors,
    generatorBusy: parts.reduce((n, p) => n + p.generatorBusy, 0) / Math.max(1, parts.length),
  };
}

// Node 20 does not pass the TypeScript loader on to workers: register it in each.
const WORKER_BOOT = `import('tsx/esm/api')
  .then(({ register }) => (register(), import(${JSON.stringify(new URL('./load-worker.ts', import.meta.url).href)})))`;

class LoadGenerator {
  private readonly workers: Worker[] = [];
  private readonly failures: Error[] = [];

  constructor(server: RunningServer) {
    const convs = Array.from({ length: CONVERSATIONS }, (_, c) => ({
      id: `g:bench${String(c).padStart(4, '0')}`,
      members: Array.from({ length: MEMBERS }, (_, m) => `b${String(c * MEMBERS + m).padStart(4, '0')}`),
    }));
    for (let index = 0; index < threads; index++) {
      const setup: WorkerSetup = { endpoint: server.endpoint, index, convs: convs.filter((_, c) => c % threads === index) };
      const worker = new Worker(WORKER_BOOT, { eval: true, workerData: setup });
      worker.on('error', (error) => this.failures.push(error));
      this.workers.push(worker);
    }
  }

  /** Sends a command to every worker (each gets its share of a rate) and merges the results. */
  async run(command: Command): Promise<PhaseResult> {
    const replies = await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<PhaseResult | undefined>((resolve, reject) => {
            if (this.failures.length) return reject(this.failures[0]);
            const onError = (error: Error) => reject(error);
            // Every phase ends by itself well within this; a hang is a bug to report, not to wait out.
            const watchdog = setTimeout(() => reject(new Error(`the load generator's ${command.cmd} did not finish in 60 s`)), 60_000);
            worker.once('error', onError);
            worker.once('message', (reply: { ok: boolean; result?: PhaseResult; error?: string }) => {
              clearTimeout(watchdog);
              worker.off('error', onError);
              if (reply.ok) resolve(reply.result);
              else reject(new Error(reply.error));
            });
            worker.postMessage(command.cmd === 'load' ? { ...command, rate: command.rate / this.workers.length } : command);
          }),
      ),
    );
    return merge(replies.filter((r): r is PhaseResult => r !== undefined));
  }

  async stop(): Promise<void> {
    await this.run({ cmd: 'close' }).catch(() => undefined);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

async function measure(kind: ServerKind): Promise<Report> {
  const server = await startServer(kind, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
  const load = new LoadGenerator(server);
  try {
    const t0 = performance.now();
    await load.run({ cmd: 'connect' });
    const created = await load.run({ cmd: 'create' });
    if (created.lost || Object.keys(created.errors).length) {
      throw new Error(`${kind}: creating the conversations failed: ${JSON.stringify(created.errors)}, ${created.lost} incomplete`);
    }
    log(`${kind}: ${fmtInt(CONVERSATIONS * MEMBERS)} sockets connected, ${CONVERSATIONS} groups created in ${fmtMs(performance.now() - t0)} ms`);

    const loads: Report['loads'] = [];
    for (const rate of RATES) {
      const cpu0 = server.cpuSeconds();
      const result = await load.run({ cmd: 'load', rate, warmupMs: WARMUP_MS, durationMs: LOAD_MS });
      const cpu = (server.cpuSeconds() - cpu0) / ((WARMUP_MS + LOAD_MS) / 1000);
      loads.push({ rate, result, sorted: result.latencies, cpu });
      log(`${kind}: ${fmtInt(rate)} msg/s  p99 ${fmtMs(percentile(result.latencies, 99))} ms, lost ${result.lost}`);
    }
    const cpu0 = server.cpuSeconds();
    const sat = await load.run({ cmd: 'saturate', window: WINDOW, warmupMs: WARMUP_MS, durationMs: SATURATE_MS });
    const saturation = { result: sat, sorted: sat.latencies, cpu: (server.cpuSeconds() - cpu0) / ((WARMUP_MS + SATURATE_MS) / 1000) };
    log(`${kind}: saturation ${fmtInt(median(sat.perSecond))} deliveries/s`);
    const catchUp = await within(60_000, 'catch-up', measureCatchUp(server.endpoint, CATCH_UP, CATCH_UP_ROUNDS));
    log(`${kind}: catch-up of ${fmtInt(CATCH_UP)} in ${catchUp.map((c) => fmtMs(c.total)).join(', ')} ms`);
    return { loads, saturation, catchUp };
  } finally {
    await load.stop();
    await server.stop();
  }
}

function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function log(line: string): void {
  console.log(`  ${line}`);
}

function pct(share: number): string {
  return Number.isFinite(share) ? `${Math.round(share * 100)}%` : '-';
}

function errorsOf(result: PhaseResult): string {
  const entries = Object.entries(result.errors);
  return entries.length ? entries.map(([code, n]) => `${code} x${n}`).join(', ') : '';
}

function print(reports: Partial<Record<ServerKind, Report>>): void {
  const kinds = (['bare', 'server'] as const).filter((k) => reports[k]);
  const both = reports.bare && reports.server;
  console.log(`\nFixed offered load, open loop: delivery to the LAST member of each message (ms)`);
  console.log(`cpu: server process CPU (100% = one core); gen: load generator thread busy (near 100%: the generator limits the figures)`);
  const header = ['offered'];
  for (const k of kinds) header.push(`${k} p50`, 'p99', 'max', 'lost', 'cpu', 'gen');
  if (both) header.push('p99 server/bare');
  const rows = [header];
  RATES.forEach((rate, i) => {
    const row = [`${fmtInt(rate)} msg/s`];
    for (const k of kinds) {
      const { sorted, result, cpu } = reports[k]!.loads[i];
      row.push(fmtMs(percentile(sorted, 50)), fmtMs(percentile(sorted, 99)), fmtMs(sorted[sorted.length - 1]));
      row.push(`${result.lost}/${fmtInt(result.sent)}`, pct(cpu), pct(result.generatorBusy));
    }
    if (both) row.push(fmtRatio(percentile(reports.server!.loads[i].sorted, 99), percentile(reports.bare!.loads[i].sorted, 99)));
    rows.push(row);
  });
  console.log(table(rows));
  for (const k of kinds) {
    const errs = reports[k]!.loads.map((l) => errorsOf(l.result)).filter(Boolean);
    if (errs.length) console.log(`  ${k} errors: ${errs.join('; ')}`);
  }

  console.log(`\nSaturation: each member keeps ${WINDOW} sends unacknowledged (${fmtInt(WINDOW * CONVERSATIONS * MEMBERS)} in flight)`);
  const satRows = [['', 'deliveries/s (median of seconds)', 'min', 'max', 'msg/s in', 'p50 ms', 'p99 ms', 'cpu', 'gen']];
  for (const k of kinds) {
    const { result, sorted, cpu } = reports[k]!.saturation;
    const per = result.perSecond;
    satRows.push([
      k,
      fmtInt(median(per)),
      fmtInt(Math.min(...per)),
      fmtInt(Math.max(...per)),
      fmtInt(median(per) / (MEMBERS - 1)),
      fmtMs(percentile(sorted, 50)),
      fmtMs(percentile(sorted, 99)),
      pct(cpu),
      pct(result.generatorBusy),
    ]);
  }
  if (both) satRows.push(['server/bare', fmtRatio(median(reports.server!.saturation.result.perSecond), median(reports.bare!.saturation.result.perSecond)), '', '', '', '', '', '', '']);
  console.log(table(satRows));

  console.log(`\nCatch-up: a member offline while ${fmtInt(CATCH_UP)} messages arrive, then reconnects with its cursor (ms)`);
  const cuRows = [['', 'median', 'max', 'of which welcome', 'history frames']];
  for (const k of kinds) {
    const runs = reports[k]!.catchUp;
    cuRows.push([k, fmtMs(median(runs.map((r) => r.total))), fmtMs(Math.max(...runs.map((r) => r.total))), fmtMs(median(runs.map((r) => r.welcome))), String(runs[0].pages)]);
  }
  console.log(table(cuRows));

  if (!reports.server) return;
  const server = reports.server;
  const p99 = percentile(server.loads[RATES.indexOf(2_000)].sorted, 99);
  const cu = median(server.catchUp.map((r) => r.total));
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log('\nTargets (server)');
  console.log(`  p99 <= ${TARGET.p99At2000} ms at 2,000 msg/s: ${fmtMs(p99)} ms, ${verdict(p99 <= TARGET.p99At2000)}`);
  if (reports.bare) {
    const ratio = median(server.saturation.result.perSecond) / median(reports.bare.saturation.result.perSecond);
    console.log(`  saturation >= ${TARGET.saturationRatio}x bare: ${ratio.toFixed(2)}x, ${verdict(ratio >= TARGET.saturationRatio)}`);
  }
  console.log(`  catch-up of ${fmtInt(CATCH_UP)} <= ${TARGET.catchUpMs} ms: ${fmtMs(cu)} ms, ${verdict(cu <= TARGET.catchUpMs)}`);
}

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  console.log(`Server benchmark${quick ? ' (quick)' : ''}: Node ${process.version}, ${availableParallelism()} cores (${cpu})`);
  console.log(
    `Loopback; each server a child process; load generator in ${threads} worker thread${threads > 1 ? 's' : ''} on the same machine.`,
  );
  console.log(`${CONVERSATIONS} group conversations x ${MEMBERS} members = ${fmtInt(CONVERSATIONS * MEMBERS)} sockets.`);
  warnIfBusy('before the run');
  console.log('');
  const kinds: ServerKind[] = only ? [only] : ['bare', 'server'];
  if (kinds.includes('server') && !existsSync('server/main.ts')) {
    console.log('  server/main.ts does not exist yet: measuring the bare server only.');
    kinds.splice(kinds.indexOf('server'), 1);
  }
  const reports: Partial<Record<ServerKind, Report>> = {};
  for (const kind of kinds) reports[kind] = await measure(kind);
  print(reports);
}

/** Other work on the same cores skews every figure: say so rather than print noise as fact. */
function warnIfBusy(when: string): void {
  const [oneMinute] = loadavg();
  const cores = availableParallelism();
  const line = `Load average ${when}: ${oneMinute.toFixed(2)} on ${cores} cores`;
  console.log(oneMinute > cores * 0.5 ? `${line}: other processes are busy, the figures are unreliable.` : `${line}.`);
}

const started = performance.now();
main().then(
  () => console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`),
  (error) => {
    console.error(`\nbenchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
