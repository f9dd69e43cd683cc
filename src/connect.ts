import { setDefaultClient } from './elements/internal/client.js';
import { ChatClient } from './state/client.js';
import type { OutboxStorage } from './state/outbox-storage.js';
import { defaultSnapshotStorage, type SnapshotStorage } from './state/snapshot-storage.js';
import { PartySocketTransport, type PartySocketTransportOptions, type TokenProvider } from './transport/partysocket.js';
import { TransportTarget } from './transport/base.js';
import type { Transport } from './transport/types.js';

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
 *
 * Safe anywhere: where there is no page (server-side rendering, a plain Node
 * import) or no `user`, it says why once on the console and returns a client
 * that stays offline (status `idle`, nothing sent, not made the default).
 */
export function connect(options: ConnectOptions): ChatClient {
  const { user, token, outboxStorage, snapshotStorage, setDefault = true, host, ...transportOptions } = options;
  const reason =
    typeof location === 'undefined' || typeof document === 'undefined'
      ? 'no page here (server-side rendering?); call it in the browser'
      : !user
        ? `options.user is ${JSON.stringify(user)}; pass the signed-in person's id`
        : undefined;
  if (reason) {
    if (!told.has(reason)) console.warn(`pin-messaging: connect() stays offline: ${reason}`);
    told.add(reason);
    return new ChatClient({ user: user ?? '', transport: new Offline(), outboxStorage, snapshotStorage: snapshotStorage ?? undefined });
  }
  const server = host ?? location.host;
  const transport = new PartySocketTransport({ ...transportOptions, host: server, room: user, token });
  const client = new ChatClient({
    user,
    transport,
    outboxStorage,
    // Kept per server as well as per person: a page may talk to a staging and a live server in turn.
    snapshotStorage:
      snapshotStorage === undefined ? defaultSnapshotStorage([server, transportOptions.prefix, transportOptions.party].join('/')) : (snapshotStorage ?? undefined),
  });
  client.start();
  if (setDefault) setDefaultClient(client);
  return client;
}

/** Each reason connect() stayed offline is said once. */
const told = new Set<string>();

/** The transport of a client that never connects. */
class Offline extends TransportTarget implements Transport {
  connect(): void {}
  send(): boolean {
    return false;
  }
  close(): void {}
  reconnect(): void {}
}
