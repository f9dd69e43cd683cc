import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Conversation, Message, User } from '../../protocol/index.js';
import type { ChatClient } from '../../state/client.js';

/**
 * Tells apart news from history: calls `onIncoming` once for each message from
 * someone else that becomes a conversation's newest while the element is
 * connected. A conversation's `lastSeq` only grows, so comparing it with the
 * last value seen gives each message once, whatever re-renders happen.
 *
 * A welcome (every connect and reconnect) replaces `$me` and restates every
 * conversation: that is a catch-up, shown by unread badges, not announced.
 * Both stores share one listener, so inside the client's batch it runs once
 * and sees the welcome's `$me` together with its conversations. Loading older
 * history never moves `lastSeq`, so it is never announced.
 */
export class IncomingController implements ReactiveController {
  #client: ChatClient | undefined;
  #unsubscribe: (() => void) | undefined;
  #connected = false;
  #me: User | undefined;
  #seen = new Map<string, number>();

  readonly #select: () => ChatClient | undefined;
  readonly #onIncoming: (conv: Conversation, message: Message) => void;

  constructor(host: ReactiveControllerHost, select: () => ChatClient | undefined, onIncoming: (conv: Conversation, message: Message) => void) {
    this.#select = select;
    this.#onIncoming = onIncoming;
    host.addController(this);
  }

  hostConnected(): void {
    this.#connected = true;
    this.#bind();
  }

  hostUpdate(): void {
    this.#bind();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#bind();
  }

  #bind(): void {
    const next = this.#connected ? this.#select() : undefined;
    if (next === this.#client) return;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#client = next;
    if (!next) return;
    this.#baseline(next);
    const listener = (): void => this.#check(next);
    const offMe = next.$me.listen(listener);
    const offConversations = next.$conversations.listen(listener);
    this.#unsubscribe = () => {
      offMe();
      offConversations();
    };
  }

  #baseline(client: ChatClient): void {
    this.#me = client.$me.get();
    this.#seen = new Map(Object.values(client.$conversations.get()).map((c) => [c.id, c.lastSeq]));
  }

  #check(client: ChatClient): void {
    if (client.$me.get() !== this.#me) return this.#baseline(client);
    const news: [Conversation, Message][] = [];
    for (const c of Object.values(client.$conversations.get())) {
      const m = c.last;
      if (c.lastSeq > (this.#seen.get(c.id) ?? 0) && m && m.seq === c.lastSeq && m.from !== client.user && !m.hidden) news.push([c, m]);
    }
    this.#baseline(client);
    for (const [c, m] of news) this.#onIncoming(c, m);
  }
}
