import { LIMITS } from './limits.js';

/** Why a URL was refused by {@link checkHttpUrl}. */
export type UrlProblem = 'not_absolute' | 'scheme' | 'credentials' | 'length' | 'host';

/**
 * Parses `raw` as an absolute http(s) URL and returns its normalised form, or
 * the reason it was refused. Only such URLs may ever become a live link or an
 * image source: `javascript:`, `data:`, `vbscript:`, scheme-relative
 * (`//host`) and entity- or percent-mangled schemes all fail the parse or the
 * scheme check. Credentials are refused because `https://bank.example@evil.example`
 * shows one host and opens another.
 */
export function checkHttpUrl(raw: string): { ok: true; href: string; host: string } | { ok: false; problem: UrlProblem } {
  if (raw.length > LIMITS.urlLength) return { ok: false, problem: 'length' };
  // Control characters and spaces are stripped by the URL parser, which is how
  // `java\nscript:` becomes `javascript:`; refuse them instead of normalising.
  if (/[\u0000-\u0020\u007f-\u009f]/.test(raw)) return { ok: false, problem: 'not_absolute' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: 'not_absolute' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, problem: 'scheme' };
  if (url.username || url.password) return { ok: false, problem: 'credentials' };
  if (!url.hostname || url.hostname.endsWith('.') && url.hostname.length === 1) return { ok: false, problem: 'host' };
  if (url.href.length > LIMITS.urlLength) return { ok: false, problem: 'length' };
  return { ok: true, href: url.href, host: url.hostname };
}

/** The normalised href of a safe http(s) URL, or `undefined`. For rendering. */
export function safeHref(raw: string | undefined | null): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const result = checkHttpUrl(raw);
  return result.ok ? result.href : undefined;
}

/** The host a person will really land on (punycode for international names), for display. */
export function displayHost(raw: string): string | undefined {
  const result = checkHttpUrl(raw);
  return result.ok ? result.host.replace(/^www\./, '') : undefined;
}
