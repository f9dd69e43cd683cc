// Server benchmark, two parts, both on loopback with every process on the same
// machine. A benchmark, not a test: it prints figures and targets; it fails
// only if a server cannot be run.
//
//   npm run bench:server -- [--quick] [--only throughput|abuse] [--windows N] [--threads 1-8]
//                           [--abuse refused-send,hello,history,idle,slow-reader] [--profile dir]
//
// throughput: the chat server against a bare `ws` broadcast server (the
//   practical floor), both running at once, in alternating windows per rate.
// abuse: a well-behaved person's ping and delivery latency alone, then beside
//   each kind of abuse in turn, in alternating windows (bench/abuse.ts).
//
// --profile writes a V8 CPU profile of each server process into dir.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ROLES, runAbuse } from './abuse.js';
import { measureCatchUp, type CatchUpResult } from './catch-up.js';
import type { Command, PhaseResult, WorkerSetup } from './load-worker.js';
import { machineCpuSeconds, startServer, type RunningServer, type ServerKind } from './servers.js';
import { fmtInt, fmtMs, fmtRatio, fmtSpread, median, pct, percentile, sortedConcat, table } from './stats.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const threads = Number(valueOf('--threads') ?? 1);
const only = valueOf('--only');
const windows = Number(valueOf('--windows') ?? (quick ? 3 : 5));
const profileDir = valueOf('--profile');
const roles = valueOf('--abuse')?.split(',');
if (
  !(threads >= 1 && threads <= 8) ||
  (only && only !== 'throughput' && only !== 'abuse') ||
  !(windows >= 1 && windows <= 50) ||
  roles?.some((r) => !(ROLES as string[]).includes(r))
) {
  console.error(
    `usage: bench/server.ts [--quick] [--only throughput|abuse] [--windows N] [--threads 1-8] [--abuse ${ROLES.join(',')}] [--profile dir]`,
  );
  process.exit(2);
}

const CONVERSATIONS = 100;
const MEMBERS = 10;
const RATES = [500, 1_000, 2_000, 4_000];
const LOAD_MS = quick ? 1_000 : 2_000;
const WARMUP_MS = quick ? 300 : 500;
const SATURATE_MS = quick ? 1_500 : 3_000;
/** Unacknowledged sends each of the 1,000 members keeps in flight at saturation. */
const WINDOW = 2;
const CATCH_UP = 1_000;
const CATCH_UP_ROUNDS = quick ? 1 : 3;
const TARGET = { p99At2000: 15, saturationRatio: 0.5, catchUpMs: 300 };
/** A generator thread busier than this (event loop utilisation) limits the figures, not the server. */
const GENERATOR_LIMIT = 0.85;

/** One measured window of one server. */
interface Sample {
  result: PhaseResult;
  /** CPU of the server process, of the bench process (the load generator's threads), 1 = one core. */
  serverCpu: number;
  genCpu: number;
  /** Every other process on the machine (the idle other server included). */
  others: number;
}

