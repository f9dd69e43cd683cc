/**
 * Webhook signatures: `Pin-Signature: t=<unix seconds>,v1=<hex>`, where v1 is
 * HMAC-SHA256 over `<t>.<body>` under the shared secret. Signing the
 * timestamp with the body lets a receiver refuse a captured delivery replayed
 * later (older than {@link SIGNATURE_TOLERANCE_SECONDS}). Web Crypto by
 * default, so a Cloudflare worker can use it as it is; a host with a cheaper
 * HMAC (Node's createHmac costs a fifth of a Web Crypto sign) passes its own
 * {@link Signer}.
 */
export const SIGNATURE_HEADER = 'Pin-Signature';

/** How old a signature timestamp a receiver should accept (documented for receivers). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

/** HMAC keys by secret: a host signs every delivery with the same one or two. */
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(secret, key);
  }
  return key;
}

/** HMAC-SHA256 of `text` under `secret`, lowercase hex. */
export type Signer = (secret: string, text: string) => string | Promise<string>;

/** The Web Crypto signer, available on every host. */
export const webCryptoSigner: Signer = (secret, text) => hmacHex(secret, text);

async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await hmacKey(secret);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(text)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The header value for `body` sent at `unixSeconds`. */
export async function signatureHeader(secret: string, unixSeconds: number, body: string, sign: Signer = webCryptoSigner): Promise<string> {
  const t = Math.floor(unixSeconds);
  return `t=${t},v1=${await sign(secret, `${t}.${body}`)}`;
}

/**
 * Whether `header` signs `body` under `secret` with a timestamp within the
 * tolerance of `nowSeconds` (what a receiver does; the tests use it too).
 */
export async function verifySignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): Promise<boolean> {
  if (!header) return false;
  const parts = new Map<string, string[]>();
  for (const item of header.split(',')) {
    const at = item.indexOf('=');
    if (at > 0) parts.set(item.slice(0, at).trim(), [...(parts.get(item.slice(0, at).trim()) ?? []), item.slice(at + 1).trim()]);
  }
  const t = Number(parts.get('t')?.[0]);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = await hmacHex(secret, `${t}.${body}`);
  return (parts.get('v1') ?? []).some((v) => constantTimeEqual(v, expected));
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
