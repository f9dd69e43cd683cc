// Page side of the render benchmark, shared by both pages: the same chat
// (in-memory backend, the real client), the same history, and one way to
// time a change until the frame that shows it. Each page plugs in a `Side`:
// <conversation-panel>, or a peer list fed from the same client by its glue.
import type { Message } from '../../src/protocol/index.js';
import { ChatClient, ConnectionStatus } from '../../src/state/client.js';
import { memoryOutboxStorage } from '../../src/state/outbox-storage.js';
import { MemoryTransport, TestChat } from '../../src/testing/index.js';
import { seedHistory } from './data.js';

/**
 * The page's view: `box` is the benchmark's 360 x 520 stage, `full` a stage
 * filling the window (the runner gives such pages a 1024 x 768 window).
 */
// The runner imports this module too (for its constants): no page there.
const inPage = typeof document !== 'undefined';
export const VIEW = inPage && new URLSearchParams(location.search).get('view') === 'full' ? 'full' : 'box';
if (inPage && VIEW === 'full') {
  const stage = document.getElementById('stage')!.style;
  stage.inset = '0';
  stage.inlineSize = '100%';
  stage.blockSize = '100%';
}

/**
 * Every task over 50 ms since the page loaded (start, duration). The runner
 * reads those in one phase's window: seeding the history is not measured.
 */
const longTasks: { start: number; ms: number }[] = [];
if (inPage) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push({ start: e.startTime, ms: e.duration });
  }).observe({ type: 'longtask', buffered: true });
}

/** Messages per page of older history (the client's default page). */
export const OLDER_PAGE = 50;
/** Older pages loaded per measurement page. */
export const OLDER_LOADS = 3;
const ME = 'ada';
const OTHER = 'bob';

export interface Context {
  chat: TestChat;
  /** The reader's client. */
  client: ChatClient;
  /** The other person, who sends the appended messages. */
  other: ChatClient;
  conv: string;
  /** Where the element goes (a 360 x 520 box, or the whole window: see VIEW). */
  stage: HTMLElement;
}

/** What a page measures: one element showing the conversation. */
export interface Side {
  /** Creates and connects the element showing `ctx.conv`. */
  open(ctx: Context): void;
  /** Removes the element and drops its glue. */
  close(): void;
  /** Nothing rendered is behind the client's state (no update pending). */
  idle(): boolean;
  /** The newest loaded message is rendered and scrolled into view. */
  showsNewest(newest: Message): boolean;
  /** Scrolls to `top` px in the history. */
  scrollTo(top: number): void;
  /** The history's visible height. */
  viewHeight(): number;
  /** The first message at least partly in view: its seq and its top edge (px, viewport). */
  firstInView(): { seq: number; top: number } | undefined;
  /** Top edge of message `seq` if it is rendered. */
  topOf(seq: number): number | undefined;
  /** Message elements in the DOM. */
  rendered(): number;
  /** The history's scrollable height: it grows while an element still gives older messages their rows. */
  extent(): number;
}

export interface OlderResult {
  /** The first message in view stayed where it was (within 2 px). */
  kept: boolean;
  /** How far it moved, px. */
  shift: number;
  /** The same once the page has settled after showing the change. */
  keptSettled: boolean;
  settledShift: number;
  /** Messages loaded by the time the change showed. */
  loaded: number;
}

export interface Timing {
  /** From the change (or the frame it reached the client) to the end of the frame that shows it. */
  ms: number;
  /** Frames it took, counting the one it started in. */
  frames: number;
}

/** Set by profile.ts: each measurement is then recorded alone (a CPU profile, trace marks around it). */
let profiling = false;

/** Calls `callback` in a task after the current frame has been rendered. */
function afterFrame(callback: () => void): void {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    callback();
  };
  channel.port2.postMessage(0);
}

/**
 * Runs `trigger` at the start of a frame (in a rAF callback, so no time is
 * spent waiting for one) and resolves after the end of the first frame by
 * which `done()` holds, i.e. once that frame's style, layout and paint have
 * run on the main thread. The time counts from `start()` when given (the
 * moment a frame from the server reached the client), else from the trigger.
 */
