// Where the panel's time goes: V8 CPU profiles and a Chrome trace of the
// measured windows only (open, appends, older pages), written to a folder
// (open them in Chrome DevTools) and summarised on the console: main-thread
// work by trace event (CPU and wall time) and JavaScript by function.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { table } from '../stats.js';
import { openPage } from './browser.js';
import { OLDER_LOADS } from './harness.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}
interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  /** Thread (CPU) time, where the trace has it. */
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

type Step = 'open' | 'append' | 'older';
const STEPS: Step[] = ['open', 'append', 'older'];
const TOP = 14;

/** Measurements in each step, in the order the page runs them. */
const counts = (appends: number): Record<Step, number> => ({ open: 1, append: appends, older: OLDER_LOADS });

/**
 * Profiles the panel at `n` messages: once with the CPU profiler, once with
 * tracing, each in a fresh page running open, appends and older pages with
 * only the measured windows recorded. Writes `panel-<step>-<n>.cpuprofile`
 * (the step's first window) and `panel-<n>.trace.json` into `dir`.
 */
export async function profileSteps(browser: Browser, origin: string, n: number, dir: string, appends: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const expected = counts(appends);
  console.log(`\nWhere the panel's time goes at ${n.toLocaleString('en-US')} messages (unminified build; files in ${dir})`);
  const profiles = await inFreshPage(browser, origin, n, async (page, cdp) => {
    const got: CpuProfile[] = [];
    cdp.on('Profiler.consoleProfileFinished', (e) => void got.push(e.profile as unknown as CpuProfile));
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
    await page.evaluate(() => window.bench.profile(true));
    const byStep = {} as Record<Step, CpuProfile[]>;
    for (const step of STEPS) {
      const before = got.length;
      await act(page, step, appends);
      await page.waitForTimeout(50); // the profiles come on their own channel
      byStep[step] = got.slice(before);
    }
    return byStep;
  });
  const trace = await inFreshPage(browser, origin, n, async (page, cdp) => {
    await page.evaluate(() => window.bench.profile(true));
    return traced(cdp, async () => {
      for (const step of STEPS) await act(page, step, appends);
    });
  });
  await writeFile(join(dir, `panel-${n}.trace.json`), JSON.stringify({ traceEvents: trace }));
  const windows = markedWindows(trace);
  let next = 0;
  for (const step of STEPS) {
    const mine = windows.slice(next, (next += expected[step]));
    const wall = mine.reduce((sum, w) => sum + (w.end - w.start) / 1000, 0);
    if (profiles[step][0]) await writeFile(join(dir, `panel-${step}-${n}.cpuprofile`), JSON.stringify(profiles[step][0]));
    console.log(`\n${step}: ${mine.length} traced window(s) of ${(wall / Math.max(1, mine.length)).toFixed(1)} ms (tracing slows it down); figures per window`);
    console.log(table([['main thread, by trace event', 'self cpu ms', 'self wall ms', 'count'], ...traceSummary(trace, mine)]));
    console.log(table([['JavaScript, by function (wall clock samples)', 'self ms', 'total ms'], ...profileSummary(profiles[step], origin)]));
  }
}

/** The recorded part of a step. */
function act(page: Page, step: Step, appends: number): Promise<unknown> {
  if (step === 'open') return page.evaluate(() => window.bench.open().then(() => window.bench.settle()));
  if (step === 'append') {
    return page.evaluate(async (k) => {
      for (let i = 0; i < k; i++) {
        await window.bench.append();
        await window.bench.settle();
      }
    }, appends);
  }
  return page.evaluate(async (k) => {
    for (let i = 0; i < k; i++) {
      await window.bench.older();
      await window.bench.settle();
    }
  }, OLDER_LOADS);
}

async function inFreshPage<T>(browser: Browser, origin: string, n: number, body: (page: Page, cdp: CDPSession) => Promise<T>): Promise<T> {
  const { page, cdp, close } = await openPage(browser, origin, 'panel');
  try {
    await page.evaluate((n) => window.bench.setup(n), n);
    return await body(page, cdp);
  } finally {
    await close();
  }
}

