/** The library version, stamped on every element class to detect two copies on one page. */
export const VERSION = '0.1.0';

interface Versioned {
  readonly version?: string;
}

/**
 * Registers an element unless the tag is taken. A page that loads the library
 * twice (two bundles, a CDN copy and an npm copy) keeps the first definition,
 * and a warning names the clash when the versions differ. Pass another `tag` to
 * register under another name where the host already uses ours.
 */
export function defineElement(tag: string, ctor: CustomElementConstructor & Versioned): void {
  if (typeof customElements === 'undefined') return; // server-side import: nothing to register
  const existing = customElements.get(tag) as (CustomElementConstructor & Versioned) | undefined;
  if (!existing) {
    customElements.define(tag, ctor);
    return;
  }
  if (existing === ctor) return;
  if (existing.version !== ctor.version) {
    console.warn(
      `pin-messaging: <${tag}> is already defined by version ${existing.version ?? 'unknown'}; version ${ctor.version} was not registered.`,
    );
  }
}
