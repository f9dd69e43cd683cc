// Server benchmark, two parts, both on loopback with every process on the same
// machine. A benchmark, not a test: it prints figures and targets; it fails
// only if a server cannot be run.
//
//   npm run bench:server -- [--quick] [--only throughput|webhooks|abuse] [--windows N] [--threads 1-8]
//                           [--abuse refused-send,hello,history,idle,slow-reader] [--profile dir] [--control]
//                           [--rates 500,2000]
//
// throughput: the chat server against a bare `ws` broadcast server (the
//   practical floor), both running at once, in alternating windows per rate.
// webhooks: the chat server with webhooks off against the same server with
//   webhooks on (PIN_WEBHOOK_URL to a local receiver process that checks each
//   signature and answers 200), both running at once, in alternating windows.
// abuse: a well-behaved person's ping and delivery latency alone, then beside
//   each kind of abuse in turn, in alternating windows (bench/abuse.ts).
//
// --profile writes a V8 CPU profile of each server process into dir.
// --control adds to the webhooks section a second server with webhooks off,
//   in the same alternation: its difference from the first is the noise floor.
// --rates narrows the throughput and webhooks sections to some fixed loads
//   (messages a second; saturation still runs), for a longer look at one load
//   (with --windows) in less time.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ROLES, runAbuse } from './abuse.js';
import { measureCatchUp, type CatchUpResult } from './catch-up.js';
import type { Command, PhaseResult, WorkerSetup } from './load-worker.js';
import type { ReceiverStats } from './webhook-receiver.js';
import { machineCpuSeconds, startServer, startWebhookReceiver, type RunningReceiver, type RunningServer, type ServerKind, type StartOptions } from './servers.js';
import { fmtInt, fmtMs, fmtRatio, fmtSpread, median, pct, percentile, sortedConcat, table } from './stats.js';

const SECTIONS = ['throughput', 'webhooks', 'abuse'];
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const threads = Number(valueOf('--threads') ?? 1);
const only = valueOf('--only');
const windows = Number(valueOf('--windows') ?? (quick ? 3 : 5));
const profileDir = valueOf('--profile');
/** Webhooks: a second server with webhooks off runs in the same alternation, and its difference from the first is the noise floor. */
const control = args.includes('--control');
const roles = valueOf('--abuse')?.split(',');
const rates = valueOf('--rates')?.split(',').map(Number);
if (
  !(threads >= 1 && threads <= 8) ||
  rates?.some((r) => !(Number.isInteger(r) && r >= 1 && r <= 100_000)) ||
  (only && !SECTIONS.includes(only)) ||
  !(windows >= 1 && windows <= 50) ||
  roles?.some((r) => !(ROLES as string[]).includes(r))
) {
  console.error(
    `usage: bench/server.ts [--quick] [--only ${SECTIONS.join('|')}] [--windows N] [--threads 1-8] [--abuse ${ROLES.join(',')}] [--profile dir] [--control] [--rates 500,2000]`,
  );
  process.exit(2);
}

const CONVERSATIONS = 100;
const MEMBERS = 10;
const RATES = rates ?? [500, 1_000, 2_000, 4_000];
const LOAD_MS = quick ? 1_000 : 2_000;
const WARMUP_MS = quick ? 300 : 500;
const SATURATE_MS = quick ? 1_500 : 3_000;
/** Unacknowledged sends each of the 1,000 members keeps in flight at saturation. */
const WINDOW = 2;
const CATCH_UP = 1_000;
const CATCH_UP_ROUNDS = quick ? 1 : 3;
const TARGET = { p99At2000: 15, saturationRatio: 0.5, catchUpMs: 300 };
/** Issue #11: webhooks on costs at most 10% of saturation throughput and adds at most 2 ms of p99, at every rate. */
const WEBHOOK_TARGET = { throughputCost: 0.1, p99AddedMs: 2 };
/** After a window with webhooks on, wait this long at most for the receiver to get every event, so no backlog runs into the next window. */
const WEBHOOK_DRAIN_MS = 120_000;
/** Webhook delivery keeps up when at most this share of a window's events is still on its way at the window's end. */
const KEPT_UP = 0.05;
/** A generator thread busier than this (event loop utilisation) limits the figures, not the server. */
const GENERATOR_LIMIT = 0.85;

