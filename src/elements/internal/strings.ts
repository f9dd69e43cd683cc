import type { DIALOG_STRINGS } from './strings/dialog.js';
import type { PANEL_STRINGS } from './strings/panel.js';
import type { STACK_STRINGS } from './strings/stack.js';

/**
 * Every string a person can see or hear (DEFAULT_STRINGS). Override some or all of
 * them once for the page with {@link setStrings}, or per element through its
 * `strings` property. Functions receive the values to interpolate.
 *
 * The defaults are kept per element (`./strings/`), so that each element's module
 * carries only its own: the chat heads, which every page view loads, need a few.
 */
export type Strings = typeof STACK_STRINGS & typeof PANEL_STRINGS & typeof DIALOG_STRINGS;

let page: Partial<Strings> = {};
/** Each element's defaults merged with the page's overrides, made again after `setStrings`. */
let merged = new WeakMap<object, Strings>();
const listeners = new Set<() => void>();

/** Overrides strings for every element on the page (for example a translation). */
export function setStrings(overrides: Partial<Strings>): void {
  page = { ...page, ...overrides };
  merged = new WeakMap();
  for (const listener of listeners) listener();
}

/**
 * An element's defaults merged with the page's strings and the element's own
 * overrides. Without overrides the same object comes back until the page's strings
 * change. Typed as every string: each element reads only its own.
 */
export function stringsFor(defaults: object, overrides?: Partial<Strings>): Strings {
  let strings = merged.get(defaults);
  if (!strings) merged.set(defaults, (strings = { ...defaults, ...page } as Strings));
  return overrides ? { ...strings, ...overrides } : strings;
}

/** Calls `listener` when the page's strings change; returns the unsubscribe function. */
export function onStringsChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
