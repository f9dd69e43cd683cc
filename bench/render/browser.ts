import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import './harness.js'; // the page's `window.bench` type

/** A subject: its page is `<name>.html` (vaadin's is peer.html, the first peer this bench had). */
export const SIDES = ['panel', 'lit-virtualizer', 'virtuoso', 'vaadin'] as const;
/** `before`: the panel of another git ref, in a paired run (see before.ts). */
export type SideName = (typeof SIDES)[number] | 'before';
const PAGE: Record<SideName, string> = { panel: 'panel', 'lit-virtualizer': 'lit-virtualizer', virtuoso: 'virtuoso', vaadin: 'peer', before: 'panel' };

/** `box`: the 360 x 520 stage in a 1280 x 800 window; `full`: the stage fills a 1024 x 768 window. */
export type View = 'box' | 'full';
const WINDOW: Record<View, { width: number; height: number }> = { box: { width: 1280, height: 800 }, full: { width: 1024, height: 768 } };

/** Debian's Chromium (or CHROME_PATH's), headless, with the project's flags. */
export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
}

/** JS heap (V8) and DOM heap (Blink's Oilpan) in use after two full collections, bytes. */
export async function heap(cdp: CDPSession): Promise<{ js: number; dom: number }> {
  for (let i = 0; i < 2; i++) await cdp.send('HeapProfiler.collectGarbage');
  const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; embedderHeapUsedSize?: number };
  return { js: usage.usedSize, dom: usage.embedderHeapUsedSize ?? 0 };
}

/**
 * CPU time the page's main thread has used so far, ms. On a busy machine the
 * wall-clock figures include time spent waiting for a core; this does not.
 */
export async function mainThreadMs(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return (metrics.find((m) => m.name === 'ThreadTime')?.value ?? Number.NaN) * 1000;
}

/** A fresh context and page on one side's benchmark page, with its CDP session. */
export async function openPage(
  browser: Browser,
  origin: string,
  side: SideName,
  view: View = 'box',
): Promise<{ page: Page; cdp: CDPSession; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: WINDOW[view] });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${side}] page error: ${error.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') console.error(`[${side}] console ${msg.type()}: ${msg.text()}`);
  });
  page.on('request', (req) => {
    if (!req.url().startsWith(origin)) console.error(`[${side}] unexpected request: ${req.url()}`);
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  await page.goto(`${origin}/${PAGE[side]}.html?view=${view}`);
  await page.waitForFunction(() => 'bench' in window && self.crossOriginIsolated);
  return { page, cdp, close: () => context.close() };
}
