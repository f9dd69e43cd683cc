import { whenIdle } from './idle.js';

const TIME: Intl.DateTimeFormatOptions = { hour: 'numeric', minute: '2-digit' };
const WEEKDAY: Intl.DateTimeFormatOptions = { weekday: 'long' };
const DATE: Intl.DateTimeFormatOptions = { dateStyle: 'medium' };

const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * One formatter per locale and style: building one costs far more than
 * formatting, and the first one built in a page costs the most (10-20 ms in
 * Chromium, loading the locale's data). Keyed by the style's name, not its
 * options, because rows format their times on every render.
 */
function formatter(locale: string | undefined, style: 'time' | 'weekday' | 'date'): Intl.DateTimeFormat {
  const key = locale ? `${locale}|${style}` : style;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, style === 'time' ? TIME : style === 'weekday' ? WEEKDAY : DATE);
    formats.set(key, format);
  }
  return format;
}

/** Time of day in the reader's locale, e.g. "14:05" or "2:05 PM". */
export function formatTime(at: number, locale?: string): string {
  return formatter(locale, 'time').format(at);
}

/** Calendar day key used to place date separators. */
export function dayKey(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** A day's label: "Today", "Yesterday", a weekday within a week, else a date. */
export function formatDay(at: number, today: string, yesterday: string, now = Date.now(), locale?: string): string {
  const startOfToday = new Date(now).setHours(0, 0, 0, 0);
  if (at >= startOfToday) return today;
  if (at >= startOfToday - 86_400_000) return yesterday;
  if (at >= startOfToday - 6 * 86_400_000) return formatter(locale, 'weekday').format(at);
  return formatter(locale, 'date').format(at);
}

let warming = false;

/**
 * Builds the reader's-locale formatters while the page is idle, one per idle
 * period, so that the first conversation opened later shows without waiting
 * for them. Not outside a browser (server rendering): there they are built on
 * first use.
 */
export function warmFormatters(): void {
  if (warming || typeof document === 'undefined') return;
  warming = true;
  const styles = ['time', 'weekday', 'date'] as const;
  let next = 0;
  const step = (): void => {
    formatter(undefined, styles[next++]);
    if (next < styles.length) whenIdle(step);
  };
  whenIdle(step);
}