export function untilShown(trigger: () => void, done: () => boolean, start?: () => number | undefined, timeoutMs = 30_000): Promise<Timing> {
  return new Promise((resolve, reject) => {
    let t0 = 0;
    let count = 0;
    const deadline = performance.now() + timeoutMs;
    const finish = (): void => {
      const end = performance.now();
      if (profiling) {
        console.profileEnd('bench');
        performance.mark('bench-end');
      }
      const from = start?.() ?? t0;
      resolve({ ms: end - from, frames: count });
    };
    const check = (): void => {
      count += 1;
      if (done()) afterFrame(finish);
      else if (performance.now() > deadline) reject(new Error('timed out waiting for the change to show'));
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(() => {
      if (profiling) {
        performance.mark('bench-start');
        console.profile('bench');
      }
      t0 = performance.now();
      count = 1;
      try {
        trigger();
      } catch (error) {
        reject(error);
        return;
      }
      afterFrame(() => (done() ? finish() : requestAnimationFrame(check)));
    });
  });
}

/** Resolves after `n` frames. */
export function frames(n = 2): Promise<void> {
  return new Promise((resolve) => {
    const step = (): void => void (--n <= 0 ? afterFrame(resolve) : requestAnimationFrame(step));
    requestAnimationFrame(step);
  });
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** When the last frame of each type reached the reader's client. */
const arrivals = new Map<string, number>();
/**
 * While set, the next frame of this type is held back from the reader's client (see `older`): its data once
 * held, and the call that hands it over.
 */
let holding: { type: string; data?: string; release?: () => void } | undefined;

/** The page's `window.bench`, driven by the runner. */
export function install(side: Side): void {
  let ctx: Context | undefined;
  let appended = 0;

  const timeline = () => ctx!.client.timeline(ctx!.conv).get();

  const api = {
    /** Seeds a conversation of `n` + the older pages, connects both people and loads the newest `n` messages. */
    async setup(n: number): Promise<{ loaded: number; total: number }> {
      const chat = new TestChat();
      // Spare older pages: an element may load more than one page for one scroll.
      const conv = seedHistory(chat, ME, OTHER, n + OLDER_PAGE * (OLDER_LOADS + 3));
      const transport = new MemoryTransport({ backend: chat.backend, user: ME, heartbeat: false });
      // Registered before the client's own listener: stamps the moment a frame arrives.
      transport.addEventListener('message', (event) => {
        const at = performance.now();
        // The type leads every frame the server writes; parsing it all here would be timed too.
        const type = /^\{"t":"(\w+)"/.exec(event.data)?.[1] ?? (JSON.parse(event.data) as { t: string }).t;
        if (holding?.type === type && holding.data === undefined) {
          // Kept from the client's own listener (registered after this one) until released: then
          // dispatched again, and it arrives then.
          event.stopImmediatePropagation();
          const data = event.data as string;
          holding.data = data;
          holding.release = () => {
            holding = undefined;
            transport.dispatchEvent(new MessageEvent('message', { data }));
          };
          return;
        }
        arrivals.set(type, at);
      });
      const client = new ChatClient({ user: ME, transport, outboxStorage: memoryOutboxStorage() });
      client.start();
      const other = chat.client(OTHER);
      ctx = { chat, client, other, conv, stage: document.getElementById('stage')! };
      await until(() => client.$status.get() === ConnectionStatus.Online && other.$status.get() === ConnectionStatus.Online, 'online');
      await until(() => timeline().messages.length > 0, 'welcome');
      while (timeline().messages.length < n) await client.loadOlder(conv, Math.min(200, n - timeline().messages.length));
      return { loaded: timeline().messages.length, total: chat.backend.storage.getConversation(conv)!.lastSeq };
    },

    /** Connects the element with the conversation and times it until the newest messages are on screen. */
    async open(): Promise<Timing> {
      const newest = timeline().messages.at(-1)!;
      return untilShown(
        () => side.open(ctx!),
        () => side.idle() && side.showsNewest(newest),
      );
    },

    /** Closes the element (a later `open` then runs without first-use costs). */
    async close(): Promise<void> {
      side.close();
      await frames(2);
    },

    /** The other person sends a message; timed from its arrival at the reader's client until it is on screen. */
    async append(): Promise<Timing> {
      const expected = timeline().hi + 1;
      appended += 1;
      arrivals.delete('msg');
      return untilShown(
        () => void ctx!.other.sendText(ctx!.conv, `#new${appended} one more pin for the board`),
        () => timeline().hi === expected && side.idle() && side.showsNewest(timeline().messages.at(-1)!),
        () => arrivals.get('msg'),
      );
    },

    /**
     * Scrolls near the top, then up into the loading zone, where the element
     * (or its glue) asks for the previous page. The server's reply is held
     * until the element has rendered its rows there and the anchor (the first
     * message in view) is taken, then handed to the client at the start of a
     * frame. Timed from that arrival until the end of the frame that shows
     * the page; `kept` says whether the message in view stayed put.
     */
    async older(): Promise<Timing & OlderResult> {
      const height = side.viewHeight();
      side.scrollTo(height + 40);
      await frames(3);
      await until(() => side.idle() && !timeline().loadingOlder, 'idle before loading older');
      // Read after the untimed scroll: in a tall view it may already reach the loading zone, and a page loaded
      // then would end the timed step as soon as it began.
      const before = timeline().lo;
      if (before <= 1) throw new Error('no older history left');
      arrivals.delete('history');
      const held: { type: string; data?: string; release?: () => void } = { type: 'history' };
      holding = held;
      let anchor: { seq: number; top: number } | undefined;
      let timing: Timing;
      try {
        side.scrollTo(height / 4);
        // The element asks for the page and renders the rows where the reader now is; the page waits.
        await until(() => held.release !== undefined, 'the request for older history', 10_000);
        await frames(3);
        await until(side.idle, 'idle with the older page held');
        await frames(2);
        anchor = side.firstInView();
        timing = await untilShown(
          () => held.release!(),
          () => timeline().lo < before && !timeline().loadingOlder && side.idle(),
          () => arrivals.get('history'),
        );
      } finally {
        if (holding === held) holding = undefined;
      }
      const after = anchor ? side.topOf(anchor.seq) : undefined;
      const shift = anchor && after !== undefined ? after - anchor.top : Number.NaN;
      const loaded = before - timeline().lo;
      // A list may show the page with the view moved, then put it back once it has measured the new rows.
      await api.settle();
      const later = anchor ? side.topOf(anchor.seq) : undefined;
      const settledShift = anchor && later !== undefined ? later - anchor.top : Number.NaN;
      return { ...timing, kept: Math.abs(shift) < 2, shift, keptSettled: Math.abs(settledShift) < 2, settledShift, loaded };
    },

    /**
     * Waits until nothing is pending, work an element left for idle periods
     * is done (the panel gives a long history's older messages their rows
     * then, a step per idle period: the history grows until an idle period
     * passes without a change) and a few frames have passed.
     */
    async settle(): Promise<void> {
      await until(side.idle, 'idle');
      const deadline = performance.now() + 60_000;
      for (let before = side.extent(); ; ) {
        await new Promise((resolve) => requestIdleCallback(resolve));
        await until(side.idle, 'idle');
        const now = side.extent();
        if (now === before) break;
        if (performance.now() > deadline) throw new Error('timed out: still changing after idle periods');
        before = now;
      }
      await frames(3);
    },

    rendered: () => side.rendered(),
    now: () => performance.now(),
    longTasks: (since: number) => longTasks.filter((t) => t.start >= since).map((t) => t.ms),
    loaded: () => timeline().messages.length,
    profile: (on: boolean) => void (profiling = on),
  };
  window.bench = api;
}

declare global {
  interface Window {
    bench: BenchApi;
  }
}

export type BenchApi = {
  setup(n: number): Promise<{ loaded: number; total: number }>;
  open(): Promise<Timing>;
  close(): Promise<void>;
  append(): Promise<Timing>;
  older(): Promise<Timing & OlderResult>;
  settle(): Promise<void>;
  rendered(): number;
  /** The page's clock, to mark the start of a window for `longTasks`. */
  now(): number;
  /** Durations of the tasks over 50 ms that started at `since` or later. */
  longTasks(since: number): number[];
  loaded(): number;
  /** Brackets every measurement with `console.profile` and `bench-start`/`bench-end` marks. */
  profile(on: boolean): void;
};