/** One measured window of one server. */
interface Sample {
  result: PhaseResult;
  /** Wall time of the window, its drain of replies included, s. */
  seconds: number;
  /** CPU of the server process, of the bench process (the load generator's threads), 1 = one core. */
  serverCpu: number;
  /** CPU of the server's event-loop thread alone (its worker threads left out). */
  loopCpu: number;
  genCpu: number;
  /** CPU of the subject's webhook receiver process, when it has one. */
  receiverCpu?: number;
  /** Every other process on the machine (the idle other server included). */
  others: number;
  /** Webhooks on: what the receiver got of this window's message.created events. */
  webhooks?: WebhookWindow;
}

interface WebhookWindow {
  /** message.created events the window stored, and how many reached the receiver by its end. */
  stored: number;
  delivered: number;
  /** Events not yet received at the window's end, and how long the receiver then took to get them (ms). */
  backlog: number;
  drainMs: number;
  /** CPU seconds the server spent while the receiver caught up (delivering what the window left behind). */
  drainCpu: number;
  /** The same, of its event-loop thread alone. */
  drainLoopCpu: number;
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
  /** The label its figures are reported under. */
  name: string;
  kind: ServerKind;
  server: RunningServer;
  load: LoadGenerator;
  /** Where its webhooks go, when they are on. */
  receiver?: RunningReceiver;
}

function profileNodeArgs(): string[] {
  return profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
}

async function open(kind: ServerKind, name: string = kind, options: StartOptions = {}, receiver?: RunningReceiver): Promise<Subject> {
  const server = await startServer(kind, { nodeArgs: profileNodeArgs(), ...options });
  const load = new LoadGenerator(server);
  const t0 = performance.now();
  await load.run({ cmd: 'connect' });
  const created = await load.run({ cmd: 'create' });
  if (created.lost || Object.keys(created.errors).length) {
    throw new Error(`${name}: creating the conversations failed: ${JSON.stringify(created.errors)}, ${created.lost} incomplete`);
  }
  log(`${name}: ${fmtInt(CONVERSATIONS * MEMBERS)} sockets connected, ${CONVERSATIONS} groups created in ${fmtMs(performance.now() - t0)} ms`);
  return { name, kind, server, load, receiver };
}

/** Runs one window against one server, with the CPU each process spent in it. */
async function sample(subject: Subject, command: Command): Promise<Sample> {
  const wall0 = performance.now();
  const server0 = subject.server.cpuSeconds();
  const loop0 = subject.server.loopCpuSeconds();
  const receiver0 = subject.receiver?.cpuSeconds() ?? 0;
  const gen0 = process.cpuUsage();
  const machine0 = machineCpuSeconds();
  const result = await subject.load.run(command);
  const gen = process.cpuUsage(gen0);
  const seconds = (performance.now() - wall0) / 1000;
  const serverCpu = (subject.server.cpuSeconds() - server0) / seconds;
  const loopCpu = (subject.server.loopCpuSeconds() - loop0) / seconds;
  const genCpu = (gen.user + gen.system) / 1e6 / seconds;
  const receiverCpu = subject.receiver ? (subject.receiver.cpuSeconds() - receiver0) / seconds : undefined;
  const others = (machineCpuSeconds() - machine0) / seconds - serverCpu - genCpu - (receiverCpu ?? 0);
  return { result, seconds, serverCpu, loopCpu, genCpu, receiverCpu, others };
}

/** Called after each window of a subject, outside the timed part (the webhooks bench drains its receiver here). */
type AfterWindow = (subject: Subject, sample: Sample) => Promise<void>;

/**
 * Both subjects run at once and take turns, window by window, the one going
 * first alternating: drift in the machine's load then lands on both alike.
 * Every rate, then saturation.
 */
