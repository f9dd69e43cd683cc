/** Time of day in the reader's locale, e.g. "14:05" or "2:05 PM". */
export function formatTime(at: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }).format(at);
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
  if (at >= startOfToday - 6 * 86_400_000) return new Intl.DateTimeFormat(locale, { weekday: 'long' }).format(at);
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(at);
}
