import { html, nothing, type PropertyDeclarations, type PropertyValues, type ReactiveElement } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Conversation, Message } from '../../protocol/index.js';
import type { ConversationPanel } from '../conversation-panel/conversation-panel.js';
import { PinElement } from '../internal/base.js';
import {
  PinConversationCloseEvent,
  PinConversationOpenEvent,
  PinHeadDismissEvent,
  PinMessageEvent,
} from '../internal/events.js';
import { avatarStyles, conversationTitle, nameOf } from '../internal/people.js';
import { STACK_STRINGS } from '../internal/strings/stack.js';
import { tokens } from '../internal/theme.js';
import { styles } from './chat-head-stack.styles.js';
import { renderHead, renderOverflow, type HeadsView } from './heads.js';
import { whenIdle } from '../internal/idle.js';
import { IncomingController } from './incoming.js';
import { StackLayout } from './layout.js';
import { loadPanel, panelTag } from './panel-module.js';
import type { Ringer } from './ring.js';
import { TitleBadge } from './title-badge.js';

const ANNOUNCEMENTS_KEPT = 5;
const PREVIEW_CODE_POINTS = 100;

/**
 * @summary Chat heads: a non-modal stack of conversation avatars in a corner of
 * the page, each opening its conversation panel beside the stack.
 *
 * The front head (the most recent activity) sits nearest the corner, where it
 * stays put as heads are added above it; the "+N" overflow is the farthest.
 * Keyboard and screen readers meet the heads front first. The heads and their
 * badges need only the client; the conversation panel's module is fetched
 * when a head is first hovered, focused or opened, and ahead of that when the
 * page is idle after the heads show (`prefetch`). The host's box lets
 * pointer events through everywhere but on the heads, menu and panel, so the
 * page keeps scrolling and stays usable; nothing traps focus. Each new message
 * from someone else is announced once, politely, in a visually hidden log.
 *
 * @csspart base - The layout holding the heads and the panel.
 * @csspart heads - The labelled region of heads.
 * @csspart list - The list of heads.
 * @csspart item - One head with its badge and dismiss button.
 * @csspart head - A head's button.
 * @csspart avatar - An avatar (a head's, or a menu entry's).
 * @csspart badge - A head's unread count.
 * @csspart dismiss - A head's x button.
 * @csspart more - The "+N" button.
 * @csspart menu - The list of conversations beyond `max`.
 * @csspart menu-item - A conversation in that list.
 * @csspart panel - The open `<conversation-panel>`.
 *
 * @cssproperty [--pin-stack-inset-block=16px] - Distance from the bottom edge (the safe area is added).
 * @cssproperty [--pin-stack-inset-inline=16px] - Distance from the side edge (the safe area is added).
 * @cssproperty [--pin-stack-z-index=1000] - The stack's z-index.
 * @cssproperty [--pin-head-size=56px] - A head's diameter.
 * @cssproperty [--pin-accent=#e60023] - Unread badges and the open head's ring.
 * @cssproperty [--pin-on-accent=#fff] - Text on the accent colour.
 * @cssproperty --pin-surface - Head, x and menu background.
 * @cssproperty --pin-surface-2 - The "+N" button and hovered menu entries.
 * @cssproperty --pin-text - Text colour.
 * @cssproperty --pin-border - The x button's border.
 * @cssproperty --pin-shadow - Shadow under heads and the menu.
 * @cssproperty --pin-focus-ring - Focus indicator (a box-shadow).
 * @cssproperty [--pin-radius=16px] - The menu's corner radius.
 * @cssproperty [--pin-radius-small=8px] - Menu entries' corner radius.
 * @cssproperty [--pin-duration=160ms] - Animation length (0 under reduced motion).
 * @cssproperty --pin-font - Font family.
 * @cssproperty [--pin-color-scheme=light dark] - Colour scheme when `theme` is unset.
 *
 * @event {PinConversationOpenEvent} pin-conversation-open - A head opened its conversation.
 * @event {PinConversationCloseEvent} pin-conversation-close - The open conversation was closed.
 * @event {PinHeadDismissEvent} pin-head-dismiss - A head was dismissed with its x.
 * @event {PinMessageEvent} pin-message - A new message from someone else arrived (not for muted conversations).
 */
