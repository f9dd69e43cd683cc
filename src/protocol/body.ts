import type { Body } from './schema.js';
import type { StoredBody } from './server-frames.js';
import { checkHttpUrl } from './url.js';

/**
 * The body as a server stores it: URLs in their normalised form and the pin's
 * `domain` taken from its URL, so a pin cannot claim another site. Clients use
 * the same function to show their own acknowledged message exactly as the
 * others receive it. Throws if a URL is not http(s): validate the frame first.
 */
export function storedBody(body: Body): StoredBody {
  if (body.kind === 'text') return { kind: 'text', text: body.text };
  const { pin } = body;
  const url = checkHttpUrl(pin.url);
  const image = checkHttpUrl(pin.image);
  if (!url.ok || !image.ok) throw new Error('a pin URL is not a plain http(s) URL');
  const stored: StoredBody = {
    kind: 'pin',
    pin: { url: url.href, image: image.href, title: pin.title, domain: url.host },
  };
  if (pin.description !== undefined) stored.pin.description = pin.description;
  if (body.note !== undefined) stored.note = body.note;
  return stored;
}
