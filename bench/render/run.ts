// Render benchmark: <conversation-panel> against <vaadin-message-list> (the
// closest web-component peer), side by side in the same run, in Chromium.
// Both show the same conversation from the same client: open it at 1,000
// and 10,000 messages, receive one new message, load a page of older
// history. Every repetition runs in a fresh page; the sides alternate. A
// benchmark, not a test: it prints figures and the targets.
//
//   npm run bench:render -- [--runs 5] [--sizes 1000,10000] [--appends 5] [--only panel|peer] [--profile dir]
//
// --profile dir then records the panel at the largest size with the CPU
// profiler and with tracing (an unminified build), writes the files into dir
// and prints where the time goes.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { fmtMs, fmtRatio, median, table } from '../stats.js';
import { buildPages } from './build.js';
import { heap, launch, mainThreadMs, openPage, type SideName } from './browser.js';
import type { Timing } from './harness.js';
import { OLDER_LOADS, OLDER_PAGE } from './harness.js';
import { profileSteps } from './profile.js';
import { serve } from './serve.js';

const args = process.argv.slice(2);
const runs = Number(valueOf('--runs') ?? 5);
const sizes = (valueOf('--sizes') ?? '1000,10000').split(',').map(Number);
const appends = Number(valueOf('--appends') ?? 5);
const only = valueOf('--only') as SideName | undefined;
const profileDir = valueOf('--profile');
if (!(runs >= 1) || sizes.some((n) => !(n >= 20)) || !(appends >= 1) || (only && only !== 'panel' && only !== 'peer')) {
  console.error('usage: bench/render/run.ts [--runs N] [--sizes 1000,10000] [--appends N] [--only panel|peer] [--profile dir]');
  process.exit(2);
}
const sides: SideName[] = only ? [only] : ['panel', 'peer'];

const TARGET = { openMs: 50, openAt: 10_000, openRatio: 5, appendMs: 4, heapMB: 30, heapAt: 10_000 };
const MB = 1024 * 1024;

