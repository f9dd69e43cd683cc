const formats = new Map<string, Intl.DateTimeFormat>();

/** One formatter per locale and style: building one costs far more than formatting. */
function formatter(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) formats.set(key, (format = new Intl.DateTimeFormat(locale, options)));
  return format;
}

/** Time of day in the reader's locale, e.g. "14:05" or "2:05 PM". */
export function formatTime(at: number, locale?: string): string {
  return formatter(locale, { hour: 'numeric', minute: '2-digit' }).format(at);
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
  if (at >= startOfToday - 6 * 86_400_000) return formatter(locale, { weekday: 'long' }).format(at);
  return formatter(locale, { dateStyle: 'medium' }).format(at);
}
