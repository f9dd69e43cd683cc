import { tagFor } from '../internal/define.js';

const NAME = 'conversation-panel';
let loading: Promise<string> | undefined;
let fetchModule: (() => Promise<unknown>) | undefined;

/**
 * How to fetch the panel's module when no panel is registered: the stack's own
 * entry (`pin-messaging/chat-head-stack`) sets a dynamic import, which bundlers
 * and the loader's build split off. Entries that register the panel along with
 * the stack set nothing, and so bundle no lazy wrapper around it.
 */
export function setPanelModule(load: () => Promise<unknown>): void {
  fetchModule = load;
}

/**
 * The tag conversations open in, once its element is registered: a panel
 * registered under another name (`defineElements`) or by another copy of the
 * library is used as it is; otherwise the panel's module is fetched here, on
 * demand, so that heads and their badges never wait for it. A failed fetch
 * is forgotten, so that the next attempt fetches again.
 */
export function loadPanel(): Promise<string> {
  loading ??= (tagFor(NAME) || customElements.get(NAME) || !fetchModule ? Promise.resolve() : fetchModule())
    .then(() => {
      const tag = tagFor(NAME) ?? NAME;
      return customElements.whenDefined(tag).then(() => tag);
    })
    .catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
  return loading;
}

/** The panel's tag if its element is registered by now. */
export function panelTag(): string | undefined {
  const tag = tagFor(NAME) ?? NAME;
  return customElements.get(tag) ? tag : undefined;
}
