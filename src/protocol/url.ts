import { URL_LENGTH } from './limit-values.js';

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
  if (raw.length > URL_LENGTH) return { ok: false, problem: 'length' };
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
  if (url.href.length > URL_LENGTH) return { ok: false, problem: 'length' };
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

/**
 * Whether a URL host (as `URL.hostname` gives it: IPv4 already in dotted
 * form, IPv6 in brackets) names this machine or a private, link-local,
 * shared or unspecified network. A pin's image is fetched by every
 * recipient's browser: such a host would turn a message into a request
 * into the recipient's own network (a router page, a cloud metadata address).
 * Names that merely resolve to such addresses cannot be told apart here;
 * only the literal forms and the reserved names are.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return true;
  if (host.startsWith('[')) return isPrivateIpv6(host.slice(1, -1));
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  return v4 ? isPrivateIpv4(v4.slice(1).map(Number)) : false;
}

function isPrivateIpv4([a, b]: number[]): boolean {
  return (
    a === 0 || // "this network"
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local, cloud metadata
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    a >= 224 // multicast, reserved, broadcast
  );
}

function isPrivateIpv6(ip: string): boolean {
  if (ip === '::' || ip === '::1') return true;
  // IPv4-mapped and -translated forms carry an IPv4 address in their last 32 bits.
  const mapped = /^::ffff:(?:0:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(ip);
  if (mapped) {
    const hi = parseInt(mapped[1], 16);
    const lo = parseInt(mapped[2], 16);
    return isPrivateIpv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  }
  // The rest of ::/8 is reserved (IPv4-compatible addresses among it).
  if (ip.startsWith('::')) return true;
  const first = parseInt(ip.split(':')[0], 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00;
}