async function alternate(subjects: Subject[], after?: AfterWindow): Promise<Map<string, Report>> {
  const reports = new Map<string, Report>(subjects.map((s) => [s.name, { loads: RATES.map(() => []), saturation: [], catchUp: [] }]));
  let turn = 0;
  const inTurn = () => (turn++ % 2 === 0 ? subjects : [...subjects].reverse());
  const measure = async (s: Subject, command: Command) => {
    const taken = await sample(s, command);
    // A server that is gone would leave empty windows, not figures: stop at once.
    const ended = s.server.ended();
    if (ended) throw new Error(`the ${s.name} server ended during the run (${ended})`);
    await after?.(s, taken);
    return taken;
  };
  for (const [r, rate] of RATES.entries()) {
    for (let w = 0; w < windows; w++) {
      for (const s of inTurn()) {
        reports.get(s.name)!.loads[r].push(await measure(s, { cmd: 'load', rate, warmupMs: WARMUP_MS, durationMs: LOAD_MS }));
      }
    }
    log(
      `${fmtInt(rate)} msg/s: ` +
        subjects.map((s) => `${s.name} p99 ${reports.get(s.name)!.loads[r].map((x) => fmtMs(percentile(x.result.latencies, 99))).join(' ')} ms`).join('; '),
    );
  }
  for (let w = 0; w < windows; w++) {
    for (const s of inTurn()) {
      reports.get(s.name)!.saturation.push(await measure(s, { cmd: 'saturate', window: WINDOW, warmupMs: WARMUP_MS, durationMs: SATURATE_MS }));
    }
  }
  log(
    'saturation: ' +
      subjects.map((s) => `${s.name} ${reports.get(s.name)!.saturation.map((x) => fmtInt(median(x.result.perSecond))).join(' ')} deliveries/s`).join('; '),
  );
  return reports;
}