export class ChatHeadStack extends PinElement {
  static override styles = [tokens, avatarStyles, styles];
  protected static override defaultStrings = STACK_STRINGS;
  // Reactive properties, declared here rather than with decorators (see PinElement).
  static override properties: PropertyDeclarations = {
    max: { type: Number },
    side: { reflect: true },
    titleBadge: { type: Boolean, attribute: 'title-badge' },
    sound: { type: Boolean },
    prefetch: {},
    reserve: { type: Boolean },
    openConv: { state: true },
    menuOpen: { state: true },
    announcements: { state: true },
  };

  readonly #headIds = this.bind((c) => c.$heads, []);
  readonly #conversations = this.bind((c) => c.$conversations, {});
  readonly #users = this.bind((c) => c.$users, {});
  protected readonly incoming = new IncomingController(
    this,
    () => this.chat,
    (conv, message) => this.#onIncoming(conv, message),
  );
  readonly #layout = new StackLayout(this);

  /** How many heads show before the rest go into the "+N" menu; fewer when the screen is too short for them. */
  max = 5;

  /** The edge: `start` (left in left-to-right pages, right in right-to-left ones), `end`, `left` or `right`. */
  side: 'start' | 'end' | 'left' | 'right' = 'start';

  /** Shows the unread total in the page title, as "(3) Title". Off by default. */
  titleBadge = false;

  /** Plays a short sound for a new message while the tab is hidden; one tab of the person rings. Off by default. */
  sound = false;

  /**
   * `idle` (the default) fetches the conversation panel's module when the page
   * is idle after the heads show; `none` waits until a head is hovered, focused
   * or opened.
   */
  prefetch: 'idle' | 'none' = 'idle';

  /**
   * Publishes the strip the heads cover as `--pin-reserve-inline` (from the
   * stack's edge) and `--pin-reserve-block` (from the bottom) on the document
   * root, for the page to keep its content clear. Off by default.
   */
  reserve = false;

  private openConv: string | undefined;
  private menuOpen = false;
  private announcements: { key: string; text: string }[] = [];

  readonly #pageTitle = new TitleBadge();
  #ringer: Ringer | undefined;
  /** The sound's code, fetched once `sound` is on: pages without it never load it. */
  #ringModule: Promise<typeof import('./ring.js')> | undefined;
  #cancelPrefetch: (() => void) | undefined;
  /** The open panel; a new one each time a panel opens, kept while it shows. */
  #panel: ConversationPanel | undefined;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#pageTitle.clear();
    this.#ringer?.close();
    this.#ringer = undefined;
    this.#cancelPrefetch?.();
    this.#cancelPrefetch = undefined;
    this.menuOpen = false;
    document.removeEventListener('pointerdown', this.#onDocumentPointerDown, true);
  }

