import { displayHost } from '../../protocol/index.js';
import { PinLinkRequestEvent } from '../internal/events.js';
import type { Strings } from '../internal/strings.js';
import { isExternal } from './linkify.js';
import { askLink, type Confirm } from './parts.js';

/**
 * Sends a click on a link in a message through the link check: the host page
 * may take the link over (`pin-link-request`), a link to another site asks the
 * reader first (`ask`), any other opens in a new tab. Returns whether the
 * click was on a link.
 */
export function followLink(host: HTMLElement, event: MouseEvent, t: Strings, ask: (confirm: Confirm) => void): boolean {
  const link = event.composedPath().find((n): n is HTMLAnchorElement => n instanceof HTMLAnchorElement && !!n.href);
  if (!link) return false;
  event.preventDefault();
  const href = link.href;
  const shown = displayHost(href) ?? '';
  if (!host.dispatchEvent(new PinLinkRequestEvent({ url: href, host: shown }))) return true;
  const open = () => void window.open(href, '_blank', 'noopener,noreferrer');
  if (isExternal(href)) ask(askLink(t, shown, open));
  else open();
  return true;
}
