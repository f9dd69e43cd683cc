// Abuse bench: a well-behaved person's ping and delivery latency alone, then
// beside each kind of abuse in turn, in alternating windows (alone, beside,
// alone, beside ..., which comes first alternating too), against the real
// server with its production default limits.
//
// Processes: the server; the well-behaved people; one per abuser; this one
// only drives them and reads /proc for the server's CPU.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type WebSocket from 'ws';
import type { AbuseWindow, Request, Role, WellBehavedWindow } from './abuse-worker.js';
import { SEED, WELL_BEHAVED } from './abuse-worker.js';
import { connectMember, type Endpoint } from './client.js';
import { cpuOf, machineCpuSeconds, startServer, type RunningServer } from './servers.js';
import { fmtInt, fmtMs, fmtSpread, median, pct, percentile, table } from './stats.js';

/** The well-behaved p99 may grow by at most this beside any abuse (issue #15). */
const BUDGET_MS = 5;

const ABUSES: { role: Role; title: string }[] = [
  { role: 'refused-send', title: 'refused-send flood' },
  { role: 'hello', title: 'hello flood' },
  { role: 'history', title: 'history paging' },
  { role: 'idle', title: '2,000 idle sockets' },
  { role: 'slow-reader', title: 'slow readers' },
];

interface Options {
  quick: boolean;
  windows: number;
  /** Node flags for the measured server (a CPU profile). */
  nodeArgs?: string[];
  /** A subset of the abuses, by role. */
  roles?: string[];
}

interface Window {
  wb: WellBehavedWindow;
  cpu: Shares;
  abuse?: AbuseWindow;
  /** ms the server stayed busy after the abuser stopped. */
  settleMs?: number;
}

class Child {
  private readonly process: ChildProcess;
  private exited = false;

