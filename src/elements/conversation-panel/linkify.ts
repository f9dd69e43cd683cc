import { checkHttpUrl } from '../../protocol/index.js';

/** A run of a message's text: plain text, or a link that passed the http(s) check. */
export type TextPart = { text: string } | { text: string; href: string; host: string };

// Only http(s) is ever matched: `javascript:`, `data:` and friends stay plain text.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that usually ends a sentence rather than the URL.
const TRAILING = /[.,;:!?'")\]}]+$/;

/**
 * Splits text into plain runs and links. A candidate becomes a link only when
 * {@link checkHttpUrl} accepts it; the link carries the host a person will
 * really land on (punycode for international names, no `www.`).
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const raw = match[0].replace(TRAILING, '');
    const start = match.index ?? 0;
    const checked = checkHttpUrl(raw);
    if (!checked.ok) continue;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: raw, href: checked.href, host: checked.host.replace(/^www\./, '') });
    last = start + raw.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/** True when `href` leaves the page's own site. */
export function isExternal(href: string): boolean {
  try {
    return new URL(href).origin !== globalThis.location?.origin;
  } catch {
    return true;
  }
}
