import { ContextConsumer } from '@lit/context';
import { LitElement, type PropertyDeclarations } from 'lit';
import type { ReadableAtom } from 'nanostores';
import type { ChatClient } from '../../state/client.js';
import { chatClientContext, getDefaultClient, onDefaultClient } from './client.js';
import { VERSION } from './define.js';
import { StoreController } from './store-controller.js';
import { onStringsChange, stringsFor, type Strings } from './strings.js';

/**
 * What the three elements share: the chat client (from a context provider, the
 * `client` property, or the page's default client), overridable strings, and
 * store bindings that live only while the element is connected.
 */
export class PinElement extends LitElement {
  static readonly version = VERSION;

  /** The element's own default strings (each element's module carries only its own). */
  protected static defaultStrings: object = {};

  // Declared here rather than with decorators: each decorated field costs a
  // helper call in the built modules, a declaration costs a key.
  static override properties: PropertyDeclarations = {
    client: { attribute: false },
    strings: { attribute: false },
    theme: { reflect: true },
    contextClient: { state: true, attribute: false },
    defaultClient: { state: true, attribute: false },
  };

  /** The chat client to render. Defaults to a context provider's, then the page's default client. */
  declare client?: ChatClient;

  /** Overrides for user-visible strings (see DEFAULT_STRINGS). */
  declare strings?: Partial<Strings>;

  /** `light`, `dark` or unset (follow the system or `--pin-color-scheme`). */
  declare theme?: 'light' | 'dark';

  private contextClient?: ChatClient;
  private defaultClient?: ChatClient = getDefaultClient();
  #cleanups: (() => void)[] = [];

  constructor() {
    super();
    // Adds itself to the element's controllers: asks the nearest provider for a client on connect.
    new ContextConsumer(this, {
      context: chatClientContext,
      subscribe: true,
      callback: (client) => (this.contextClient = client),
    });
  }

  /** The client in effect. */
  protected get chat(): ChatClient | undefined {
    return this.client ?? this.contextClient ?? this.defaultClient;
  }

  /** The strings in effect. */
  protected get t(): Strings {
    return stringsFor((this.constructor as typeof PinElement).defaultStrings, this.strings);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.defaultClient = getDefaultClient();
    this.#cleanups = [
      onDefaultClient((client) => (this.defaultClient = client)),
      onStringsChange(() => this.requestUpdate()),
    ];
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const cleanup of this.#cleanups) cleanup();
    this.#cleanups = [];
  }

  /** Binds a store of the client in effect; re-binds when the client changes. */
  protected bind<T>(select: (client: ChatClient) => ReadableAtom<T> | undefined, fallback: T): StoreController<T> {
    return new StoreController(this, () => (this.chat ? select(this.chat) : undefined), fallback);
  }
}

// Loads the page-wide event map (declared beside the events) with every element's typings.
export type { PinEventMap } from './events.js';