  constructor(readonly name: string) {
    this.process = fork(fileURLToPath(new URL('./abuse-worker.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.process.once('exit', () => (this.exited = true));
    process.on('exit', () => this.process.kill('SIGKILL'));
  }

  get pid(): number {
    return this.process.pid!;
  }

  call<T>(request: Request, timeoutMs = 60_000): Promise<T> {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error(`${this.name} exited`));
      const timer = setTimeout(() => reject(new Error(`${this.name}: ${request.cmd} did not finish in ${timeoutMs / 1000} s`)), timeoutMs);
      const onExit = (code: number | null) => reject(new Error(`${this.name} exited (${code}) during ${request.cmd}`));
      this.process.once('exit', onExit);
      this.process.once('message', (reply: { ok: boolean; result?: T; error?: string }) => {
        clearTimeout(timer);
        this.process.off('exit', onExit);
        if (reply.ok) resolve(reply.result as T);
        else reject(new Error(`${this.name}: ${reply.error}`));
      });
      this.process.send(request);
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((r) => this.process.once('exit', r));
    await this.call({ cmd: 'exit' }, 5_000).catch(() => this.process.kill('SIGKILL'));
    await Promise.race([exited, sleep(3_000)]);
    if (!this.exited) this.process.kill('SIGKILL');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function log(line: string): void {
  console.log(`  ${line}`);
}

/**
 * Fills the conversations the hello and history abusers replay. The default
 * budget (a few sends per second per person) would take over an hour for
 * this, so a server with raised send and frame limits writes the database
 * first; the measured server then starts on the same file with its defaults.
 */
async function seed(endpoint: Endpoint): Promise<void> {
  const sockets: WebSocket[] = [];
  let acked = 0;
  let failure: string | undefined;
  const onRaw = (raw: string) => {
    if (raw.startsWith('{"t":"ack"')) acked++;
    else if (raw.startsWith('{"t":"error"')) failure = raw;
  };
  // Several writers: a person may only start a few conversations a minute.
  const writers: WebSocket[] = [];
  for (let w = 0; w < SEED.writers; w++) writers.push(await connectMember(endpoint, `${SEED.writer}${w}`, onRaw));
  sockets.push(...writers);
  for (const user of [SEED.hello, SEED.pager]) sockets.push(await connectMember(endpoint, user, () => {}));
  const total = SEED.conversations * SEED.messages;
  let sent = 0;
  const text = 'Look at this lamp, would it fit the hallway? It comes in brass too.';
  while (acked < total) {
    if (failure) throw new Error(`seeding failed: ${failure}`);
    // Conversation by conversation, each first send creating it; at most 256 unacknowledged.
    for (; sent < total && sent - acked < 256; sent++) {
      const c = Math.floor(sent / SEED.messages);
      const first = sent % SEED.messages === 0;
      if (!first && acked <= c * SEED.messages) break;
      const frame: Record<string, unknown> = { t: 'send', conv: SEED.convId(c), id: `seed${String(sent).padStart(8, '0')}`, body: { kind: 'text', text } };
      if (first) frame.to = [SEED.hello, SEED.pager];
      writers[c % writers.length].send(JSON.stringify(frame));
    }
    await sleep(5);
  }
  for (const ws of sockets) ws.close();
}

/**
 * Waits until the server's CPU share stays under `share` for two 200 ms
 * samples in a row (at most `maxMs`); returns the ms it was busy. Two, because
 * a server starved by other processes can look idle for one sample.
 */
async function settle(server: RunningServer, share = 0.25, maxMs = 15_000): Promise<number> {
  const start = performance.now();
  let quiet = 0;
  for (;;) {
    const c0 = server.cpuSeconds();
    await sleep(200);
    const used = (server.cpuSeconds() - c0) / 0.2;
    quiet = used >= share ? 0 : quiet + 1;
    if (quiet === 2 || performance.now() - start > maxMs) return performance.now() - start - 400;
  }
}

/** CPU shares over one window, 1 = one core: the server, the well-behaved process, the abuser, everything else on the machine. */
interface Shares {
  server: number;
  wb: number;
  abuser: number;
  others: number;
}

function cpuReader(pids: number[]): () => Shares {
  const read = () => ({ machine: machineCpuSeconds(), mine: pids.map((pid) => cpuOf(pid)), self: cpuOf(process.pid), at: performance.now() });
  const start = read();
  return () => {
    const end = read();
    const seconds = (end.at - start.at) / 1000;
    const used = end.mine.map((c, i) => (c - start.mine[i]) / seconds);
    const self = (end.self - start.self) / seconds;
    const [server, wb, abuser = 0] = used;
    return { server, wb, abuser, others: (end.machine - start.machine) / seconds - server - wb - abuser - self };
  };
}

async function measure(pids: number[], wb: Child, ms: number): Promise<{ wb: WellBehavedWindow; cpu: Shares }> {
  const shares = cpuReader(pids);
  let cpu: Shares | undefined;
  const timer = setTimeout(() => (cpu = shares()), ms);
  const result = await wb.call<WellBehavedWindow>({ cmd: 'measure', ms });
  clearTimeout(timer);
  return { wb: result, cpu: cpu ?? shares() };
}

export const ROLES = ABUSES.map((a) => a.role);

export async function runAbuse(options: Options): Promise<void> {
  const abuses = ABUSES.filter((a) => !options.roles || options.roles.includes(a.role));
  const windowMs = options.quick ? 2_000 : 4_000;
  const warmupMs = options.quick ? 300 : 500;
  console.log(
    `\n== Abuse: the well-behaved people's p99 alone vs beside each abuse, ${options.windows} + ${options.windows} alternating windows of ${windowMs / 1000} s each`,
  );
  console.log(
    '  The server runs with its production defaults (no PIN_* limit set); only its database is seeded first, by a run with raised send limits.',
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'pin-bench-abuse-'));
  const secret = randomBytes(32).toString('hex');
  const children: Child[] = [];
  let server: RunningServer | undefined;
  try {
    const t0 = performance.now();
    const seeder = await startServer('server', {
      limits: 'unlimited',
      dataDir,
      secret,
    });
    try {
      await seed(seeder.endpoint);
    } finally {
      await seeder.stop();
    }
    log(`seeded ${SEED.conversations} conversations x ${SEED.messages} messages in ${fmtMs(performance.now() - t0)} ms`);

    server = await startServer('server', { limits: 'production', dataDir, secret, nodeArgs: options.nodeArgs });
    const wb = new Child('well-behaved');
    children.push(wb);
    await wb.call({ cmd: 'setup', role: 'well-behaved', endpoint: server.endpoint });
    const abusers = new Map<Role, Child>();
    for (const { role } of abuses) {
      const child = new Child(role);
      children.push(child);
      await child.call({ cmd: 'setup', role, endpoint: server.endpoint });
      abusers.set(role, child);
    }
    const people = WELL_BEHAVED.pairs * 2;
    log(
      `well-behaved: ${WELL_BEHAVED.pairs} pairs of people, each pair in a group of two; each person sends ${WELL_BEHAVED.sendRate} msg/s ` +
        `and pings ${WELL_BEHAVED.pingRate}/s (${fmtInt(people * WELL_BEHAVED.sendRate)} msg/s, ${fmtInt(people * WELL_BEHAVED.pingRate)} pings/s), in one process`,
    );
    // The first windows of a fresh process are slower (JIT, caches): warm up before measuring.
    await measure([server.pid, wb.pid], wb, 2_000);

    const results = new Map<Role, { alone: Window[]; beside: Window[] }>();
    for (const { role, title } of abuses) {
      const abuser = abusers.get(role)!;
      const alone: Window[] = [];
      const beside: Window[] = [];
      for (let w = 0; w < options.windows; w++) {
        const order = w % 2 === 0 ? ['alone', 'beside'] : ['beside', 'alone'];
        for (const which of order) {
          await settle(server);
          if (which === 'alone') {
            alone.push(await measure([server.pid, wb.pid], wb, windowMs));
            continue;
          }
          await abuser.call({ cmd: 'start' });
          // Idle sockets are measured across the server's headers timeout (5 s by default), when it cuts them.
          await sleep(role === 'idle' ? Math.max(warmupMs, 3_000) : warmupMs);
          const m = await measure([server.pid, wb.pid, abuser.pid], wb, windowMs);
          const abuse = await abuser.call<AbuseWindow>({ cmd: 'stop' });
          beside.push({ ...m, abuse, settleMs: await settle(server) });
        }
        const ended = server.ended();
        if (ended) throw new Error(`the server stopped (${ended}) during the ${title}: a stranger stopped it`);
      }
      results.set(role, { alone, beside });
      const p = (list: Window[], key: 'pings' | 'deliveries') => list.map((x) => fmtMs(percentile(x.wb[key], 99))).join(' ');
      log(`${title}: ping p99 alone ${p(alone, 'pings')} | beside ${p(beside, 'pings')}; delivery p99 alone ${p(alone, 'deliveries')} | beside ${p(beside, 'deliveries')}`);
    }
    printAbuse(abuses, results);
  } finally {
    await Promise.all(children.map((c) => c.close()));
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function p99s(list: Window[], key: 'pings' | 'deliveries'): number[] {
  return list.map((x) => percentile(x.wb[key], 99));
}

function p50s(list: Window[], key: 'pings' | 'deliveries'): number[] {
  return list.map((x) => percentile(x.wb[key], 50));
}

function sum(list: Window[], pick: (w: Window) => number): number {
  return list.reduce((n, w) => n + pick(w), 0);
}

function codes(records: Record<string, number>[]): string {
  const all: Record<string, number> = {};
  for (const r of records) for (const [k, n] of Object.entries(r)) all[k] = (all[k] ?? 0) + n;
  return Object.entries(all)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} x${fmtInt(n)}`)
    .join(', ');
}

function printAbuse(abuses: typeof ABUSES, results: Map<Role, { alone: Window[]; beside: Window[] }>): void {
  console.log(`\nWell-behaved p99 (ms): median of the windows' p99 (lowest-highest); +ms = beside - alone; budget +${BUDGET_MS} ms`);
  const rows = [['abuse', 'ping alone', 'ping beside', '+ms', 'delivery alone', 'delivery beside', '+ms', 'lost/errors beside', 'verdict']];
  const verdicts: string[] = [];
  for (const { role, title } of abuses) {
    const { alone, beside } = results.get(role)!;
    const dPing = median(p99s(beside, 'pings')) - median(p99s(alone, 'pings'));
    const dDelivery = median(p99s(beside, 'deliveries')) - median(p99s(alone, 'deliveries'));
    const lost = sum(beside, (w) => w.wb.lost + w.wb.lostPings);
    const errors = sum(beside, (w) => Object.values(w.wb.errors).reduce((a, b) => a + b, 0));
    const closes = sum(beside, (w) => Object.values(w.wb.closes).reduce((a, b) => a + b, 0));
    const ok = dPing <= BUDGET_MS && dDelivery <= BUDGET_MS && lost === 0 && errors === 0 && closes === 0;
    verdicts.push(ok ? 'PASS' : 'FAIL');
    rows.push([
      title,
      fmtSpread(p99s(alone, 'pings'), fmtMs),
      fmtSpread(p99s(beside, 'pings'), fmtMs),
      signed(dPing),
      fmtSpread(p99s(alone, 'deliveries'), fmtMs),
      fmtSpread(p99s(beside, 'deliveries'), fmtMs),
      signed(dDelivery),
      `${lost}/${errors}${closes ? `, ${closes} closed` : ''}`,
      ok ? 'PASS' : 'FAIL',
    ]);
  }
  console.log(table(rows));
  const p50Rows = [['abuse', 'ping p50 alone', 'beside', 'delivery p50 alone', 'beside', 'samples/window (pings, deliveries)']];
  for (const { role, title } of abuses) {
    const { alone, beside } = results.get(role)!;
    p50Rows.push([
      title,
      fmtMs(median(p50s(alone, 'pings'))),
      fmtMs(median(p50s(beside, 'pings'))),
      fmtMs(median(p50s(alone, 'deliveries'))),
      fmtMs(median(p50s(beside, 'deliveries'))),
      `${fmtInt(median(beside.map((w) => w.wb.pings.length)))}, ${fmtInt(median(beside.map((w) => w.wb.deliveries.length)))}`,
    ]);
  }
  console.log(table(p50Rows));
  for (const { role, title } of abuses) {
    const { alone, beside } = results.get(role)!;
    const refusals = codes(beside.map((w) => w.wb.errors));
    const refusalsAlone = codes(alone.map((w) => w.wb.errors));
    if (refusals || refusalsAlone) console.log(`  well-behaved refused beside ${title}: ${refusals || 'none'}; alone: ${refusalsAlone || 'none'}`);
  }

  console.log(`\nLoad: CPU share per process over the measured windows (100% = one core; median of windows), and what each abuser did (per second of its run)`);
  const loadRows = [
    ['abuse', 'server alone', 'beside', 'well-behaved', 'abuser', 'others alone', 'beside', 'frames/s sent', 'refusals/s', 'reconnects', 'server busy after'],
  ];
  for (const { role, title } of abuses) {
    const { alone, beside } = results.get(role)!;
    const seconds = sum(beside, (w) => w.abuse!.seconds);
    loadRows.push([
      title,
      pct(median(alone.map((w) => w.cpu.server))),
      pct(median(beside.map((w) => w.cpu.server))),
      pct(median(beside.map((w) => w.cpu.wb))),
      pct(median(beside.map((w) => w.cpu.abuser))),
      pct(median(alone.map((w) => w.cpu.others))),
      pct(median(beside.map((w) => w.cpu.others))),
      fmtInt(sum(beside, (w) => w.abuse!.framesSent) / seconds),
      fmtInt(sum(beside, (w) => refusals(w.abuse!.replies)) / seconds),
      fmtInt(sum(beside, (w) => w.abuse!.reconnects)),
      `${fmtMs(median(beside.map((w) => w.settleMs!)))} ms`,
    ]);
  }
  console.log(table(loadRows));
  console.log('  others: every other process on the machine (this bench\'s driver excluded); much above 0% means someone else\'s work skews the figures.');
  console.log('  "server busy after": how long the server stayed above 25% CPU once the abuser stopped (median; at most 15 s is waited).');
  for (const { role, title } of abuses) {
    const beside = results.get(role)!.beside;
    const seconds = sum(beside, (w) => w.abuse!.seconds);
    const replies = codes(beside.map((w) => w.abuse!.replies));
    const closes = codes(beside.map((w) => w.abuse!.closes));
    console.log(`  ${title}: replies ${replies || 'none'} (${fmtInt(sum(beside, (w) => w.abuse!.bytesReceived) / seconds / 1024)} KiB/s received); closes by the server: ${closes || 'none'}`);
    const notes = beside.map((w) => w.abuse!.notes);
    const mid = (key: string) => median(notes.map((n) => n[key]).filter((x) => x !== undefined));
    if (role === 'hello') console.log(`    ${fmtInt(mid('cursorsPerHello'))} cursors per hello, ${SEED.conversations} of them stale in conversations of ${SEED.messages} messages`);
    if (role === 'idle') {
      const lived = (kind: string) => {
        const ms = mid(`${kind}ClosedMedianMs`);
        return Number.isFinite(ms) ? `, those closed lived ${fmtMs(ms / 1000)} s (median)` : ', none closed';
      };
      console.log(
        `    median per window: raw TCP, never sent a byte: ${fmtInt(mid('tcpOpened'))} opened, ${fmtInt(mid('tcpStayed'))} still open after ${fmtMs(mid('tcpHeldMs') / 1000)} s${lived('tcp')}; ` +
          `upgraded, never sent a frame: ${fmtInt(mid('wsOpened'))} opened, ${fmtInt(mid('wsStayed'))} still open after ${fmtMs(mid('wsHeldMs') / 1000)} s${lived('ws')}, ` +
          `${fmtInt(mid('wsRefused') || 0)} refused; opening them took ${fmtMs(mid('openMs') / 1000)} s`,
      );
    }
    if (role === 'slow-reader') {
      console.log(
        `    ${fmtInt(mid('readers'))} paused sockets, each in 20 groups; about ${fmtMs(mid('bytesPerReader') / 2 ** 20)} MiB queued to each per window; ` +
          `${fmtInt(mid('readersCut'))} cut off by the server (median per window)`,
      );
    }
    void seconds;
  }
  const noisy = abuses.filter(({ role }) => {
    const { alone, beside } = results.get(role)!;
    return median(alone.map((w) => w.cpu.others)) > 0.3 || median(beside.map((w) => w.cpu.others)) > 0.3;
  });
  if (noisy.length) {
    console.log(
      `\n  Other processes took over 30% of a core during the windows of ${noisy.map((a) => a.title).join(', ')}: ` +
        `their verdicts measure the machine as much as the server.`,
    );
  }
  const failed = abuses.filter((_, i) => verdicts[i] === 'FAIL').map((a) => a.title);
  console.log(
    `\nAbuse target: the well-behaved ping and delivery p99 grow by at most ${BUDGET_MS} ms beside each abuse, nothing lost: ` +
      (failed.length ? `MISSED under ${failed.join(', ')}` : `met under ${abuses.length === ABUSES.length ? 'all five' : 'each one run'}`),
  );
  console.log(
    `  Every process shares the same ${availableParallelism()} cores: an abuser that takes a core competes with the server for CPU, not only for its event loop.`,
  );
}

function refusals(replies: Record<string, number>): number {
  return Object.entries(replies).reduce((n, [kind, k]) => (kind.startsWith('error') ? n + k : n), 0);
}

function signed(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return `${ms >= 0 ? '+' : ''}${fmtMs(ms)}`;
}
