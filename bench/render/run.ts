// Render benchmark: <conversation-panel> against the strongest windowed
// lists, @lit-labs/virtualizer and react-virtuoso (the list under Stream's
// React chat), and against <vaadin-message-list> (which renders every row),
// side by side in the same run, in Chromium. Every subject shows the same
// conversation (text and pin cards with images) from the same client: open
// it at 1,000 and 10,000 messages, receive one new message, load a page of
// older history; in the bench's 360 x 520 box and filling a 1024 x 768
// window. Every repetition runs in a fresh page; the subjects take turns. A
// benchmark, not a test: it prints figures and the targets.
//
//   npm run bench:render -- [--runs 5] [--sizes 1000,10000] [--views box,full] [--appends 5]
//                           [--subjects panel,lit-virtualizer,virtuoso,vaadin] [--quick] [--profile dir]
//                           [--against <git ref>]
//
// --quick: 3 fresh pages per subject and 3 appends (about a third of the time).
// --profile dir then records the panel at the largest size with the CPU
// profiler and with tracing (an unminified build), writes the files into dir
// and prints where the time goes.
// --against ref: a paired run: the panel as it was at `ref` (subject
// `before`, see before.ts) takes turns with the working tree's in the same
// run, and each table is followed by their medians and ratios.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { fmtMs, fmtRatio, median, table } from '../stats.js';
import { buildBefore } from './before.js';
import { buildPages } from './build.js';
import { heap, launch, mainThreadMs, openPage, SIDES, type SideName, type View } from './browser.js';
import type { Timing } from './harness.js';
import { OLDER_LOADS, OLDER_PAGE } from './harness.js';
import { profileSteps } from './profile.js';
import { serve } from './serve.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runs = Number(valueOf('--runs') ?? (quick ? 3 : 5));
const sizes = (valueOf('--sizes') ?? '1000,10000').split(',').map(Number);
const views = (valueOf('--views') ?? 'box,full').split(',') as View[];
const appends = Number(valueOf('--appends') ?? (quick ? 3 : 5));
const subjects = (valueOf('--subjects') ?? valueOf('--only') ?? SIDES.join(',')).split(',') as SideName[];
const profileDir = valueOf('--profile');
const against = valueOf('--against');
if (against) subjects.unshift('before');
if (
  !(runs >= 1) ||
  sizes.some((n) => !(n >= 20)) ||
  !(appends >= 1) ||
  views.some((v) => v !== 'box' && v !== 'full') ||
  subjects.some((s) => s !== 'before' && !SIDES.includes(s))
) {
  console.error(
    'usage: bench/render/run.ts [--runs N] [--sizes 1000,10000] [--views box,full] [--appends N] [--subjects ' +
      SIDES.join(',') +
      '] [--quick] [--profile dir] [--against <git ref>]',
  );
  process.exit(2);
}

/** The peers the panel's targets are set against (vaadin renders every row: a windowed list beats it easily). */
const PEERS: SideName[] = ['lit-virtualizer', 'virtuoso'];
const VIEW_NAME: Record<View, string> = { box: '360x520 box', full: '1024x768 window' };
/** Against the faster of PEERS, medians; `longestMs`: no task over it, ever. Earlier rounds' absolute targets follow. */
const TARGET = { speedup: 2, longestMs: 50, openMs: 50, openAt: 10_000, appendMs: 4, heapMB: 30, heapAt: 10_000 };
const MB = 1024 * 1024;

interface PageResult {
  open: number;
  openFrames: number;
  /** Main-thread CPU time over the open call (the work, not the waiting for a core). */
  openCpu: number;
  /** Main-thread CPU time from the open until the page is settled: deferred row building included. */
  settledCpu: number;
  /** Tasks over 50 ms from the open until settled, ms each. */
  openLong: number[];
  /** Opening again after closing: without first-use costs (styles, templates, fonts, formatters). */
  reopen: number;
  reopenCpu: number;
  appends: number[];
  older: number[];
  kept: boolean[];
  shifts: number[];
  keptSettled: boolean[];
  olderLoaded: number[];
  /** Tasks over 50 ms from the first append to the last older page settled, ms each. */
  laterLong: number[];
  /** Element's heap: after opening minus before (JS + DOM), bytes. */
  heapElement: number;
  /** Whole page heap after opening (JS + DOM), bytes: includes the history and the in-memory server. */
  heapTotal: number;
  /** Message elements in the DOM once open. */
  rendered: number;
}

