import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ReadableAtom } from 'nanostores';

/**
 * Binds one nanostores store to a Lit element: the element re-renders when
 * the store changes, and the subscription lives exactly as long as the element
 * is connected (no leaks). `select` is called before every update, so the
 * bound store may change with the element's properties (another client,
 * another conversation).
 */
export class StoreController<T> implements ReactiveController {
  #store: ReadableAtom<T> | undefined;
  #unsubscribe: (() => void) | undefined;
  #connected = false;

  readonly #host: ReactiveControllerHost;
  readonly #select: () => ReadableAtom<T> | undefined;
  readonly #fallback: T;

  constructor(host: ReactiveControllerHost, select: () => ReadableAtom<T> | undefined, fallback: T) {
    this.#host = host;
    this.#select = select;
    this.#fallback = fallback;
    host.addController(this);
  }

  /** The store's current value, or the fallback when there is no store. */
  get value(): T {
    return this.#store ? this.#store.get() : this.#fallback;
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
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#store = undefined;
  }

  #bind(): void {
    const next = this.#connected ? this.#select() : undefined;
    if (next === this.#store) return;
    this.#unsubscribe?.();
    this.#store = next;
    // `listen` (not `subscribe`): the current value is read in render, only changes need an update.
    this.#unsubscribe = next?.listen(() => this.#host.requestUpdate());
    if (next) this.#host.requestUpdate();
  }
}
