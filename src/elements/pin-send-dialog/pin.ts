import { html, nothing, type TemplateResult } from 'lit';
import { checkHttpUrl, displayHost, type PinInput } from '../../protocol/index.js';
import { DESCRIPTION_CODE_POINTS, TITLE_CODE_POINTS } from '../../protocol/limit-values.js';
import type { Strings } from '../internal/strings.js';

/** The attribute that marks a declarative trigger; its value may name a dialog's `id`. */
export const TRIGGER_ATTRIBUTE = 'data-pin-send';

/** A pin as the dialog shows it: only checked http(s) URLs survive. */
export interface PinView {
  title: string;
  description?: string;
  /** Normalised image URL, or undefined when it was not a plain http(s) URL. */
  image?: string;
  /** The real host the pin links to, for display. */
  domain?: string;
  /** The pin, ready to send; undefined when it cannot be sent. */
  valid?: PinInput;
}

function clip(text: string | undefined, max: number): string | undefined {
  if (!text) return undefined;
  const points = [...text.trim()];
  return points.length > max ? points.slice(0, max).join('') : points.join('');
}

/**
 * Checks a pin before anything is shown or sent: its page and image must be
 * absolute http(s) URLs (no `javascript:`, `data:` or scheme-relative links)
 * and it needs a title. Over-long titles and descriptions are clipped to the
 * protocol's limits rather than refused.
 */
export function viewPin(pin: Partial<PinInput> | undefined): PinView | undefined {
  if (!pin) return undefined;
  const title = clip(pin.title, TITLE_CODE_POINTS) ?? '';
  const description = clip(pin.description, DESCRIPTION_CODE_POINTS);
  const url = checkHttpUrl(pin.url ?? '');
  const image = checkHttpUrl(pin.image ?? '');
  const view: PinView = {
    title,
    ...(description ? { description } : {}),
    ...(image.ok ? { image: image.href } : {}),
    ...(url.ok ? { domain: displayHost(url.href) } : {}),
  };
  if (url.ok && image.ok && title) {
    view.valid = { url: url.href, image: image.href, title, ...(description ? { description } : {}) };
  }
  return view;
}

/**
 * Reads a pin from a trigger's `data-pin-url`, `data-pin-image`, `data-pin-title` and
 * `data-pin-description`. The URLs are resolved against the page, as a link's `href` is.
 */
export function pinFromTrigger(trigger: HTMLElement): Partial<PinInput> {
  const { pinTitle, pinDescription } = trigger.dataset;
  return {
    url: resolved(trigger, 'url'),
    image: resolved(trigger, 'image'),
    title: pinTitle ?? '',
    ...(pinDescription ? { description: pinDescription } : {}),
  };
}

/** Attribute values already warned about: each is said once. */
const warned = new Set<string>();

// A relative `img/mug.svg` used to make the pin unsendable with nothing on the console: the
// dialog tells the reader, and this tells the page's developer which attribute to fix.
function resolved(trigger: HTMLElement, name: 'url' | 'image'): string {
  const attribute = `data-pin-${name}`;
  const value = trigger.getAttribute(attribute) ?? '';
  let href = value;
  // Empty stays empty (not the page's own address); control characters stay for the check to refuse.
  if (value && !/[\u0000-\u0020\u007f-\u009f]/.test(value)) {
    try {
      href = new URL(value, trigger.ownerDocument.baseURI).href;
    } catch {
      // Kept as written: the check below refuses it.
    }
  }
  if (!checkHttpUrl(href).ok && !warned.has(attribute + value)) {
    warned.add(attribute + value);
    console.warn(`pin-messaging: ${attribute}="${value}" is not an http(s) URL, so this pin cannot be sent; use an absolute http(s) URL or a path on this page's site`);
  }
  return href;
}

/** The declarative trigger a click landed in, looking through open shadow roots. */
export function triggerOf(event: Event): HTMLElement | undefined {
  for (const node of event.composedPath()) {
    if (node instanceof HTMLElement && node.hasAttribute(TRIGGER_ATTRIBUTE)) return node;
  }
  return undefined;
}

/** The pin preview: its image only when it is a checked http(s) URL, its title always as text. */
export function renderPinPreview(view: PinView | undefined, t: Strings): TemplateResult | typeof nothing {
  if (!view) return nothing;
  return html`<figure class="preview" part="preview" aria-label=${t.pinToSend}>
      ${view.image
        ? html`<img part="preview-image" src=${view.image} alt="" referrerpolicy="no-referrer" />`
        : html`<span class="no-image" part="preview-image"></span>`}
      <figcaption>
        <span class="pin-title">${view.title}</span>
        ${view.domain ? html`<span class="domain">${view.domain}</span>` : nothing}
      </figcaption>
    </figure>
    ${view.valid ? nothing : html`<p class="error" part="error" role="alert">${t.pinInvalid}</p>`}`;
}
