/** The library version, stamped on every element class to detect two copies on one page. */
export const VERSION = '0.1.0';

interface Versioned {
  readonly version?: string;
}

type ElementClass = CustomElementConstructor & Versioned;

/** Where each of our classes got registered first. */
const registeredAs = new WeakMap<CustomElementConstructor, string>();
/** Each element's default name -> the tag it got on this page: the stack opens its panel by name, without its class. */
const tagsByName = new Map<string, string>();

/**
 * Registers an element unless the tag is taken. A page that loads the library
 * twice (two bundles, a CDN copy and an npm copy) keeps the first definition,
 * and a warning names the clash when the versions differ. Pass another `tag` to
 * register under another name where the host already uses ours.
 */
export function defineElement(tag: string, ctor: ElementClass, name = tag): void {
  if (typeof customElements === 'undefined') return; // server-side import: nothing to register
  const existing = customElements.get(tag) as ElementClass | undefined;
  // Ours (this copy's or another's) holds the tag from now on; a host's own element does not count.
  if (!tagsByName.has(name) && (!existing || existing.version !== undefined)) tagsByName.set(name, tag);
  if (!existing) {
    // A constructor backs one tag only: a second name gets a trivial subclass.
    customElements.define(tag, registeredAs.has(ctor) ? subclassOf(ctor) : ctor);
    if (!registeredAs.has(ctor)) registeredAs.set(ctor, tag);
    return;
  }
  if (existing === ctor || existing.prototype instanceof ctor) return;
  if (existing.version !== ctor.version) {
    console.warn(
      `pin-messaging: <${tag}> is already defined by version ${existing.version ?? 'unknown'}; version ${ctor.version} was not registered.`,
    );
  }
}

function subclassOf(ctor: CustomElementConstructor): CustomElementConstructor {
  return class extends (ctor as new () => HTMLElement) {};
}

/** The tag the element named `name` (its default tag) was first registered under by this copy, if any. */
export function tagFor(name: string): string | undefined {
  return tagsByName.get(name);
}

/** The tag `ctor` was first registered under on this page, if any. */
export function tagNameOf(ctor: CustomElementConstructor): string | undefined {
  return registeredAs.get(ctor);
}