async function traced(cdp: CDPSession, body: () => Promise<unknown>): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  const onData = (data: { value: object[] }) => void events.push(...(data.value as TraceEvent[]));
  cdp.on('Tracing.dataCollected', onData);
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: {
      includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.execute', 'blink', 'blink.user_timing', 'cc'],
    },
  });
  await body();
  const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Tracing.end');
  await complete;
  cdp.off('Tracing.dataCollected', onData);
  return events;
}

/** The measured windows, from the page's `bench-start` / `bench-end` marks, in order (trace microseconds). */
function markedWindows(events: TraceEvent[]): { start: number; end: number }[] {
  const marks = events.filter((e) => e.name === 'bench-start' || e.name === 'bench-end').sort((a, b) => a.ts - b.ts);
  const windows: { start: number; end: number }[] = [];
  let start: number | undefined;
  for (const m of marks) {
    if (m.name === 'bench-start') start = m.ts;
    else if (start !== undefined) {
      windows.push({ start, end: m.ts });
      start = undefined;
    }
  }
  return windows;
}

/**
 * Self time of complete events on the renderer's main thread that start
 * inside the windows, by name, per window: wall time and thread (CPU) time.
 * On a busy machine the two differ by the time the thread waited for a core.
 */
function traceSummary(events: TraceEvent[], windows: { start: number; end: number }[]): string[][] {
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main || windows.length === 0) return [['(no renderer main thread or no marks in the trace)', '', '', '']];
  const inside = (ts: number) => windows.some((w) => ts >= w.start && ts < w.end);
  const slices = events
    .filter((e) => e.ph === 'X' && e.pid === main.pid && e.tid === main.tid && e.dur !== undefined && inside(e.ts))
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const self = new Map<string, { wall: number; cpu: number; count: number }>();
  type Open = { end: number; name: string; dur: number; tdur: number; childDur: number; childTdur: number };
  const stack: Open[] = [];
  const pop = () => {
    const top = stack.pop()!;
    const s = self.get(top.name) ?? { wall: 0, cpu: 0, count: 0 };
    s.wall += (top.dur - top.childDur) / 1000;
    s.cpu += (top.tdur - top.childTdur) / 1000;
    s.count += 1;
    self.set(top.name, s);
  };
  for (const e of slices) {
    while (stack.length && stack[stack.length - 1].end <= e.ts) pop();
    const tdur = e.tdur ?? e.dur!;
    if (stack.length) {
      stack[stack.length - 1].childDur += e.dur!;
      stack[stack.length - 1].childTdur += tdur;
    }
    stack.push({ end: e.ts + e.dur!, name: e.name, dur: e.dur!, tdur, childDur: 0, childTdur: 0 });
  }
  while (stack.length) pop();
  const n = windows.length;
  return [...self.entries()]
    .filter(([, s]) => s.wall / n >= 0.02)
    .sort((a, b) => b[1].cpu - a[1].cpu)
    .slice(0, TOP)
    .map(([name, s]) => [name, (s.cpu / n).toFixed(2), (s.wall / n).toFixed(2), (s.count / n).toFixed(1)]);
}

/** Self and total time per function over the windows' profiles, per window (a function counts once per sample in its total). */
function profileSummary(profiles: CpuProfile[], origin: string): string[][] {
  if (profiles.length === 0) return [['(no profile recorded)', '', '']];
  const label = (f: CallFrame) => {
    const where = f.url ? ` ${f.url.replace(origin, '').replace(/^\/+/, '')}:${f.lineNumber + 1}` : '';
    return `${f.functionName || '(anonymous)'}${where}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    profile.samples.forEach((id, i) => {
      // Sample i lasts until sample i + 1. The first one is skipped: it includes the profiler's start.
      if (i === 0) return;
      const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000 / profiles.length;
      const leaf = label(byId.get(id)!.callFrame);
      self.set(leaf, (self.get(leaf) ?? 0) + ms);
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const name = label(byId.get(at)!.callFrame);
        if (seen.has(name)) continue;
        seen.add(name);
        total.set(name, (total.get(name) ?? 0) + ms);
      }
    });
  }
  const skip = new Set(['(root)', '(idle)']);
  const rows = [...self.entries()].filter(([name]) => !skip.has(name)).sort((a, b) => b[1] - a[1]).slice(0, TOP);
  return rows.map(([name, ms]) => [name.length > 90 ? `${name.slice(0, 87)}...` : name, ms.toFixed(2), (total.get(name) ?? 0).toFixed(2)]);
}
