import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Conversation, Message } from '../../protocol/index.js';
import type { ChatClient } from '../../state/client.js';

/**
 * Calls `onIncoming` for each message the client's `$incoming` announces
 * while the element is connected. The client alone decides what is news (a
 * message from someone else that became its conversation's newest; never a
 * catch-up after a connect, never older history), so the stack only listens.
 */
export class IncomingController implements ReactiveController {
  #client: ChatClient | undefined;
  #unsubscribe: (() => void) | undefined;
  #connected = false;

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
    this.#client = next;
    // `listen`, not `subscribe`: what arrived before the element was connected is not news to it.
    this.#unsubscribe = next?.$incoming.listen((news) => news && this.#onIncoming(news.conv, news.message));
  }
}
