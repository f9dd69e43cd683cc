/**
 * pin-messaging/loader: what a page includes instead of the whole library.
 * It registers nothing heavy itself; each element's module is fetched when
 * its moment comes, never before the page's load event:
 *
 * - `<chat-head-stack>` and `<conversation-panel>`, when the tag is in the
 *   document (now or later), at the first idle moment after the load event;
 * - `<pin-send-dialog>`, when a `data-pin-send` trigger is first hovered,
 *   focused or clicked. A click that comes before the module still opens the
 *   dialog for the pin clicked, once the module is in;
 * - the state bus and the socket, when {@link connect} is called, at the first
 *   idle moment after the load event;
 * - the panel a head opens, by `<chat-head-stack>` itself (see its `prefetch`).
 *
 * {@link load} fetches elements at once, for a page that opens the send
 * dialog from its own code or wants the heads sooner.
 *
 * @example
 * <script type="module">
 *   import { connect } from 'https://cdn.jsdelivr.net/npm/pin-messaging/dist/cdn/loader.js';
 *   connect({ user: 'ana', token: () => fetch('/messaging-token').then((r) => r.text()) });
 * </script>
 */
import type { ConnectOptions } from './connect.js';
import type { ChatClient } from './state/client.js';

/** The elements the loader fetches, by their default tags. */
export type LoadableElement = 'chat-head-stack' | 'conversation-panel' | 'pin-send-dialog';

const MODULES: Record<LoadableElement, () => Promise<unknown>> = {
  'chat-head-stack': () => import('./elements/chat-head-stack/define.js'),
  'conversation-panel': () => import('./elements/conversation-panel/define.js'),
  'pin-send-dialog': () => import('./elements/pin-send-dialog/define.js'),
};
/** Loaded at idle once their tag is in the document; the dialog waits for its triggers. */
const ON_SIGHT = ['chat-head-stack', 'conversation-panel'] as const;
const DIALOG = 'pin-send-dialog';
const TRIGGER = 'data-pin-send';
const INTERACTIONS = ['pointerover', 'focusin', 'click'] as const;

const loading = new Map<LoadableElement, Promise<unknown>>();
const seen = new Set<LoadableElement>();
let loaded: Promise<void> | undefined;

/**
 * Fetches and registers the named elements (all three by default) now.
 * Resolves once they are registered. A failed fetch is tried again on the next call.
 */
export function load(...names: LoadableElement[]): Promise<void> {
  const all = names.length ? names : (Object.keys(MODULES) as LoadableElement[]);
  return Promise.all(
    all.map((name) => {
      let module = loading.get(name);
      if (!module) {
        module = MODULES[name]().catch((error: unknown) => {
          loading.delete(name);
          throw error;
        });
        loading.set(name, module);
      }
      return module.then(() => customElements.whenDefined(name));
    }),
  ).then(() => undefined);
}

/**
 * Connects the page as `connect()` from `pin-messaging` does, with the state
 * bus and its socket fetched and opened at the first idle moment after the
 * page's load event (`now`: at once). Resolves to the client.
 */
export async function connect(options: ConnectOptions, { now = false }: { now?: boolean } = {}): Promise<ChatClient> {
  // Where there is no page (server-side rendering), connect() itself says so and stays offline.
  if (!now && typeof document !== 'undefined') await idleAfterLoad();
  const { connect: open } = await import('./connect.js');
  return open(options);
}

/**
 * The first idle moment after the load event. Not the elements' `whenIdle`:
 * a module shared with them would be one more request before the load event.
 */
function idleAfterLoad(): Promise<void> {
  loaded ??= new Promise((resolve) => {
    const idle = (): void =>
      void (typeof requestIdleCallback === 'function' ? requestIdleCallback(() => resolve(), { timeout: 500 }) : setTimeout(resolve, 100));
    if (document.readyState === 'complete') idle();
    else addEventListener('load', idle, { once: true });
  });
  return loaded;
}

/**
 * Schedules the elements whose tags are in `root` (or are `root`); true once
 * nothing is left to watch for. An element registered some other way (the
 * panel, by the stack that opens it) needs no more watching.
 */
function look(root: Document | Element = document): boolean {
  for (const name of ON_SIGHT) {
    if (seen.has(name)) continue;
    if (customElements.get(name)) seen.add(name);
    else if ((root as Element).localName === name || root.querySelector(name)) {
      seen.add(name);
      void idleAfterLoad().then(() => load(name).catch(() => undefined));
    }
  }
  return seen.size === ON_SIGHT.length;
}

function triggerOf(event: Event): HTMLElement | undefined {
  for (const node of event.composedPath()) if (node instanceof HTMLElement && node.hasAttribute(TRIGGER)) return node;
  return undefined;
}

/** Fetches the dialog on a trigger's first hover or focus; holds a click that comes first and replays it. */
function onInteraction(event: Event): void {
  if (customElements.get(DIALOG)) {
    for (const type of INTERACTIONS) removeEventListener(type, onInteraction, true);
    return;
  }
  const trigger = triggerOf(event);
  if (!trigger) return;
  const ready = load(DIALOG);
  if (event.type !== 'click' || !document.querySelector(DIALOG)) return void ready.catch(() => undefined);
  // The dialog listens for trigger clicks once registered: this one is held until then, and
  // nothing else on the page sees it twice.
  event.preventDefault();
  event.stopImmediatePropagation();
  ready.then(
    () => trigger.isConnected && trigger.click(),
    () => undefined,
  );
}

if (typeof document !== 'undefined' && typeof customElements !== 'undefined') {
  if (!look()) {
    // Only what was added is searched: a page that changes often pays for its changes, not for its whole tree.
    const observer = new MutationObserver((records) => {
      for (const { addedNodes } of records) for (const node of addedNodes) if (node instanceof Element && look(node)) return observer.disconnect();
    });
    observer.observe(document, { childList: true, subtree: true });
  }
  if (!customElements.get(DIALOG)) for (const type of INTERACTIONS) addEventListener(type, onInteraction, true);
}