  protected override willUpdate(): void {
    // A dismissed, left or removed conversation takes its panel with it.
    if (this.openConv && !this.#view().convs.some((c) => c.id === this.openConv)) this.openConv = undefined;
    // A closed panel goes with its state (scroll position, open menus): the next one starts afresh, but with
    // the conversation's unsent draft, which the composer keeps.
    if (!this.openConv) this.#panel = undefined;
  }

  protected override updated(changed: PropertyValues): void {
    if (this.titleBadge) this.#pageTitle.show(this.#unreadTotal(), this.t.titleWithUnread);
    else this.#pageTitle.clear();
    if (this.sound) void this.#loadRing().catch(() => undefined);
    if (!this.#cancelPrefetch && this.prefetch !== 'none' && this.#headIds.value.length && !panelTag()) {
      this.#cancelPrefetch = whenIdle(this.#loadPanel);
    }
    if (changed.has('menuOpen')) {
      if (this.menuOpen) document.addEventListener('pointerdown', this.#onDocumentPointerDown, true);
      else document.removeEventListener('pointerdown', this.#onDocumentPointerDown, true);
    }
  }

  // Handlers ----------------------------------------------------------------------

  #onIncoming(conv: Conversation, m: Message): void {
    if (conv.muted) return;
    const users = this.#users.value;
    const from = nameOf(users, m.from);
    const preview = previewOf(m, this.t.pinPreview);
    const text =
      conv.kind === 'group'
        ? this.t.newGroupMessageFrom(from, conversationTitle(conv, users, this.chat?.user ?? ''), preview)
        : this.t.newMessageFrom(from, preview);
    const key = `${conv.id}:${m.seq}`;
    this.announcements = [...this.announcements.slice(1 - ANNOUNCEMENTS_KEPT), { key, text }];
    this.dispatchEvent(new PinMessageEvent({ conv: conv.id, from: m.from, seq: m.seq }));
    if (this.sound && document.hidden && this.chat) {
      const user = this.chat.user;
      void this.#loadRing()
        .then(({ Ringer }) => {
          // Disconnected meanwhile: no new ringer to leave open.
          if (!this.isConnected) return;
          this.#ringer ??= new Ringer(user);
          return this.#ringer.ring(key);
        })
        .catch(() => undefined);
    }
  }

  readonly #loadPanel = (): void => void loadPanel().catch(() => undefined);

  /** A failed fetch is forgotten, so the next message fetches again. */
  #loadRing(): Promise<typeof import('./ring.js')> {
    return (this.#ringModule ??= import('./ring.js').catch((error: unknown) => {
      this.#ringModule = undefined;
      throw error;
    }));
  }

  readonly #onHeadClick = (conv: string): void => {
    if (this.openConv === conv) this.close(true);
    else void this.open(conv);
  };

  readonly #onDismiss = (conv: string): void => {
    const ids = this.#view().shown.map((c) => c.id);
    const index = ids.indexOf(conv);
    if (this.openConv === conv) this.close(false);
    this.chat?.dismissHead(conv);
    this.dispatchEvent(new PinHeadDismissEvent({ conv }));
    // Keep keyboard users in the stack: focus the head that took its place.
    void this.updateComplete.then(() => {
      const heads = this.renderRoot.querySelectorAll<HTMLElement>('.head, .more');
      const next = heads[Math.min(index, heads.length - 1)];
      if (next) return next.focus();
      // The last head went: park focus on the stack itself, so that Tab goes on from here
      // rather than from the top of the page.
      this.setAttribute('tabindex', '-1');
      this.addEventListener('blur', () => this.removeAttribute('tabindex'), { once: true });
      this.focus({ preventScroll: true });
    });
  };

  readonly #onMoreClick = (): void => {
    this.menuOpen = !this.menuOpen;
    if (this.menuOpen) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.entry')?.focus());
  };

  readonly #onOverflowKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || !this.menuOpen) return;
    event.preventDefault();
    this.menuOpen = false;
    this.renderRoot.querySelector<HTMLElement>('.more')?.focus();
  };

  readonly #onOverflowFocusOut = (event: FocusEvent): void => {
    const overflow = event.currentTarget as HTMLElement;
    if (event.relatedTarget instanceof Node && !overflow.contains(event.relatedTarget)) this.menuOpen = false;
  };

  readonly #onDocumentPointerDown = (event: PointerEvent): void => {
    const overflow = this.renderRoot.querySelector('.overflow');
    if (overflow && !event.composedPath().includes(overflow)) this.menuOpen = false;
  };

  readonly #onPanelClose = (event: PinConversationCloseEvent): void => {
    // The panel's own event goes on to the page; the stack only follows it.
    if (event.detail.conv === this.openConv) this.close(false);
  };

  readonly #onPanelKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || event.defaultPrevented || !this.openConv) return;
    // An open dialog inside the panel (a link warning) takes its own Escape.
    if (event.composedPath().some((node) => node instanceof HTMLDialogElement && node.open)) return;
    event.preventDefault();
    this.close(true);
  };

  // Public methods ----------------------------------------------------------------

  /** Opens a conversation's panel beside the stack (bringing its head to the front). */
  async open(conv: string): Promise<void> {
    const chat = this.chat;
    if (!chat) return;
    this.menuOpen = false;
    this.openConv = conv;
    chat.openConversation(conv).catch(() => undefined);
    chat.markRead(conv);
    this.dispatchEvent(new PinConversationOpenEvent({ conv }));
    if (!panelTag()) {
      // Opened before the panel's module arrived: it opens when it does, with no second click.
      try {
        await loadPanel();
      } catch {
        if (this.openConv === conv) this.openConv = undefined;
        return;
      }
      if (this.openConv !== conv) return;
      this.requestUpdate();
    }
    await this.updateComplete;
    const panel = this.renderRoot.querySelector<HTMLElement>('#panel');
    await (panel as Partial<ReactiveElement> | null)?.updateComplete;
    panel?.focus();
    if (!focusIn(panel)) this.#focusHead(conv);
  }

  /** Closes the open panel; `event` fires `pin-conversation-close`. Focus inside the panel goes back to its head. */
  close(event = true): void {
    const conv = this.openConv;
    if (!conv) return;
    const panel = this.renderRoot.querySelector('#panel');
    const hadFocus = focusIn(panel);
    this.openConv = undefined;
    if (event) this.dispatchEvent(new PinConversationCloseEvent({ conv }));
    if (hadFocus) void this.updateComplete.then(() => this.#focusHead(conv));
  }

  // Rendering ---------------------------------------------------------------------

  override render() {
    const view = this.#view();
    const { convs, shown, rest } = view;
    return html`
      <div class="visually-hidden" role="log" aria-live="polite">
        ${repeat(this.announcements, (a) => a.key, (a) => html`<p>${a.text}</p>`)}
      </div>
      <div class="layout" part="base">
        <section
          class="heads"
          part="heads"
          aria-label=${this.t.chatHeads}
          ?hidden=${convs.length === 0}
          @pointerover=${this.#loadPanel}
          @focusin=${this.#loadPanel}
        >
          <ul class="list" part="list">
            ${repeat(shown, (c) => c.id, (c) => renderHead(view, c, this.#onHeadClick, this.#onDismiss))}
          </ul>
          ${rest.length
            ? html`<div class="overflow" @keydown=${this.#onOverflowKeydown} @focusout=${this.#onOverflowFocusOut}>
                ${renderOverflow(view, this.menuOpen, this.#onMoreClick, (conv) => void this.open(conv))}
              </div>`
            : nothing}
        </section>
        ${this.openConv && panelTag() ? this.#renderPanel(this.openConv) : nothing}
      </div>
    `;
  }

  /**
   * Under the name the panel was registered with (see `defineElements`), the
   * name `defineElements` gave it if a host page renamed it. Made here rather
   * than in a template: a tag known only at run time needs Lit's static
   * templates, which weigh more than these lines.
   */
  #renderPanel(conv: string): ConversationPanel {
    let panel = this.#panel;
    if (!panel) {
      panel = this.#panel = document.createElement(panelTag()!) as ConversationPanel;
      panel.id = 'panel';
      panel.setAttribute('part', 'panel');
      panel.addEventListener(PinConversationCloseEvent.type, this.#onPanelClose);
      panel.addEventListener('keydown', this.#onPanelKeydown);
    }
    panel.setAttribute('conv', conv);
    if (this.theme == null) panel.removeAttribute('theme');
    else panel.setAttribute('theme', this.theme);
    panel.client = this.chat;
    panel.strings = this.strings;
    return panel;
  }

  #view(): HeadsView {
    const all = this.#conversations.value;
    const convs = this.#headIds.value.map((id) => all[id]).filter((c): c is Conversation => c !== undefined);
    const max = this.#layout.shown(convs.length, Number.isFinite(this.max) ? Math.max(0, Math.floor(this.max)) : 5);
    return {
      convs,
      shown: convs.slice(0, max),
      rest: convs.slice(max),
      users: this.#users.value,
      me: this.chat?.user ?? '',
      open: this.openConv,
      t: this.t,
    };
  }

  #unreadTotal(): number {
    return Object.values(this.#conversations.value).reduce((sum, c) => sum + (c.muted ? 0 : c.unread), 0);
  }

  #focusHead(conv: string): void {
    this.renderRoot.querySelector<HTMLElement>(`.head[data-conv="${CSS.escape(conv)}"]`)?.focus();
  }
}

/** Whether focus is in the panel: on phones that is inside its modal frame, which Chromium's `:focus-within` on the panel misses. */
const focusIn = (panel: Element | null): boolean => !!panel?.shadowRoot?.activeElement;

/** A short, plain-text preview of a message for the announcement. */
function previewOf(m: Message, pinPreview: (title: string) => string): string {
  const raw = m.body.kind === 'text' ? m.body.text : [pinPreview(m.body.pin.title), m.body.note].filter(Boolean).join(' · ');
  const flat = raw.replace(/\s+/g, ' ').trim();
  const points = [...flat];
  return points.length > PREVIEW_CODE_POINTS ? `${points.slice(0, PREVIEW_CODE_POINTS).join('')}…` : flat;
}