interface PageResult {
  open: number;
  openFrames: number;
  /** Main-thread CPU time over the open call (the work, not the waiting for a core). */
  openCpu: number;
  /** Opening again after closing: without first-use costs (styles, templates, fonts, formatters). */
  reopen: number;
  reopenCpu: number;
  appends: number[];
  older: number[];
  kept: boolean[];
  shifts: number[];
  olderLoaded: number[];
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

async function measurePage(browser: Browser, origin: string, side: SideName, n: number): Promise<PageResult> {
  const { page, cdp, close } = await openPage(browser, origin, side);
  try {
    const setup = await page.evaluate((n) => window.bench.setup(n), n);
    if (setup.loaded !== n) throw new Error(`${side}: loaded ${setup.loaded} messages, wanted ${n}`);
    const before = await heap(cdp);
    let cpu = await mainThreadMs(cdp);
    const open: Timing = await page.evaluate(() => window.bench.open());
    const openCpu = (await mainThreadMs(cdp)) - cpu;
    await page.evaluate(() => window.bench.settle());
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
      reopen: reopen.ms,
      reopenCpu,
      appends: [],
      older: [],
      kept: [],
      shifts: [],
      olderLoaded: [],
      heapElement: after.js + after.dom - before.js - before.dom,
      heapTotal: after.js + after.dom,
      rendered,
    };
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
      result.olderLoaded.push(o.loaded);
      await page.evaluate(() => window.bench.settle());
    }
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

function summary(values: number[]): Summary {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

const fmtSpread = (s: Summary, fmt = fmtMs) => `${fmt(s.median)} (${fmt(s.min)}-${fmt(s.max)})`;
const fmtMB = (bytes: number) => (bytes / MB).toFixed(1);

function report(n: number, results: Record<SideName, PageResult[]>): void {
  const get = (side: SideName, pick: (r: PageResult) => number | number[]) =>
    results[side].length ? summary(results[side].flatMap((r) => pick(r))) : undefined;
  const rows: string[][] = [['', 'panel median (min-max)', 'vaadin median (min-max)', 'vaadin/panel', 'target', 'panel']];
  const line = (
    label: string,
    pick: (r: PageResult) => number | number[],
    fmt: (v: number) => string,
    target?: (p: Summary, v?: Summary) => [string, boolean],
    ratio = true,
  ) => {
    const p = get('panel', pick);
    const v = get('peer', pick);
    const verdict = p && target ? target(p, v) : undefined;
    rows.push([
      label,
      p ? fmtSpread(p, fmt) : '-',
      v ? fmtSpread(v, fmt) : '-',
      p && v && ratio ? fmtRatio(v.median, p.median) : '',
      verdict?.[0] ?? '',
      verdict ? (verdict[1] ? 'met' : 'MISSED') : '',
    ]);
  };
  const big = n >= TARGET.openAt;
  const openTarget = (p: Summary, v?: Summary): [string, boolean] => [
    `<= ${TARGET.openMs} ms, >= ${TARGET.openRatio}x faster`,
    p.median <= TARGET.openMs && (!v || v.median / p.median >= TARGET.openRatio),
  ];
  line(`open (first in the page), ms`, (r) => r.open, fmtMs, big ? openTarget : undefined);
  line(`  main-thread CPU, ms`, (r) => r.openCpu, fmtMs);
  line(`  frames to show`, (r) => r.openFrames, (x) => String(x), undefined, false);
  line(`open again, ms`, (r) => r.reopen, fmtMs, big ? openTarget : undefined);
  line(`  main-thread CPU, ms`, (r) => r.reopenCpu, fmtMs);
  line(`append 1 message, ms`, (r) => r.appends, fmtMs, (p) => [`<= ${TARGET.appendMs} ms`, p.median <= TARGET.appendMs]);
  line(`load ${OLDER_PAGE} older, ms`, (r) => r.older, fmtMs);
  line(`  messages loaded`, (r) => r.olderLoaded, (x) => String(x), undefined, false);
  line(`  view kept, % of loads`, (r) => r.kept.map((k) => (k ? 100 : 0)), (x) => x.toFixed(0), undefined, false);
  line(`  view moved by, px`, (r) => r.shifts, (x) => x.toFixed(0), undefined, false);
  line(`heap of the element, MB`, (r) => r.heapElement, fmtMB);
  line(`page heap total, MB`, (r) => r.heapTotal, fmtMB, n >= TARGET.heapAt ? (p) => [`<= ${TARGET.heapMB} MB`, p.median <= TARGET.heapMB * MB] : undefined);
  line(`message elements in DOM`, (r) => r.rendered, (x) => String(x), undefined, false);
  const runsDone = Math.max(results.panel.length, results.peer.length);
  console.log(`\n${n.toLocaleString('en-US')} messages (${runsDone} fresh pages per side, ${appends} appends and ${OLDER_LOADS} older pages in each)`);
  console.log(table(rows));
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
  let browser: Browser | undefined;
  try {
    console.log(`Render benchmark: <conversation-panel> vs <vaadin-message-list>, ${runs} runs per side and size`);
    console.log(`Start: ${loadNote()}`);
    await buildPages(out);
    server = await serve(out);
    browser = await launch();
    console.log(`Chromium ${browser.version()}, pages built in production mode`);
    for (const n of sizes) {
      const results: Record<SideName, PageResult[]> = { panel: [], peer: [] };
      for (let run = 0; run < runs; run++) {
        const order = run % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) {
          results[side].push(await measurePage(browser, server.origin, side, n));
          process.stdout.write('.');
        }
      }
      report(n, results);
    }
    console.log(
      [
        '',
        'open: connecting the element with the conversation, until the end of the frame that shows its newest messages;',
        '  "again": closed and opened anew in the same page, without first-use costs (styles, templates, fonts, Intl);',
        "  both sides build their date/time formatters while the page is idle after loading, before the first open",
        '  (as on a page that registers the element and opens a conversation later); opened at once, add 10-20 ms for them.',
        "  main-thread CPU: the renderer main thread's CPU time over the call (not the time spent waiting for a core).",
        "append, older: from the server's frame reaching the reader's client until the end of the frame that shows it.",
        "heap: JS + DOM (V8 and Blink's Oilpan heaps) after full GC; the element's is after opening minus before;",
        "  the page total also holds the client's history and the in-memory server's own copy of it.",
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
    await rm(out, { recursive: true, force: true });
  }
}

await main();
