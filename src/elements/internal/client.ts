import { createContext } from '@lit/context';
import type { ChatClient } from '../../state/client.js';

/**
 * Context that hands a ChatClient to the elements below a provider. Without a
 * provider, elements use the page's default client ({@link setDefaultClient}).
 * Use a provider for two independent chats on one page, in tests and stories.
 */
export const chatClientContext = createContext<ChatClient | undefined>(Symbol.for('pin-messaging.client'));

type Listener = (client: ChatClient | undefined) => void;
interface DefaultClient {
  current?: ChatClient;
  listeners: Set<Listener>;
}
// One per page, not per copy of the library: a page that loads the whole bundle and the
// loader's parts, or two builds, connects once and every element sees that client.
const shared: DefaultClient = ((globalThis as { [key: symbol]: DefaultClient })[Symbol.for('pin-messaging.default-client')] ??= {
  listeners: new Set(),
});

/** Makes `client` the one every element without a context provider uses. */
export function setDefaultClient(client: ChatClient | undefined): void {
  shared.current = client;
  for (const listener of shared.listeners) listener(client);
}

export function getDefaultClient(): ChatClient | undefined {
  return shared.current;
}

/** Calls `listener` whenever the default client changes; returns the unsubscribe function. */
export function onDefaultClient(listener: Listener): () => void {
  shared.listeners.add(listener);
  return () => shared.listeners.delete(listener);
}