/** The chat server against the bare server, in alternating windows, then the catch-up of each. */
async function throughput(): Promise<void> {
  const kinds: ServerKind[] = ['bare', 'server'];
  if (!existsSync('server/main.ts')) {
    console.log('  server/main.ts does not exist yet: measuring the bare server only.');
    kinds.pop();
  }
  const subjects: Subject[] = [];
  try {
    for (const kind of kinds) subjects.push(await open(kind));
    const reports = await alternate(subjects);
    for (const s of subjects) {
      const catchUp = await within(60_000, 'catch-up', measureCatchUp(s.server.endpoint, CATCH_UP, CATCH_UP_ROUNDS));
      reports.get(s.name)!.catchUp = catchUp;
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

function printThroughput(reports: Map<string, Report>): void {
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
  const at2000 = server.loads[RATES.indexOf(2_000)];
  const cu = median(server.catchUp.map((r) => r.total));
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log('\nTargets (server)');
  if (at2000) {
    const p99 = median(at2000.map(p99Of));
    console.log(`  p99 <= ${TARGET.p99At2000} ms at 2,000 msg/s (median of windows): ${fmtMs(p99)} ms, ${verdict(p99 <= TARGET.p99At2000)}`);
  }
  if (both) console.log(`  saturation >= ${TARGET.saturationRatio}x bare: ${ratio.toFixed(2)}x, ${verdict(ratio >= TARGET.saturationRatio)}`);
  console.log(`  catch-up of ${fmtInt(CATCH_UP)} <= ${TARGET.catchUpMs} ms: ${fmtMs(cu)} ms, ${verdict(cu <= TARGET.catchUpMs)}`);
}

/**
 * The chat server with webhooks off against the same server with webhooks on
 * (every message makes a message.created event, queued in the message's
 * transaction and posted to a receiver process), in alternating
 * windows. After each window with webhooks on, the receiver is given time to
 * get every event the window stored, outside the timed part, so no backlog of
 * one window runs into the next; how far behind it was, and how long it took
 * to catch up, is reported.
 */
async function webhooks(): Promise<void> {
  if (!existsSync('server/main.ts')) return console.log('  server/main.ts does not exist yet: no webhooks bench.');
  const receiver = await startWebhookReceiver();
  const subjects: Subject[] = [];
  try {
    subjects.push(await open('server', 'off'));
    if (control) subjects.push(await open('server', 'control'));
    subjects.push(await open('server', 'on', { env: { PIN_WEBHOOK_URL: receiver.url, PIN_WEBHOOK_SECRET: receiver.secret } }, receiver));
    // Every conversation was created by a send: one message.created each.
    let expected = CONVERSATIONS;
    let received = await drainWebhooks(receiver, expected);
    if (received < expected) throw new Error(`the receiver got ${received} of the ${expected} first message.created events`);
    const reports = await alternate(subjects, async (subject, taken) => {
      if (!subject.receiver) return;
      const stored = storedOf(taken);
      expected += stored;
      const atEnd = messageEvents(await receiver.stats());
      const t0 = performance.now();
      const cpu0 = subject.server.cpuSeconds();
      const loop0 = subject.server.loopCpuSeconds();
      const drained = await drainWebhooks(receiver, expected);
      taken.webhooks = {
        stored,
        delivered: atEnd - received,
        backlog: Math.max(0, expected - atEnd),
        drainMs: performance.now() - t0,
        drainCpu: subject.server.cpuSeconds() - cpu0,
        drainLoopCpu: subject.server.loopCpuSeconds() - loop0,
      };
      received = drained;
    });
    // A try that failed is retried after up to 10 s (backoff): give the last ones that long and more before counting.
    await drainWebhooks(receiver, expected, 25_000);
    printWebhooks(reports, await receiver.stats(), expected);
  } finally {
    for (const s of subjects) {
      await s.load.stop();
      await s.server.stop();
    }
    await receiver.stop();
  }
}

const messageEvents = (stats: ReceiverStats) => stats.byType['message.created'] ?? 0;

/** Waits until the receiver has `expected` distinct message.created events, or none came for `stallMs`; returns how many it has. */
async function drainWebhooks(receiver: RunningReceiver, expected: number, stallMs = 5_000): Promise<number> {
  const deadline = performance.now() + WEBHOOK_DRAIN_MS;
  let last = -1;
  let progressAt = performance.now();
  for (;;) {
    const count = messageEvents(await receiver.stats());
    if (count >= expected || performance.now() > deadline) return count;
    if (count !== last) (last = count), (progressAt = performance.now());
    else if (performance.now() - progressAt > stallMs) return count;
    await new Promise((r) => setTimeout(r, 25));
  }
}

function printWebhooks(reports: Map<string, Report>, stats: ReceiverStats, expected: number): void {
  const off = reports.get('off')!;
  const on = reports.get('on')!;
  const hooks = (samples: Sample[]) => samples.map((s) => s.webhooks!).filter(Boolean);
  const hookRate = (s: Sample) => (s.webhooks ? s.webhooks.delivered / s.seconds : Number.NaN);
  console.log(
    `\nWebhooks off and on, fixed offered load, open loop: delivery to the LAST member of each message (ms), ${windows} alternating windows of ${LOAD_MS / 1000} s per server and rate`,
  );
  console.log("p99: median of the windows' p99 (lowest-highest); delta: on minus off, of the medians (per window pair, lowest-highest);");
  console.log('cpu: server process, recv: the webhook receiver process, 100% = one core; hooks/s: message.created events received per second of the window;');
  console.log("backlog: events stored but not yet received at the window's end (median), drain: the time the receiver then took to get them (median)");
  const rows = [['offered', 'p99 off (spread)', 'p99 on (spread)', 'delta (pairs)', 'lost off', 'lost on', 'cpu off', 'cpu on', 'recv', 'hooks/s', 'backlog', 'drain ms', 'others', 'limit']];
  const deltas: number[] = [];
  RATES.forEach((rate, i) => {
    const a = off.loads[i];
    const b = on.loads[i];
    const delta = median(b.map(p99Of)) - median(a.map(p99Of));
    deltas.push(delta);
    const pairs = b.map((s, w) => p99Of(s) - p99Of(a[w]));
    rows.push([
      `${fmtInt(rate)} msg/s`,
      fmtSpread(a.map(p99Of), fmtMs),
      fmtSpread(b.map(p99Of), fmtMs),
      `${signedMs(delta)} (${signedMs(Math.min(...pairs))} to ${signedMs(Math.max(...pairs))})`,
      lostOf(a),
      lostOf(b),
      pct(median(a.map((s) => s.serverCpu))),
      pct(median(b.map((s) => s.serverCpu))),
      pct(median(b.map((s) => s.receiverCpu ?? Number.NaN))),
      fmtInt(median(b.map(hookRate))),
      fmtInt(median(hooks(b).map((h) => h.backlog))),
      fmtInt(median(hooks(b).map((h) => h.drainMs))),
      pct(median([...a, ...b].map((s) => s.others))),
      limiter([...a, ...b]),
    ]);
  });
  console.log(table(rows));
  const keptUp = (samples: Sample[]) => hooks(samples).every((h) => h.backlog <= KEPT_UP * h.stored);
  console.log(
    `  Webhook delivery kept up (at most ${KEPT_UP * 100}% of a window's events still on their way at its end) at: ` +
      RATES.map((rate, i) => `${fmtInt(rate)} msg/s ${keptUp(on.loads[i]) ? 'yes' : 'NO'}`).join(', '),
  );
  // After a window the server only delivers: the backlog over the time it took is what delivery can do.
  const drains = hooks([...on.loads.flat(), ...on.saturation]).filter((h) => h.backlog >= 100 && h.drainMs > 0);
  if (drains.length) {
    console.log(
      `  Delivery capacity once the window ended (the server otherwise idle): ${fmtSpread(drains.map((h) => (h.backlog / h.drainMs) * 1000), fmtInt)} events/s, ` +
        `over the ${drains.length} windows that left 100 or more behind`,
    );
  }
  for (const [name, report] of [['off', off], ['on', on]] as const) {
    const errs = errorsOf([...report.loads.flat(), ...report.saturation]);
    if (errs) console.log(`  ${name} errors: ${errs}`);
  }

  console.log('\nServer CPU per message stored (us): the window and, with webhooks on, the delivery it left behind; other processes do not change it much');
  console.log('process: all its threads (webhook delivery runs in a worker thread of its own); event loop: the thread that carries the messages');
  const cpuRows = [['', 'process off', 'on', 'on/off', 'event loop off', 'on', 'on/off']];
  const perMessage = (samples: Sample[], loop: boolean) =>
    (samples.reduce((n, x) => n + (loop ? x.loopCpu : x.serverCpu) * x.seconds + ((loop ? x.webhooks?.drainLoopCpu : x.webhooks?.drainCpu) ?? 0), 0) /
      samples.reduce((n, x) => n + storedOf(x), 0)) *
    1e6;
  const cpuRatios: number[] = [];
  const loopRatios: number[] = [];
  const addCpuRow = (label: string, a: Sample[], b: Sample[]) => {
    const [x, y] = [perMessage(a, false), perMessage(b, false)];
    const [lx, ly] = [perMessage(a, true), perMessage(b, true)];
    cpuRatios.push(y / x);
    loopRatios.push(ly / lx);
    cpuRows.push([label, fmtInt(x), fmtInt(y), `${(y / x).toFixed(2)}x`, fmtInt(lx), fmtInt(ly), `${(ly / lx).toFixed(2)}x`]);
  };
  RATES.forEach((rate, i) => addCpuRow(`${fmtInt(rate)} msg/s`, off.loads[i], on.loads[i]));
  addCpuRow('saturation', off.saturation, on.saturation);
  console.log(table(cpuRows));

  console.log(`\nSaturation, webhooks off and on: each member keeps ${WINDOW} sends unacknowledged, ${windows} alternating windows of ${SATURATE_MS / 1000} s`);
  console.log("msgs/s: messages stored per second, median over windows of each window's median second (lowest-highest)");
  const satRows = [['', 'msgs/s (spread)', 'p99 ms (spread)', 'cpu', 'recv', 'gen', 'busy', 'hooks/s', 'backlog', 'drain ms', 'others', 'limit']];
  for (const [name, samples] of [['off', off.saturation], ['on', on.saturation]] as const) {
    satRows.push([
      `webhooks ${name}`,
      fmtSpread(samples.map((s) => rateOf(s) / (MEMBERS - 1)), fmtInt),
      fmtSpread(samples.map(p99Of), fmtMs),
      pct(median(samples.map((s) => s.serverCpu))),
      name === 'on' ? pct(median(samples.map((s) => s.receiverCpu ?? Number.NaN))) : '-',
      pct(median(samples.map((s) => s.genCpu))),
      pct(median(samples.map((s) => s.result.generatorBusy))),
      name === 'on' ? fmtInt(median(samples.map(hookRate))) : '-',
      name === 'on' ? fmtInt(median(hooks(samples).map((h) => h.backlog))) : '-',
      name === 'on' ? fmtInt(median(hooks(samples).map((h) => h.drainMs))) : '-',
      pct(median(samples.map((s) => s.others))),
      limiter(samples),
    ]);
  }
  console.log(table(satRows));
  // Windows w of both servers ran back to back: their ratio cancels slow drift.
  const pairs = on.saturation.map((s, w) => rateOf(s) / rateOf(off.saturation[w]));
  const ratio = median(on.saturation.map(rateOf)) / median(off.saturation.map(rateOf));
  console.log(`  on/off: ${ratio.toFixed(2)}x (ratio of medians); per window pair ${fmtSpread(pairs, (x) => x.toFixed(2))}`);
  const satHooks = hooks(on.saturation);
  const kept = keptUp(on.saturation);
  const hookMedian = median(on.saturation.map(hookRate));
  const msgMedian = median(on.saturation.map((s) => rateOf(s) / (MEMBERS - 1)));
  console.log(
    kept
      ? `  Webhook delivery kept up at saturation: at most ${KEPT_UP * 100}% of a window's events were still on their way at its end.`
      : `  Webhook delivery did NOT keep up at saturation: about ${fmtInt(hookMedian)} events/s received against ${fmtInt(msgMedian)} messages/s stored; ` +
          `the outbox grew by a median ${fmtInt(median(satHooks.map((h) => h.backlog)))} events a window, delivered after it (drain). ` +
          'Sustained for longer, the backlog would grow without bound while delivery stays behind.',
  );
  const limits = [off.saturation, on.saturation].map(limiter);
  if (limits.some((l) => l.startsWith('generator'))) console.log(`  The load generator, not the server, limits saturation (off: ${limits[0]}; on: ${limits[1]}).`);

  console.log('\nDeliveries received');
  const types = Object.entries(stats.byType)
    .map(([type, n]) => `${type} ${fmtInt(n)}`)
    .join(', ');
  console.log(`  ${fmtInt(stats.requests)} requests answered 200 carrying ${fmtInt(stats.received)} events (${(stats.received / Math.max(1, stats.requests)).toFixed(1)} a request), ${fmtInt(stats.unique)} distinct event ids (${types}); ${fmtInt(stats.duplicates)} repeats; ${fmtInt(stats.badSignatures)} bad signatures`);
  console.log(`  message.created: ${fmtInt(messageEvents(stats))} of ${fmtInt(expected)} messages stored${messageEvents(stats) >= expected ? '' : ': SOME MISSING'}`);

  const verdict = (ok: boolean) => (ok ? 'pass' : 'FAIL');
  const cost = 1 - ratio;
  console.log('\nTargets (webhooks on against off)');
  console.log(
    `  throughput cost <= ${WEBHOOK_TARGET.throughputCost * 100}%: ${(cost * 100).toFixed(1)}% (${fmtInt(median(on.saturation.map(rateOf)) / (MEMBERS - 1))} against ${fmtInt(median(off.saturation.map(rateOf)) / (MEMBERS - 1))} msgs/s), ${verdict(cost <= WEBHOOK_TARGET.throughputCost)}`,
  );
  RATES.forEach((rate, i) => {
    console.log(`  p99 added <= ${WEBHOOK_TARGET.p99AddedMs} ms at ${fmtInt(rate)} msg/s: ${signedMs(deltas[i])} ms, ${verdict(deltas[i] <= WEBHOOK_TARGET.p99AddedMs)}`);
  });
  const satCpu = cpuRatios[cpuRatios.length - 1];
  const satLoop = loopRatios[loopRatios.length - 1];
  console.log(
    `  throughput cost from event-loop CPU per message at saturation (what the thread that carries the messages loses; robust to other processes): ${((1 - 1 / satLoop) * 100).toFixed(1)}%, ` +
      verdict(1 - 1 / satLoop <= WEBHOOK_TARGET.throughputCost),
  );
  console.log(
    `  the same from the whole process's CPU (what a server with one core would lose, delivery competing with the messages): ${((1 - 1 / satCpu) * 100).toFixed(1)}%, ` +
      verdict(1 - 1 / satCpu <= WEBHOOK_TARGET.throughputCost),
  );
  const same = reports.get('control');
  if (same) {
    const floor = RATES.map((_, r) => signedMs(median(same.loads[r].map(p99Of)) - median(off.loads[r].map(p99Of))));
    const sameRatio = median(same.saturation.map(rateOf)) / median(off.saturation.map(rateOf));
    console.log(
      `  noise floor, a second server with webhooks off against the first in the same run: p99 ${RATES.map((rate, r) => `${floor[r]} ms at ${fmtInt(rate)}`).join(', ')}; ` +
        `saturation ${sameRatio.toFixed(2)}x`,
    );
  }
  console.log(`  every event received, signature verified: ${verdict(messageEvents(stats) >= expected && stats.badSignatures === 0)}`);
  const lagging = RATES.filter((_, i) => !keptUp(on.loads[i]));
  console.log(
    `  delivery keeps up with the messages at every offered rate (else the outbox grows while the load lasts, and the figures above hold only for bursts): ` +
      (lagging.length ? `FAIL at ${lagging.map((r) => `${fmtInt(r)} msg/s`).join(', ')}` : 'pass'),
  );
  const others = median([...off.loads.flat(), ...on.loads.flat(), ...off.saturation, ...on.saturation].map((s) => s.others));
  if (others >= 0.3) {
    console.log(`  Other processes used a median ${pct(others)} of a core during these windows: the verdicts above measure the contention as much as the server.`);
  }
}

function signedMs(ms: number): string {
  return Number.isFinite(ms) ? `${ms >= 0 ? '+' : '-'}${fmtMs(Math.abs(ms))}` : '-';
}

/** Messages a window stored: its sends less the refused ones. */
function storedOf(s: Sample): number {
  return s.result.sent - Object.values(s.result.errors).reduce((a, b) => a + b, 0);
}

function lostOf(samples: Sample[]): string {
  return `${samples.reduce((n, s) => n + s.result.lost, 0)}/${fmtInt(samples.reduce((n, s) => n + s.result.sent, 0))}`;
}

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  console.log(`Server benchmark${quick ? ' (quick)' : ''}: Node ${process.version}, ${availableParallelism()} cores (${cpu})`);
  warnIfBusy('before the run');
  const setup =
    `${CONVERSATIONS} group conversations x ${MEMBERS} members = ${fmtInt(CONVERSATIONS * MEMBERS)} sockets per server; ` +
    `each server a child process, the load generator in ${threads} worker thread${threads > 1 ? 's' : ''} of this process`;
  if (!only || only === 'throughput') {
    console.log(`\n== Throughput: ${setup}`);
    await throughput();
  }
  if (!only || only === 'webhooks') {
    console.log(`\n== Webhooks: ${setup}; the webhook receiver a child process`);
    await webhooks();
  }
  if (!only || only === 'abuse') {
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
