import { checkHttpUrl } from '../../protocol/index.js';

/** A run of a message's text: plain text, or a link that passed the http(s) check, shown as its host and path. */
export type TextPart = { text: string } | { href: string; host: string; path: string };

// Only http(s) is ever matched: `javascript:`, `data:` and friends stay plain text.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that usually ends a sentence rather than the URL.
const TRAILING = /[.,;:!?'")\]}]+$/;
/** Characters that change the reading order of the text around them (overrides, embeddings, isolates, marks). */
export const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// Besides those, characters that show nothing: two addresses differing only by them would look the same.
const KEEP_ESCAPED = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u0080-\u009f\u00ad\u200b\u2060\ufeff]/gu;
/** Longer paths are cut in the middle; the end, which names the file, stays. */
const PATH_HEAD = 20;
const PATH_TAIL = 20;

/**
 * Splits text into plain runs and links. A candidate becomes a link only when
 * {@link checkHttpUrl} accepts it; the link carries the host a person will
 * really land on (punycode for international names, no `www.`) and the path
 * as the address bar would show it (see {@link readablePath}).
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
    const url = new URL(checked.href);
    const rest = url.pathname + url.search + url.hash;
    parts.push({ href: checked.href, host: url.host.replace(/^www\./, ''), path: rest === '/' ? '' : readablePath(rest) });
    last = start + raw.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/**
 * A normalised URL's path, query and fragment for display: escaped UTF-8 is
 * shown as its text, except characters that reorder or hide. Those stay
 * escaped, as browsers' address bars keep them, rather than being removed:
 * the escape is really part of the address (a path with U+202E is another
 * path than the one without), and seeing it tells the reader something was
 * hidden there. Long ones lose their middle, never a whole escape.
 */
function readablePath(path: string): string {
  const shown = path.replace(/(?:%[89a-f][0-9a-f])+/gi, (run) => {
    try {
      return decodeURIComponent(run).replace(KEEP_ESCAPED, encodeURIComponent);
    } catch {
      return run; // not UTF-8: shown as it is
    }
  });
  const chars = shown.match(/%[0-9a-f]{2}|[^]/giu)!;
  return chars.length > PATH_HEAD + PATH_TAIL + 1 ? chars.slice(0, PATH_HEAD).join('') + '…' + chars.slice(-PATH_TAIL).join('') : shown;
}

/** True when `href` leaves the page's own site. */
export function isExternal(href: string): boolean {
  try {
    return new URL(href).origin !== globalThis.location?.origin;
  } catch {
    return true;
  }
}
