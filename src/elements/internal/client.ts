import { createContext } from '@lit/context';
import type { ChatClient } from '../../state/client.js';

/**
 * Context that hands a ChatClient to the elements below a provider. Without a
 * provider, elements use the page's default client ({@link setDefaultClient}).
 * Use a provider for two independent chats on one page, in tests and stories.
 */
export const chatClientContext = createContext<ChatClient | undefined>(Symbol.for('pin-messaging.client'));

type Listener = (client: ChatClient | undefined) => void;
const listeners = new Set<Listener>();
let current: ChatClient | undefined;

/** Makes `client` the one every element without a context provider uses. */
export function setDefaultClient(client: ChatClient | undefined): void {
  current = client;
  for (const listener of listeners) listener(client);
}

export function getDefaultClient(): ChatClient | undefined {
  return current;
}

/** Calls `listener` whenever the default client changes; returns the unsubscribe function. */
export function onDefaultClient(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
