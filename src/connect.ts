import { setDefaultClient } from './elements/internal/client.js';
import { ChatClient } from './state/client.js';
import type { OutboxStorage } from './state/outbox-storage.js';
import { defaultSnapshotStorage, type SnapshotStorage } from './state/snapshot-storage.js';
import { PartySocketTransport, type PartySocketTransportOptions, type TokenProvider } from './transport/partysocket.js';

export interface ConnectOptions extends Partial<Omit<PartySocketTransportOptions, 'room' | 'token' | 'host'>> {
  /** The messaging server's host (with port). Default: the page's own host. */
  host?: string;
  /** The signed-in person's id. */
  user: string;
  /** Their token, or a function that fetches a fresh one from your backend (called on every reconnect). */
  token: TokenProvider;
  /** Where unsent messages persist (IndexedDB by default). */
  outboxStorage?: OutboxStorage;
  /**
   * Where the conversation list is kept, so that a reload without the server still shows the
   * chat heads and their unread counts (IndexedDB by default; null: nowhere).
   */
  snapshotStorage?: SnapshotStorage | null;
  /** Make this the client every element on the page uses (default true). */
  setDefault?: boolean;
}

/**
 * Connects the page to a pin-messaging server over PartySocket and makes the
 * client the default for every element on the page. The one call a site
 * needs besides dropping the tags in:
 *
 * @example
 * connect({ user: 'ana', token: () => fetch('/messaging-token').then((r) => r.text()) });
 */
export function connect(options: ConnectOptions): ChatClient {
  const { user, token, outboxStorage, snapshotStorage, setDefault = true, host = location.host, ...transportOptions } = options;
  const transport = new PartySocketTransport({ ...transportOptions, host, room: user, token });
  // Kept per server as well as per person: a page may talk to a staging and a live server in turn.
  const server = [host, transportOptions.prefix, transportOptions.party].join('/');
  const client = new ChatClient({
    user,
    transport,
    outboxStorage,
    snapshotStorage: snapshotStorage === undefined ? defaultSnapshotStorage(server) : (snapshotStorage ?? undefined),
  });
  client.start();
  if (setDefault) setDefaultClient(client);
  return client;
}