function valueOf(flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

async function measurePage(browser: Browser, origin: string, side: SideName, n: number, view: View): Promise<PageResult> {
  const { page, cdp, close } = await openPage(browser, origin, side, view);
  try {
    const setup = await page.evaluate((n) => window.bench.setup(n), n);
    if (setup.loaded !== n) throw new Error(`${side}: loaded ${setup.loaded} messages, wanted ${n}`);
    const before = await heap(cdp);
    const t0 = await page.evaluate(() => window.bench.now());
    let cpu = await mainThreadMs(cdp);
    const open: Timing = await page.evaluate(() => window.bench.open());
    const openCpu = (await mainThreadMs(cdp)) - cpu;
    await page.evaluate(() => window.bench.settle());
    const settledCpu = (await mainThreadMs(cdp)) - cpu;
    const openLong = await page.evaluate((t) => window.bench.longTasks(t), t0);
    const after = await heap(cdp);
    const rendered = await page.evaluate(() => window.bench.rendered());
    await page.evaluate(() => window.bench.close());
    cpu = await mainThreadMs(cdp);
    const reopen = await page.evaluate(() => window.bench.open());
    const reopenCpu = (await mainThreadMs(cdp)) - cpu;
    await page.evaluate(() => window.bench.settle());
    const result: PageResult = {
      open: open.ms,
      openFrames: open.frames,
      openCpu,
      settledCpu,
      openLong,
      reopen: reopen.ms,
      reopenCpu,
      appends: [],
      older: [],
      kept: [],
      shifts: [],
      keptSettled: [],
      olderLoaded: [],
      laterLong: [],
      heapElement: after.js + after.dom - before.js - before.dom,
      heapTotal: after.js + after.dom,
      rendered,
    };
    const t1 = await page.evaluate(() => window.bench.now());
    for (let i = 0; i < appends; i++) {
      const a = await page.evaluate(() => window.bench.append());
      result.appends.push(a.ms);
      await page.evaluate(() => window.bench.settle());
    }
    for (let i = 0; i < OLDER_LOADS; i++) {
      const o = await page.evaluate(() => window.bench.older());
      result.older.push(o.ms);
      result.kept.push(o.kept);
      result.shifts.push(Math.abs(o.shift));
      result.keptSettled.push(o.keptSettled);
      result.olderLoaded.push(o.loaded);
      await page.evaluate(() => window.bench.settle());
    }
    result.laterLong = await page.evaluate((t) => window.bench.longTasks(t), t1);
    return result;
  } finally {
    await close();
  }
}

interface Summary {
  median: number;
  min: number;
  max: number;
}

function summary(values: number[]): Summary | undefined {
  return values.length ? { median: median(values), min: Math.min(...values), max: Math.max(...values) } : undefined;
}

const fmtSpread = (s: Summary, fmt = fmtMs) => `${fmt(s.median)} (${fmt(s.min)}-${fmt(s.max)})`;
const fmtMB = (bytes: number) => (bytes / MB).toFixed(1);
const fmtCount = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

type Verdict = { target: string; pass: boolean };
/** Every verdict of the run, for the closing summary. */
const verdicts: { where: string; what: string; verdict: Verdict; ratio: string }[] = [];

function report(n: number, view: View, results: Map<SideName, PageResult[]>): void {
  const shown = subjects;
  const peers = PEERS.filter((p) => shown.includes(p));
  const where = `${n.toLocaleString('en-US')} msgs, ${VIEW_NAME[view]}`;
  const rows: string[][] = [['', ...shown.map((s) => `${s} median (min-max)`), 'faster peer', 'peer/panel', 'target', 'panel']];
  const get = (side: SideName, pick: (r: PageResult) => number | number[]) => summary((results.get(side) ?? []).flatMap((r) => pick(r)));
  /**
   * One measure. `target` gets the panel's summary and the faster peer's (lower median); `ratio`
   * says whether a peer/panel ratio means something for it.
   */
  const line = (
    label: string,
    pick: (r: PageResult) => number | number[],
    fmt: (v: number) => string,
    options: { target?: (p: Summary, fast?: Summary) => Verdict | undefined; ratio?: boolean } = {},
  ) => {
    const s = new Map(shown.map((side) => [side, get(side, pick)]));
    const panel = s.get('panel');
    let fast: { side: SideName; s: Summary } | undefined;
    for (const p of peers) {
      const v = s.get(p);
      if (v && (!fast || v.median < fast.s.median)) fast = { side: p, s: v };
    }
    const ratio = options.ratio !== false && panel && fast ? fmtRatio(fast.s.median, panel.median) : '';
    const verdict = panel && options.target ? options.target(panel, fast?.s) : undefined;
    if (verdict) verdicts.push({ where, what: label.trim(), verdict, ratio });
    rows.push([
      label,
      ...shown.map((side) => {
        const v = s.get(side);
        return v ? fmtSpread(v, fmt) : '-';
      }),
      fast && options.ratio !== false ? fast.side : '',
      ratio,
      verdict?.target ?? '',
      verdict ? (verdict.pass ? 'PASS' : 'FAIL') : '',
    ]);
  };
  const faster = (p: Summary, fast?: Summary): Verdict | undefined =>
    fast ? { target: `>= ${TARGET.speedup}x faster peer`, pass: fast.median / p.median >= TARGET.speedup } : undefined;
  const noMore = (p: Summary, fast?: Summary): Verdict | undefined =>
    fast ? { target: '<= either peer', pass: p.median <= fast.median } : undefined;
  const noLong = (p: Summary): Verdict => ({ target: `no task > ${TARGET.longestMs} ms`, pass: p.max <= 0 });
  const big = n >= TARGET.openAt;
  const inBox = view === 'box';

  line('open (first paint), ms', (r) => r.open, fmtMs, { target: faster });
  if (big && inBox) {
    line('  (earlier target: absolute)', (r) => r.open, fmtMs, {
      ratio: false,
      target: (p) => ({ target: `<= ${TARGET.openMs} ms`, pass: p.median <= TARGET.openMs }),
    });
  }
  line('  main-thread CPU, ms', (r) => r.openCpu, fmtMs);
  line('  frames to show', (r) => r.openFrames, fmtCount, { ratio: false });
  line('open until settled: main-thread CPU, ms', (r) => r.settledCpu, fmtMs, { target: noMore });
  line('  tasks > 50 ms, count per page', (r) => r.openLong.length, fmtCount, { ratio: false, target: noLong });
  line('  longest task > 50 ms, ms', (r) => (r.openLong.length ? Math.max(...r.openLong) : []), fmtMs, { ratio: false });
  line('open again, ms', (r) => r.reopen, fmtMs);
  line('  main-thread CPU, ms', (r) => r.reopenCpu, fmtMs);
  line('append 1 message, ms', (r) => r.appends, fmtMs, { target: faster });
  if (inBox) {
    line('  (earlier target: absolute)', (r) => r.appends, fmtMs, {
      ratio: false,
      target: (p) => ({ target: `<= ${TARGET.appendMs} ms`, pass: p.median <= TARGET.appendMs }),
    });
  }
  line(`load ${OLDER_PAGE} older, ms`, (r) => r.older, fmtMs, { target: faster });
  line('  messages loaded', (r) => r.olderLoaded, fmtCount, { ratio: false });
  line('  view kept when shown, % of loads', (r) => r.kept.map((k) => (k ? 100 : 0)), (x) => x.toFixed(0), { ratio: false });
  line('  view moved by, px', (r) => r.shifts, (x) => x.toFixed(0), { ratio: false });
  line('  view kept once settled, % of loads', (r) => r.keptSettled.map((k) => (k ? 100 : 0)), (x) => x.toFixed(0), { ratio: false });
  line('appends + older: tasks > 50 ms, count per page', (r) => r.laterLong.length, fmtCount, { ratio: false, target: noLong });
  line('  longest task > 50 ms, ms', (r) => (r.laterLong.length ? Math.max(...r.laterLong) : []), fmtMs, { ratio: false });
  line('heap of the element, MB', (r) => r.heapElement, fmtMB);
  line('page heap total, MB', (r) => r.heapTotal, fmtMB, {
    ratio: false,
    target: big && inBox ? (p) => ({ target: `<= ${TARGET.heapMB} MB (earlier)`, pass: p.median <= TARGET.heapMB * MB }) : undefined,
  });
  line('message elements in DOM', (r) => r.rendered, fmtCount, { ratio: false });
  const pages = [...new Set(shown.map((s) => results.get(s)?.length ?? 0))].join('/');
  console.log(`\n${where} (${pages} fresh pages per subject, ${appends} appends and ${OLDER_LOADS} older pages in each)`);
  console.log(table(rows));
  if (results.has('before')) paired(results);
}

/** Old against new, from the same run: medians and before/after (above 1: the working tree's panel is faster). */
function paired(results: Map<SideName, PageResult[]>): void {
  const measures: [string, (r: PageResult) => number | number[]][] = [
    ['open, ms', (r) => r.open],
    ['open: main-thread CPU, ms', (r) => r.openCpu],
    ['open until settled: main-thread CPU, ms', (r) => r.settledCpu],
    ['open: longest task, ms (0: none over 50)', (r) => Math.max(0, ...r.openLong)],
    ['append 1 message, ms', (r) => r.appends],
    [`load ${OLDER_PAGE} older, ms`, (r) => r.older],
  ];
  const med = (side: SideName, pick: (r: PageResult) => number | number[]) => median((results.get(side) ?? []).flatMap(pick));
  const rows = measures.map(([label, pick]) => {
    const [b, a] = [med('before', pick), med('panel', pick)];
    return [label, fmtMs(b), fmtMs(a), a > 0 ? fmtRatio(b, a) : '-'];
  });
  console.log(table([[`paired: panel at ${against} against the working tree's`, 'before', 'after', 'before/after'], ...rows]));
}

function closing(): void {
  if (!verdicts.length) return;
  const failed = verdicts.filter((v) => !v.verdict.pass);
  console.log(`\nTargets: ${verdicts.length - failed.length} PASS, ${failed.length} FAIL`);
  if (failed.length) {
    console.log(
      table([
        ['FAIL', 'where', 'target', 'peer/panel'],
        ...failed.map((f) => [f.what, f.where, f.verdict.target, f.ratio]),
      ]),
    );
  }
}

function loadNote(): string {
  const [one] = loadavg();
  const cores = availableParallelism();
  const busy = one > cores * 0.7;
  return `load average ${one.toFixed(2)} on ${cores} cores${busy ? ': the machine is busy, expect noisy figures (rerun when it is quiet)' : ''}`;
}

async function main(): Promise<void> {
  const out = await mkdtemp(join(tmpdir(), 'bench-render-'));
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  let beforeServer: Awaited<ReturnType<typeof serve>> | undefined;
  let browser: Browser | undefined;
  try {
    console.log(
      `Render benchmark: ${subjects.join(', ')}; ${runs} fresh pages per subject, size and view; sizes ${sizes.join(', ')}; views ${views.map((v) => VIEW_NAME[v]).join(', ')}`,
    );
    console.log(`Start: ${loadNote()}`);
    await buildPages(out);
    server = await serve(out);
    if (against) {
      await buildBefore(against, join(out, 'before'));
      beforeServer = await serve(join(out, 'before'));
    }
    const originOf = (side: SideName) => (side === 'before' ? beforeServer! : server!).origin;
    browser = await launch();
    console.log(`Chromium ${browser.version()}, pages built in production mode`);
    const started = performance.now();
    let failures = 0;
    for (const n of sizes) {
      for (const view of views) {
        const results = new Map<SideName, PageResult[]>(subjects.map((s) => [s, []]));
        for (let run = 0; run < runs; run++) {
          // Each subject leads in turn, so none always runs just after the same neighbour.
          const order = subjects.map((_, i) => subjects[(i + run) % subjects.length]);
          for (const side of order) {
            try {
              results.get(side)!.push(await measurePage(browser, originOf(side), side, n, view));
              process.stdout.write('.');
            } catch (error) {
              // One subject failing a page leaves the others' figures standing; the table says how many pages each had.
              failures += 1;
              console.error(`\n${side}, ${n} messages, ${VIEW_NAME[view]}: ${(error as Error).message.split('\n')[0]}`);
            }
          }
        }
        report(n, view, results);
      }
    }
    closing();
    if (failures) console.log(`\n${failures} page(s) failed (see above): their subjects have fewer pages in the tables.`);
    console.log(
      [
        '',
        'Subjects: the panel; @lit-labs/virtualizer and react-virtuoso (windowed lists: the targets are set against the faster',
        '  of the two, by median); vaadin-message-list renders every row (shown for reference). The peers render the same',
        '  messages as comparable bubbles (day lines, avatar and time on the first of a run, text bubbles, pin cards with an',
        '  image), each fed from the same client by glue an integrator would write (see each page for what the list does itself).',
        'open: connecting the element with the conversation, until the end of the frame that shows its newest messages;',
        '  "until settled": main-thread CPU from the open until nothing is pending and an idle period passed without the',
        '  history changing height (work a list defers to idle time, or re-measuring rows, is counted);',
        '  tasks > 50 ms: long tasks from the open until settled, and over the appends and older pages (never: target);',
        '  "again": closed and opened anew in the same page, without first-use costs (styles, templates, fonts, Intl);',
        '  every subject builds its date/time formatters while the page is idle after loading, before the first open',
        '  (as on a page that registers the element and opens a conversation later); opened at once, add 10-20 ms for them.',
        '  The panel also makes its templates and its first style and layout pass at idle after registration (warm.ts:',
        '  three idle tasks of 10-30 ms each on a quiet machine), before the measured window, which does not count them;',
        '  opened before they have run, its first open takes about 30-50 ms longer.',
        "  main-thread CPU: the renderer main thread's CPU time (not the time spent waiting for a core).",
        "append, older: from the server's frame reaching the reader's client until the end of the frame that shows it.",
        '  older: the reply is held until the list has rendered the rows where the reader scrolled and the first message',
        '  in view is noted; it then reaches the client at the start of a frame. "view moved by": how far that message moved.',
        'peer/panel: the faster peer\'s median over the panel\'s (above 1: the panel is faster).',
        "heap: JS + DOM (V8 and Blink's Oilpan heaps) after full GC; the element's is after opening minus before;",
        "  the page total also holds the client's history and the in-memory server's own copy of it.",
        `Measured in ${((performance.now() - started) / 60_000).toFixed(1)} min.`,
      ].join('\n'),
    );
    if (profileDir) {
      const profOut = await mkdtemp(join(tmpdir(), 'bench-render-prof-'));
      try {
        await buildPages(profOut, { minify: false });
        const profServer = await serve(profOut);
        try {
          await profileSteps(browser, profServer.origin, Math.max(...sizes), profileDir, appends);
        } finally {
          await profServer.close();
        }
      } finally {
        await rm(profOut, { recursive: true, force: true });
      }
    }
    console.log(`\nEnd: ${loadNote()}`);
  } finally {
    await browser?.close();
    await server?.close();
    await beforeServer?.close();
    await rm(out, { recursive: true, force: true });
  }
}

await main();