interface Report {
  loads: Sample[][];
  saturation: Sample[];
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
    // The busiest thread is the one that limits.
    generatorBusy: Math.max(0, ...parts.map((p) => p.generatorBusy)),
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

interface Subject {
  kind: ServerKind;
  server: RunningServer;
  load: LoadGenerator;
}

function profileNodeArgs(): string[] {
  return profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
}

async function open(kind: ServerKind): Promise<Subject> {
  const server = await startServer(kind, { nodeArgs: profileNodeArgs() });
  const load = new LoadGenerator(server);
  const t0 = performance.now();
  await load.run({ cmd: 'connect' });
  const created = await load.run({ cmd: 'create' });
  if (created.lost || Object.keys(created.errors).length) {
    throw new Error(`${kind}: creating the conversations failed: ${JSON.stringify(created.errors)}, ${created.lost} incomplete`);
  }
  log(`${kind}: ${fmtInt(CONVERSATIONS * MEMBERS)} sockets connected, ${CONVERSATIONS} groups created in ${fmtMs(performance.now() - t0)} ms`);
  return { kind, server, load };
}

/** Runs one window against one server, with the CPU each process spent in it. */
async function sample(subject: Subject, command: Command): Promise<Sample> {
  const wall0 = performance.now();
  const server0 = subject.server.cpuSeconds();
  const gen0 = process.cpuUsage();
  const machine0 = machineCpuSeconds();
  const result = await subject.load.run(command);
  const gen = process.cpuUsage(gen0);
  const seconds = (performance.now() - wall0) / 1000;
  const serverCpu = (subject.server.cpuSeconds() - server0) / seconds;
  const genCpu = (gen.user + gen.system) / 1e6 / seconds;
  return { result, serverCpu, genCpu, others: (machineCpuSeconds() - machine0) / seconds - serverCpu - genCpu };
}

/**
 * Both servers run at once and take turns, window by window, the one going
 * first alternating: drift in the machine's load then lands on both alike.
 */
async function throughput(): Promise<void> {
  const kinds: ServerKind[] = ['bare', 'server'];
  if (!existsSync('server/main.ts')) {
    console.log('  server/main.ts does not exist yet: measuring the bare server only.');
    kinds.pop();
  }
  const subjects: Subject[] = [];
  try {
    for (const kind of kinds) subjects.push(await open(kind));
    const reports = new Map<ServerKind, Report>(kinds.map((k) => [k, { loads: RATES.map(() => []), saturation: [], catchUp: [] }]));
    let turn = 0;
    const inTurn = () => (turn++ % 2 === 0 ? subjects : [...subjects].reverse());
    for (const [r, rate] of RATES.entries()) {
      for (let w = 0; w < windows; w++) {
        for (const s of inTurn()) {
          reports.get(s.kind)!.loads[r].push(await sample(s, { cmd: 'load', rate, warmupMs: WARMUP_MS, durationMs: LOAD_MS }));
        }
      }
      log(
        `${fmtInt(rate)} msg/s: ` +
          subjects.map((s) => `${s.kind} p99 ${reports.get(s.kind)!.loads[r].map((x) => fmtMs(percentile(x.result.latencies, 99))).join(' ')} ms`).join('; '),
      );
    }
    for (let w = 0; w < windows; w++) {
      for (const s of inTurn()) {
        reports.get(s.kind)!.saturation.push(await sample(s, { cmd: 'saturate', window: WINDOW, warmupMs: WARMUP_MS, durationMs: SATURATE_MS }));
      }
    }
    log(
      'saturation: ' +
        subjects.map((s) => `${s.kind} ${reports.get(s.kind)!.saturation.map((x) => fmtInt(median(x.result.perSecond))).join(' ')} deliveries/s`).join('; '),
    );
    for (const s of subjects) {
      const catchUp = await within(60_000, 'catch-up', measureCatchUp(s.server.endpoint, CATCH_UP, CATCH_UP_ROUNDS));
      reports.get(s.kind)!.catchUp = catchUp;
      log(`${s.kind}: catch-up of ${fmtInt(CATCH_UP)} in ${catchUp.map((c) => fmtMs(c.total)).join(', ')} ms`);
    }
    printThroughput(reports);
  } finally {
    for (const s of subjects) {
      await s.load.stop();
      await s.server.stop();
    }
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

function errorsOf(samples: Sample[]): string {
  const errors: Record<string, number> = {};
  for (const s of samples) for (const [code, n] of Object.entries(s.result.errors)) errors[code] = (errors[code] ?? 0) + n;
  return Object.entries(errors)
    .map(([code, n]) => `${code} x${n}`)
    .join(', ');
}

const p99Of = (s: Sample) => percentile(s.result.latencies, 99);
const p50Of = (s: Sample) => percentile(s.result.latencies, 50);
const rateOf = (s: Sample) => median(s.result.perSecond);

/** Which process limits a window: the generator when its thread is near saturation. */
function limiter(samples: Sample[]): string {
  const busy = median(samples.map((s) => s.result.generatorBusy));
  const server = median(samples.map((s) => s.serverCpu));
  const others = median(samples.map((s) => s.others));
  const gen = median(samples.map((s) => s.genCpu));
  if (busy >= GENERATOR_LIMIT || gen >= 0.9 * threads) return `generator (thread ${pct(busy)} busy, ${pct(gen)} CPU)`;
  if (server >= 0.9) return `server (${pct(server)} of a core)`;
  if (others >= 0.3) return `other processes (${pct(others)})`;
  return '-';
}

function printThroughput(reports: Map<ServerKind, Report>): void {
  const kinds = [...reports.keys()];
  const both = reports.has('bare') && reports.has('server');
  console.log(`\nFixed offered load, open loop: delivery to the LAST member of each message (ms), ${windows} alternating windows of ${LOAD_MS / 1000} s per server and rate`);
  console.log("p99: median of the windows' p99 (lowest-highest); cpu: server process, gen: bench process (load generator threads), 100% = one core;");
  console.log('busy: generator thread (event loop utilisation); others: every other process on the machine');
  const header = ['offered'];
  for (const k of kinds) header.push(`${k} p50`, 'p99 (spread)', 'lost', 'cpu', 'gen', 'busy');
  header.push('others');
  if (both) header.push('p99 server/bare');
  header.push('limit');
  const rows = [header];
  RATES.forEach((rate, i) => {
    const row = [`${fmtInt(rate)} msg/s`];
    const all: Sample[] = [];
    for (const k of kinds) {
      const samples = reports.get(k)!.loads[i];
      all.push(...samples);
      row.push(fmtMs(median(samples.map(p50Of))), fmtSpread(samples.map(p99Of), fmtMs));
      row.push(`${samples.reduce((n, s) => n + s.result.lost, 0)}/${fmtInt(samples.reduce((n, s) => n + s.result.sent, 0))}`);
      row.push(pct(median(samples.map((s) => s.serverCpu))), pct(median(samples.map((s) => s.genCpu))), pct(median(samples.map((s) => s.result.generatorBusy))));
    }
    row.push(pct(median(all.map((s) => s.others))));
    if (both) row.push(fmtRatio(median(reports.get('server')!.loads[i].map(p99Of)), median(reports.get('bare')!.loads[i].map(p99Of))));
    row.push(limiter(all));
    rows.push(row);
  });
  console.log(table(rows));
  const limited = RATES.filter((_, i) => limiter(kinds.flatMap((k) => reports.get(k)!.loads[i])).startsWith('generator'));
  const busiest = Math.max(...kinds.flatMap((k) => reports.get(k)!.loads.flat().map((s) => s.result.generatorBusy)));
  console.log(
    limited.length
      ? `  The load generator, not the server, limits the figures at ${limited.map((r) => `${fmtInt(r)} msg/s`).join(', ')}.`
      : `  The load generator was not the limit at any rate (its busiest thread in any window: ${pct(busiest)}).`,
  );
  for (const k of kinds) {
    const errs = errorsOf(reports.get(k)!.loads.flat());
    if (errs) console.log(`  ${k} errors: ${errs}`);
  }

  console.log(
    `\nSaturation: each member keeps ${WINDOW} sends unacknowledged (${fmtInt(WINDOW * CONVERSATIONS * MEMBERS)} in flight), ${windows} alternating windows of ${SATURATE_MS / 1000} s`,
  );
  console.log("deliveries/s: median over windows of each window's median second (lowest-highest)");
  const satRows = [['', 'deliveries/s (spread)', 'msg/s in', 'p50 ms', 'p99 ms (spread)', 'cpu', 'gen', 'busy', 'others', 'limit']];
  for (const k of kinds) {
    const samples = reports.get(k)!.saturation;
    satRows.push([
      k,
      fmtSpread(samples.map(rateOf), fmtInt),
      fmtInt(median(samples.map(rateOf)) / (MEMBERS - 1)),
      fmtMs(median(samples.map(p50Of))),
      fmtSpread(samples.map(p99Of), fmtMs),
      pct(median(samples.map((s) => s.serverCpu))),
      pct(median(samples.map((s) => s.genCpu))),
      pct(median(samples.map((s) => s.result.generatorBusy))),
      pct(median(samples.map((s) => s.others))),
      limiter(samples),
    ]);
  }
  console.log(table(satRows));
  let ratio = Number.NaN;
  if (both) {
    const bare = reports.get('bare')!.saturation;
    const server = reports.get('server')!.saturation;
    // Windows w of both servers ran back to back: their ratio cancels slow drift.
    const pairs = server.map((s, w) => rateOf(s) / rateOf(bare[w]));
    ratio = median(server.map(rateOf)) / median(bare.map(rateOf));
    console.log(`  server/bare: ${ratio.toFixed(2)}x (ratio of medians); per window pair ${fmtSpread(pairs, (x) => x.toFixed(2))}`);
    const limits = [bare, server].map(limiter);
    if (limits.some((l) => l.startsWith('generator'))) {
      console.log(`  The load generator, not the server, limits saturation (bare: ${limits[0]}; server: ${limits[1]}); try --threads 2.`);
    } else console.log(`  The load generator was not the limit at saturation (bare: ${limits[0]}; server: ${limits[1]}).`);
  }

  console.log(`\nCatch-up: a member offline while ${fmtInt(CATCH_UP)} messages arrive, then reconnects with its cursor (ms)`);
  const cuRows = [['', 'median', 'max', 'of which welcome', 'history frames']];
  for (const k of kinds) {
    const runs = reports.get(k)!.catchUp;
    cuRows.push([k, fmtMs(median(runs.map((r) => r.total))), fmtMs(Math.max(...runs.map((r) => r.total))), fmtMs(median(runs.map((r) => r.welcome))), String(runs[0].pages)]);
  }
  console.log(table(cuRows));

  const server = reports.get('server');
  if (!server) return;
  const p99 = median(server.loads[RATES.indexOf(2_000)].map(p99Of));
  const cu = median(server.catchUp.map((r) => r.total));
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log('\nTargets (server)');
  console.log(`  p99 <= ${TARGET.p99At2000} ms at 2,000 msg/s (median of windows): ${fmtMs(p99)} ms, ${verdict(p99 <= TARGET.p99At2000)}`);
  if (both) console.log(`  saturation >= ${TARGET.saturationRatio}x bare: ${ratio.toFixed(2)}x, ${verdict(ratio >= TARGET.saturationRatio)}`);
  console.log(`  catch-up of ${fmtInt(CATCH_UP)} <= ${TARGET.catchUpMs} ms: ${fmtMs(cu)} ms, ${verdict(cu <= TARGET.catchUpMs)}`);
}

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  console.log(`Server benchmark${quick ? ' (quick)' : ''}: Node ${process.version}, ${availableParallelism()} cores (${cpu})`);
  warnIfBusy('before the run');
  if (only !== 'abuse') {
    console.log(
      `\n== Throughput: ${CONVERSATIONS} group conversations x ${MEMBERS} members = ${fmtInt(CONVERSATIONS * MEMBERS)} sockets per server; ` +
        `each server a child process, the load generator in ${threads} worker thread${threads > 1 ? 's' : ''} of this process`,
    );
    await throughput();
  }
  if (only !== 'throughput') {
    if (!existsSync('server/main.ts')) console.log('\nserver/main.ts does not exist yet: no abuse bench.');
    else await runAbuse({ quick, windows, nodeArgs: profileNodeArgs(), roles });
  }
  warnIfBusy('after the run');
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
    console.error(`\nbenchmark failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
