import { html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import type { Conversation } from '../../protocol/index.js';
import { ConnectionStatus, type TimelineState } from '../../state/client.js';
import type { OutboxEntry } from '../../state/outbox.js';
import { EMPTY_TIMELINE } from '../../state/timeline.js';
import { PinElement } from '../internal/base.js';
import { PinConversationCloseEvent } from '../internal/events.js';
import { warmFormatters } from '../internal/format.js';
import { avatarStyles, conversationTitle, nameOf } from '../internal/people.js';
import { PANEL_STRINGS } from '../internal/strings/panel.js';
import { tokens } from '../internal/theme.js';
import { styles } from './conversation-panel.styles.js';
import { menuAction, rowAction, type ActionContext } from './actions.js';
import { Composer } from './composer.js';
import { HistoryController } from './history.js';
import { keepClear } from './keep-clear.js';
import { followLink } from './link-check.js';
import { Notices } from './notices.js';
import { conversationOf, fitNames, guardedHeader, renderConfirm, renderEmpty, renderNotice, renderStatus, type Confirm, type MenuAction } from './parts.js';
import { lockPageScroll, unlockPageScroll } from './scroll-lock.js';
import { renderHistory } from './templates.js';
import { warmPanel } from './warm.js';

const NO_TIMELINE: TimelineState = { ...EMPTY_TIMELINE, hasOlder: false, loadingOlder: false };
const PHONE = '(max-width: 600px)';

/**
 * One conversation: its history, with pins as cards and messages grouped by
 * sender and day, delivery state on the person's own messages, and a
 * composer. Only the rows near the viewport are rendered, so a history of
 * 10,000 messages opens as fast as one of 20. Below 600px wide it takes the
 * whole screen as a modal dialog: the page behind is inert and does not
 * scroll while it shows. Wider, it floats beside the page, and a page control
 * that takes focus under it is scrolled clear of it (WCAG 2.4.11).
 *
 * @summary A conversation's history and composer.
 *
 * @event {PinConversationCloseEvent} pin-conversation-close - The close or back button, or Escape; or, on wider screens, a page control took focus under the panel where nothing can scroll it clear.
 * @event {PinLinkRequestEvent} pin-link-request - A link out of a message is about to open; cancel it to handle the link yourself.
 *
 * @csspart panel - The panel's frame (inside a dialog, modal on phones).
 * @csspart header - The header with the title and actions.
 * @csspart title - The conversation's title.
 * @csspart members - A group's member count and names.
 * @csspart avatar - Avatars (header and messages).
 * @csspart back-button - The back arrow shown on phones.
 * @csspart close-button - The close button shown on wider screens.
 * @csspart menu-button - The "more actions" button.
 * @csspart menu - The actions menu.
 * @csspart status - The connection banner; it also shows that an action (delete, report, leave) failed.
 * @csspart history - The scrolling history region.
 * @csspart list - The list of messages.
 * @csspart day-separator - A date between messages.
 * @csspart message - One message row (own ones also have `own-message`).
 * @csspart sender - A sender's name above their messages in groups.
 * @csspart bubble - A text message.
 * @csspart pin - A pin card; `pin-image`, `pin-title` and `pin-domain` are its parts.
 * @csspart delivery - Sending, sent, seen or failed, under the person's own messages.
 * @csspart report-button - The report button beside someone else's message.
 * @csspart unsend-button - The delete button beside one's own message (deletes it for everyone, after confirming).
 * @csspart new-messages - The "new messages" pill.
 * @csspart typing - Who is typing.
 * @csspart composer - The composer form; `input` and `send-button` are its parts.
 * @csspart notice - A notice in place of the composer (a blocked person).
 * @csspart blocked-notice - In a group, that people the reader blocked are members.
 * @csspart hidden-message - In place of a message's content: from someone the reader blocked, or deleted (also `message`).
 * @csspart dialog - The link-safety and confirmation dialog.
 *
 * @cssproperty [--pin-panel-width=360px] - Width on wider screens.
 * @cssproperty [--pin-panel-height=520px] - Height on wider screens.
 * @cssproperty [--pin-panel-z-index=2147483000] - Stacking level when full screen on phones.
 * @cssproperty [--pin-accent=#e60023] - Accent: the send button, links' focus, the pill.
 * @cssproperty [--pin-on-accent=#fff] - Text on the accent.
 * @cssproperty [--pin-surface=light-dark(#fff, #1e1e1e)] - Panel background.
 * @cssproperty [--pin-surface-2=light-dark(#efefef, #2e2e2e)] - Input and card backgrounds.
 * @cssproperty [--pin-text=light-dark(#111, #f1f1f1)] - Text colour.
 * @cssproperty [--pin-muted=light-dark(#5f5f5f, #b5b5b5)] - Secondary text (times, delivery).
 * @cssproperty [--pin-border=light-dark(#cdcdcd, #4a4a4a)] - Dividers and outlines.
 * @cssproperty [--pin-field-border=light-dark(#767676, #8f8f8f)] - The composer's edge; keep it at 3:1 against the surface.
 * @cssproperty [--pin-danger=light-dark(#b3001a, #ff8a8a)] - Failed sends.
 * @cssproperty [--pin-bubble=light-dark(#efefef, #2e2e2e)] - Others' message bubbles.
 * @cssproperty [--pin-own-bubble=light-dark(#111, #f1f1f1)] - The person's own bubbles.
 * @cssproperty [--pin-on-own-bubble=light-dark(#fff, #111)] - Text in the person's own bubbles.
 * @cssproperty [--pin-radius=16px] - Panel and bubble corners.
 * @cssproperty [--pin-radius-small=8px] - Card and button corners.
 * @cssproperty [--pin-shadow=0 4px 24px rgb(0 0 0 / 0.22)] - Panel shadow.
 * @cssproperty [--pin-focus-ring=0 0 0 3px light-dark(#0074e8, #79b8ff)] - Focus ring (a box-shadow; forced colours draw an outline instead).
 * @cssproperty [--pin-font=system-ui] - Font family.
 * @cssproperty [--pin-duration=160ms] - Animation length (0 when reduced motion is preferred).
 * @cssproperty [--pin-color-scheme=light dark] - Colour scheme, unless `theme` is set.
 */
export class ConversationPanel extends PinElement {
  static override styles = [tokens, avatarStyles, styles];
  protected static override defaultStrings = PANEL_STRINGS;
  // Reactive properties, declared here rather than with decorators (see PinElement).
  static override properties: PropertyDeclarations = {
    conv: {},
    hidden: { type: Boolean, reflect: true },
    menuOpen: { state: true },
    confirm: { state: true },
    announcement: { state: true },
    failure: { state: true },
  };

  /**
   * Runs once when the class is registered: the date and time formatters,
   * the templates and the first style and layout pass are then done while
   * the page is idle, before anyone opens a conversation, instead of inside
   * the first open (see warmPanel).
   */
  protected static override finalize(): void {
    super.finalize();
    warmFormatters();
    warmPanel(this.elementStyles, () => {
      const panel = new this();
      return { t: panel.t, render: () => panel.render() };
    });
  }

  readonly #status = this.bind((c) => c.$status, ConnectionStatus.Idle as ConnectionStatus);
  readonly #users = this.bind((c) => c.$users, {});
  readonly #conversations = this.bind((c) => c.$conversations, {});
  readonly #outbox = this.bind((c) => c.$outbox, [] as readonly OutboxEntry[]);
  readonly #typingStore = this.bind((c) => c.$typing, {});
  readonly #blocked = this.bind((c) => c.$blocked, [] as readonly string[]);
  readonly #timeline = this.bind((c) => (this.conv ? c.timeline(this.conv) : undefined), NO_TIMELINE);
  readonly #composer = new Composer(this, {
    chat: () => this.chat,
    sent: () => this.#history.scrollToBottom(),
    failed: () => this.#announce(this.t.sendFailed),
  });
  // Last of the controllers: see HistoryController.
  readonly #history = new HistoryController(
    this,
    {
      chat: () => this.chat,
      conv: () => this.conv,
      me: () => this.#me,
      online: () => this.#status.value === ConnectionStatus.Online,
      timeline: () => this.#timeline.value,
      outbox: () => this.#outbox.value,
      pending: () => this.#pending(),
      conversation: () => this.#conversations.value[this.conv],
      look: () => [this.t, this.#users.value, this.#conversation()?.kind],
    },
    () => this.#scroller,
  );

  get #dialog(): HTMLDialogElement | null | undefined {
    return this.renderRoot?.querySelector('dialog[part="dialog"]');
  }

  /** The id of the conversation to show. */
  conv = '';

  /** Hidden panels neither lock the page's scrolling nor mark messages read. */
  override hidden = false;

  private menuOpen = false;
  private confirm: Confirm | undefined;
  private announcement = '';
  /** An action of the person's that failed (delete, report, leave...), shown in the banner until the next one. */
  private failure = '';

  readonly #notices = new Notices(this, (text) => this.#announce(text));
  readonly #headerHandlers = {
    onClose: () => this.close(),
    onMenu: (open: boolean) => (this.menuOpen = open),
    onAction: (action: MenuAction) => this.#onMenuAction(action),
  };
  readonly #actions: ActionContext = {
    chat: () => this.chat,
    conv: () => this.conv,
    t: () => this.t,
    ask: (confirm) => (this.confirm = confirm),
    run: (action) => this.#run(action),
    announce: (text) => this.#announce(text),
    focus: (key) => this.#history.focusRow(key),
    close: () => this.close(),
  };
  #phone: MediaQueryList | undefined;
  /** Whether the phone layout applies: kept by the media query's change events rather than asked on every update. */
  #isPhone = false;
  /** What the header's names were last fitted to. */
  #fitted: unknown[] = [];
  /** The history's scroller, rendered with the first update and kept. */
  #scrollerEl: HTMLElement | null = null;

  // Lifecycle ---------------------------------------------------------------------

  override connectedCallback(): void {
    super.connectedCallback();
    this.#phone = globalThis.matchMedia?.(PHONE);
    this.#isPhone = !!this.#phone?.matches;
    this.#phone?.addEventListener('change', this.#onLayoutChange);
    document.addEventListener('focusin', this.#onPageFocus);
    // Taken out of the page and back (the frame left the top layer): shown again as it should be.
    if (this.hasUpdated) this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#phone?.removeEventListener('change', this.#onLayoutChange);
    document.removeEventListener('focusin', this.#onPageFocus);
    unlockPageScroll(this);
  }

  protected override update(changed: PropertyValues): void {
    if (changed.has('conv')) {
      this.#composer.switchTo(this.conv);
      this.#notices.switchTo(this.#pending());
      this.menuOpen = false;
      this.failure = '';
    }
    this.#notices.check(this.t, this.#pending(), this.#conversation(), this.#blocked.value, this.#me);
    // The history controller has built this update's rows already (controllers update first).
    this.#notices.checkDelivery(this.t, this.#history.rows);
    this.#notices.checkConnection(this.t, this.#status.value, () => this.#pending().length > 0);
    super.update(changed);
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has('menuOpen') && this.menuOpen) this.renderRoot.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const dialog = this.confirm && this.#dialog;
    if (dialog && !dialog.open) {
      dialog.returnValue = ''; // Escape keeps the previous value: never let it confirm
      dialog.showModal();
    }
    const c = this.#conversation();
    const fit = [c?.members, c?.title, this.#users.value, this.t, this.#isPhone, this.hidden];
    if (fit.some((v, i) => v !== this.#fitted[i])) {
      this.#fitted = fit;
      fitNames(this.renderRoot.querySelector<HTMLElement>('.names'));
    }
    const phone = this.#connectedPhone();
    // Full screen, the panel is a modal dialog: the top layer leaves the rest of the page inert (no Tab stop,
    // nothing for a screen reader) until it closes; `close()` returns focus where it was. Wider, it is open
    // in place (set as an attribute, which moves no focus) and the page stays usable.
    const frame = this.renderRoot.querySelector<HTMLDialogElement>('.frame')!;
    if (frame.matches(':modal') !== phone || !frame.open) {
      // Turned across the breakpoint with focus inside: it stays where it was, not on the page or the first button.
      const focused = (this.renderRoot as ShadowRoot).activeElement as HTMLElement | null;
      if (frame.open) frame.close();
      if (phone) frame.showModal();
      else frame.open = true;
      focused?.focus();
    }
    if (phone) lockPageScroll(this);
    else unlockPageScroll(this);
  }

  // Handlers ----------------------------------------------------------------------

  readonly #onLayoutChange = (): void => {
    this.#isPhone = !!this.#phone?.matches;
    this.requestUpdate();
  };

  /** A page control took focus: once the browser has scrolled to it, it must not sit hidden under the panel. */
  readonly #onPageFocus = (event: FocusEvent): void => {
    const target = event.composedPath()[0];
    if (this.hidden || this.#isPhone || !(target instanceof Element) || event.composedPath().includes(this)) return;
    requestAnimationFrame(() => {
      // Nothing scrolls it clear (the page's end): the panel steps aside, its draft kept, its head there to reopen it.
      if (this.isConnected && !this.hidden && !keepClear(this, target)) this.close();
    });
  };

  readonly #onPanelKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || event.defaultPrevented || event.isComposing) return;
    if (this.#dialog?.open) return;
    if (this.menuOpen) {
      event.preventDefault();
      this.menuOpen = false;
      this.renderRoot.querySelector<HTMLElement>('.menu-button')?.focus();
      return;
    }
    event.preventDefault();
    this.close();
  };

  /** Links are followed through the link check; buttons in rows act on their message. */
  readonly #onListClick = (event: MouseEvent): void => {
    if (this.#followLink(event)) return;
    const { row, button } = this.#history.clicked(event);
    if (button && row) rowAction(this.#actions, button.dataset.action, row);
  };

  /** Middle clicks open links too: send them through the same check. */
  readonly #onListAuxClick = (event: MouseEvent): void => void this.#followLink(event);

  readonly #onMenuAction = (action: MenuAction): void => {
    this.menuOpen = false;
    menuAction(this.#actions, action, this.#conversation(), this.#other(), this.#users.value);
  };

  readonly #onPill = (): void => this.#history.scrollToBottom(true);

  /**
   * A close request to the modal frame that Escape's keydown did not take (Android's back gesture): the host
   * is asked to close the panel, which the frame stays until it does.
   */
  readonly #onFrameCancel = (event: Event): void => {
    event.preventDefault();
    this.close();
  };

  /** Closed by anything but the panel's own update (a close request it could not cancel): set right by the next. */
  readonly #onFrameClose = (): void => this.requestUpdate();

  readonly #onDialogClose = (): void => {
    const confirm = this.confirm;
    this.confirm = undefined;
    if (confirm && this.#dialog?.returnValue === 'confirm') void confirm.run();
  };

  // Public methods ----------------------------------------------------------------

  /** Moves focus to the composer. */
  override focus(options?: FocusOptions): void {
    if (!this.#composer.focus(options)) super.focus(options);
  }

  /** Asks the host to close the panel (fires `pin-conversation-close`). */
  close(): void {
    this.dispatchEvent(new PinConversationCloseEvent({ conv: this.conv }));
  }

  /** Scrolls to the newest message and follows new ones again. */
  scrollToLatest(): void {
    this.#history.scrollToBottom();
  }

  // Rendering ---------------------------------------------------------------------

  override render() {
    const t = this.t;
    const conv = this.#conversation();
    const users = this.#users.value;
    const other = this.#other();
    const history = this.#history;
    const blocked = !!other && this.#blocked.value.includes(other);
    const typing = (this.#typingStore.value[this.conv] ?? []).filter((u) => u !== this.#me).map((u) => nameOf(users, u));
    const ctx = { t, users, group: conv?.kind === 'group', tabStop: history.tabStop() };
    const title = conv ? conversationTitle(conv, users, this.#me) : '';
    const pending = this.#pending().length > 0;
    return html`<dialog class="frame" aria-labelledby="title" open @cancel=${this.#onFrameCancel} @close=${this.#onFrameClose}>
      <section class="panel" part="panel" aria-label=${t.conversation(title)} @keydown=${this.#onPanelKeydown}>
        ${guardedHeader({ t, conv, users, me: this.#me, blocked, menuOpen: this.menuOpen, ...this.#headerHandlers })}
        ${renderStatus(t, this.#status.value, pending, this.failure)}
        ${this.#notices.blockedHere ? html`<p class="blocked-notice" part="blocked-notice" dir="auto">${t.blockedInGroup}</p>` : nothing}
        ${renderHistory(history, ctx, {
          onClick: this.#onListClick,
          onAuxClick: this.#onListAuxClick,
          onPill: this.#onPill,
          empty: renderEmpty(t, this.#timeline.value, pending, this.#status.value === ConnectionStatus.Online),
        })}
        <div class="typing" part="typing" dir="auto">${typing.length ? t.typing(typing.join(', ')) : ''}</div>
        ${blocked && other
          ? renderNotice(t.blockedNotice(nameOf(users, other)), t.unblock(nameOf(users, other)), () => this.#onMenuAction('unblock'))
          : this.#composer.render(t)}
        <div class="visually-hidden" role="status">${this.announcement}</div>
        ${renderConfirm(this.confirm, t, this.#onDialogClose)}
      </section>
    </dialog>`;
  }

  // Helpers -----------------------------------------------------------------------

  get #me(): string {
    return this.chat?.user ?? '';
  }

  #pending(): OutboxEntry[] {
    return this.#outbox.value.filter((e) => e.conv === this.conv);
  }

  #conversation(): Conversation | undefined {
    return conversationOf(this.#conversations.value, this.conv, this.#me);
  }

  /** The other person of a direct conversation. */
  #other(): string | undefined {
    const c = this.#conversation();
    return c?.kind === 'direct' ? c.members.find((m) => m !== this.#me) : undefined;
  }

  #followLink(event: MouseEvent): boolean {
    return followLink(this, event, this.t, (confirm) => (this.confirm = confirm));
  }

  async #run(action: () => Promise<unknown>): Promise<void> {
    this.failure = '';
    try {
      await action();
    } catch {
      // Seen in the banner and heard once, as each failure is new news.
      this.#announce((this.failure = this.t.actionFailed));
    }
  }

  /** Says something once through the live region (repeating a message still announces it). */
  #announce(text: string): void {
    this.announcement = this.announcement === text ? `${text}\u00a0` : text;
  }

  #connectedPhone(): boolean {
    return this.isConnected && !this.hidden && this.#isPhone;
  }

  get #scroller(): HTMLElement | null {
    return (this.#scrollerEl ??= this.renderRoot?.querySelector<HTMLElement>('.scroller') ?? null);
  }
}
