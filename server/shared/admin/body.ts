import { AdminError } from './errors.js';

/**
 * Largest request body read, in bytes: a full batch of 1,000 profiles with
 * long names and 2 KiB avatar URLs stays under 3.5 MiB.
 */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The request's JSON body: 415 unless it says it is JSON, 413 past the cap, 400 when it does not parse. */
export async function readJson(request: Request, cap = MAX_BODY_BYTES): Promise<unknown> {
  const type = request.headers.get('Content-Type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new AdminError(415, 'unsupported_media_type', 'send the body as JSON with Content-Type: application/json');
  }
  const text = await readText(request, cap);
  try {
    return JSON.parse(text);
  } catch {
    throw new AdminError(400, 'bad_json', 'the body is not valid JSON');
  }
}

export function tooLarge(cap = MAX_BODY_BYTES): AdminError {
  return new AdminError(413, 'body_too_large', `the body is over ${cap} bytes`);
}

/** Reads at most `cap` bytes, stopping (and cancelling the rest) as soon as there are more. */
async function readText(request: Request, cap: number): Promise<string> {
  const declared = Number(request.headers.get('Content-Length') ?? NaN);
  if (declared > cap) throw tooLarge(cap);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel().catch(() => {});
      throw tooLarge(cap);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(all);
  } catch {
    throw new AdminError(400, 'bad_json', 'the body is not UTF-8');
  }
}
