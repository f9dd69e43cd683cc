import { html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { directMembers, type PinInput } from '../../protocol/index.js';
import { TEXT_CODE_POINTS, TITLE_CODE_POINTS } from '../../protocol/limit-values.js';
import { ConnectionStatus, type ChatClient } from '../../state/client.js';
import { PinElement } from '../internal/base.js';
import { PinSentEvent } from '../internal/events.js';
import { avatarStyles } from '../internal/people.js';
import { DIALOG_STRINGS } from '../internal/strings/dialog.js';
import { tokens } from '../internal/theme.js';
import { ContactPicker } from './contact-picker.js';
import { DeliveryState } from '../internal/delivery.js';
import { deliveryLabel, deliveryState, renderDeliveries, type SentPin } from './delivery.js';
import { pinFromTrigger, renderPinPreview, triggerOf, viewPin } from './pin.js';
import { styles } from './pin-send-dialog.styles.js';

/** Connected dialogs in connection order: the first one answers triggers that name no dialog. */
const dialogs = new Set<PinSendDialog>();

/**
 * @summary Sends a pin to one person, to several separately, or to a new group of up to 10.
 *
 * Declarative use, with no script of your own: put one `<pin-send-dialog>` on the
 * page and give each pin's button `data-pin-send` plus `data-pin-url`,
 * `data-pin-image`, `data-pin-title` and optionally `data-pin-description`.
 * While the dialog is connected it listens for clicks on the document (one
 * delegated listener, also inside open shadow roots) and opens for the clicked
 * pin; focus returns to that button on close. `data-pin-send="<id>"` targets
 * the dialog with that id; an empty value targets the first dialog on the page.
 * Frameworks can call `open(pin, trigger)` and `close()` instead.
 *
 * The pin's page and image must be absolute http(s) URLs: anything else is
 * never shown as a link or image, and the pin cannot be sent.
 *
 * @event {PinSentDetail} pin-sent - The pin was queued for each conversation (delivery continues after closing).
 *
 * @csspart dialog - The native `<dialog>`.
 * @csspart header - Title row with the close button.
 * @csspart close-button - The close button.
 * @csspart body - The scrolling middle.
 * @csspart preview - The pin preview; `preview-image` is its image.
 * @csspart chips - The selected people; `chip` and `chip-remove` are each one and its remove button.
 * @csspart search - The search field.
 * @csspart listbox - The people list; `option` is one person and `avatar` a picture.
 * @csspart cap - The note on how many more people may be picked, shown as the limit nears.
 * @csspart note - The note field.
 * @csspart mode - The separately / as a group choice and the group name.
 * @csspart footer - The row with the send button.
 * @csspart send-button - The send and done buttons.
 * @csspart deliveries - Delivery rows after sending; `delivery`, `delivery-status` and `retry` are their pieces.
 * @csspart error - An error message.
 *
 * @cssproperty [--pin-dialog-width=480px] - Width of the dialog on screens 600px and wider (full screen below).
 * @cssproperty [--pin-backdrop=rgb(0 0 0 / 0.5)] - The backdrop behind the dialog.
 * @cssproperty [--pin-accent=#e60023] - Send button and selection marks.
 * @cssproperty [--pin-on-accent=#fff] - Text on the accent colour.
 * @cssproperty --pin-surface - Dialog background.
 * @cssproperty --pin-surface-2 - Chips, active option and fields.
 * @cssproperty --pin-text - Text colour.
 * @cssproperty --pin-muted - Secondary text.
 * @cssproperty --pin-border - Separators.
 * @cssproperty [--pin-field-border=light-dark(#767676, #8f8f8f)] - Field borders and the selection circle; keep them at 3:1 against the surface.
 * @cssproperty --pin-danger - Failed deliveries and errors.
 * @cssproperty [--pin-radius=16px] - Dialog corners.
 * @cssproperty [--pin-radius-small=8px] - Fields, options and the preview.
 * @cssproperty --pin-shadow - Dialog shadow.
 * @cssproperty --pin-focus-ring - Focus indicator.
 * @cssproperty --pin-font - Font family.
 * @cssproperty [--pin-duration=160ms] - Opening animation (0 with reduced motion).
 * @cssproperty [--pin-color-scheme=light dark] - Colour scheme when `theme` is not set.
 */
export class PinSendDialog extends PinElement {
  static override styles = [tokens, avatarStyles, styles];
  protected static override defaultStrings = DIALOG_STRINGS;
  // Reactive properties, declared here rather than with decorators (see PinElement).
  static override properties: PropertyDeclarations = {
    pin: { attribute: false },
    note: { state: true },
    mode: { state: true },
    groupTitle: { state: true },
    deliveries: { state: true },
    error: { state: true },
    announcement: { state: true },
  };

  readonly #status = this.bind((c) => c.$status, ConnectionStatus.Idle as ConnectionStatus);
  readonly #conversations = this.bind((c) => c.$conversationList, []);
  readonly #users = this.bind((c) => c.$users, {});
  readonly #outbox = this.bind((c) => c.$outbox, []);
  readonly #blocked = this.bind((c) => c.$blocked, []);
  readonly #picker = new ContactPicker(this, {
    client: () => this.chat,
    recents: () => this.#recents(),
    users: () => this.#users.value,
    strings: () => this.t,
    announce: (text) => this.#announce(text),
  });

  get #dialog(): HTMLDialogElement | null | undefined {
    return this.renderRoot?.querySelector('dialog');
  }

  /** The pin to send: `url`, `image`, `title` and an optional `description`. */
  declare pin?: PinInput;

  private note = '';
  private mode: 'separate' | 'group' = 'separate';
  private groupTitle = '';
  private deliveries?: SentPin[];
  private error = '';
  private announcement = '';
  #trigger?: HTMLElement;
  #sending = false;
  #searchedOnline = false;
  #reported = new Set<string>();

  /** Whether the dialog is showing. */
  get isOpen(): boolean {
    return this.#dialog?.open ?? false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    dialogs.add(this);
    document.addEventListener('click', this.#onDocumentClick);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    dialogs.delete(this);
    document.removeEventListener('click', this.#onDocumentClick);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (this.deliveries) this.#reportDeliveries(this.deliveries);
    // Contacts asked for before the connection was ready come back empty: ask again once online.
    if (this.isOpen && !this.#searchedOnline && this.#status.value === ConnectionStatus.Online) {
      this.#searchedOnline = true;
      void this.#picker.search();
    }
  }

  readonly #onDocumentClick = (event: MouseEvent): void => {
    if (event.defaultPrevented) return;
    const trigger = triggerOf(event);
    if (!trigger) return;
    const target = trigger.getAttribute('data-pin-send');
    if (target ? target !== this.id : dialogs.values().next().value !== this) return;
    event.preventDefault();
    void this.open(pinFromTrigger(trigger) as PinInput, trigger);
  };

  readonly #onClosed = (): void => {
    const trigger = this.#trigger;
    this.#trigger = undefined;
    this.announcement = '';
    if (trigger?.isConnected) trigger.focus();
  };

  readonly #onDialogClick = (event: MouseEvent): void => {
    // The dialog box fills the <dialog>, so a click on the <dialog> itself is on the backdrop.
    if (event.target === this.#dialog) this.close();
  };

  async #onSend(): Promise<void> {
    const client = this.chat;
    const pin = viewPin(this.pin)?.valid;
    const to = [...this.#picker.selected];
    if (!client || !pin || to.length === 0 || this.#sending) return;
    this.#sending = true;
    this.error = '';
    const mode = to.length > 1 ? this.mode : 'separate';
    try {
      const title = mode === 'group' ? this.groupTitle.trim() : '';
      const sent = await client.sendPin({ to, pin, note: this.note, mode, ...(title ? { title } : {}) });
      this.deliveries = sent.map((s) => ({ ...s, to: recipients(client, s.conv, to), ...(title ? { title } : {}) }));
      this.dispatchEvent(new PinSentEvent({ sent }));
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('.done')?.focus();
    } catch (error) {
      this.error = this.t.sendErrorReason((error as { code?: string }).code ?? '');
    } finally {
      this.#sending = false;
    }
  }

  async #pickMode(mode: 'separate' | 'group'): Promise<void> {
    this.mode = mode;
    await this.updateComplete;
    // The group name appears at the end of the body: in view even where many chips push it down.
    this.renderRoot.querySelector('#group-title')?.scrollIntoView({ block: 'nearest' });
  }

  /**
   * Opens the dialog for `pin` (or the `pin` property). Focus goes to the
   * search field and returns to `trigger` (default: the focused element) on close.
   */
  async open(pin?: PinInput, trigger?: HTMLElement): Promise<void> {
    if (pin) this.pin = pin;
    this.#trigger = trigger ?? deepActiveElement();
    this.#picker.reset();
    this.note = '';
    this.mode = 'separate';
    this.groupTitle = '';
    this.deliveries = undefined;
    this.error = '';
    this.announcement = '';
    this.#reported.clear();
    await this.updateComplete;
    const dialog = this.#dialog;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    this.renderRoot.querySelector<HTMLElement>('#search')?.focus();
    this.#searchedOnline = this.#status.value === ConnectionStatus.Online;
    void this.#picker.search();
  }

  /** Closes the dialog. Messages still on their way keep going. */
  close(): void {
    this.#dialog?.close();
  }

  #recents(): string[] {
    const me = this.chat?.user;
    const blocked = new Set(this.#blocked.value);
    const ids = this.#conversations.value.flatMap((c) => c.members).filter((id) => id !== me && !blocked.has(id));
    return [...new Set(ids)];
  }

  #announce(text: string): void {
    // A changed text is what makes a live region speak, so a repeat gets a no-break space.
    this.announcement = text === this.announcement ? `${text}\u00a0` : text;
  }

  /** Announces each failure once, and once when everything has arrived. */
  #reportDeliveries(deliveries: SentPin[]): void {
    const outbox = this.#outbox.value;
    const states = deliveries.map((d) => deliveryState(outbox, d.id).state);
    deliveries.forEach((d, i) => {
      if (states[i] === DeliveryState.Failed && !this.#reported.has(d.id)) {
        this.#reported.add(d.id);
        this.#announce(this.t.sendFailedTo(deliveryLabel(d, this.#users.value)));
      } else if (states[i] !== DeliveryState.Failed) this.#reported.delete(d.id);
    });
    const allSent = states.every((s) => s === DeliveryState.Sent);
    if (allSent && !this.#reported.has('*')) {
      this.#reported.add('*');
      this.#announce(this.t.sent);
    }
  }

  override render(): TemplateResult {
    const t = this.t;
    return html`<dialog part="dialog" aria-labelledby="title" @close=${this.#onClosed} @click=${this.#onDialogClick}>
      <div class="frame">
        <header part="header">
          <h2 id="title">${t.sendDialogTitle}</h2>
          <button type="button" class="close" part="close-button" aria-label=${t.close} @click=${() => this.close()}>
            <span aria-hidden="true">×</span>
          </button>
        </header>
        <div class="body" part="body">${renderPinPreview(viewPin(this.pin), t)} ${this.deliveries ? this.#renderSent() : this.#renderForm()}</div>
        <footer part="footer">${this.#renderFooter()}</footer>
        <div class="visually-hidden" role="status">${this.announcement}</div>
      </div>
    </dialog>`;
  }

  #renderForm(): TemplateResult {
    const t = this.t;
    return html`<div class="picker">${this.#picker.renderChips()} ${this.#picker.renderSearch()}</div>
      <label class="field-label" for="note">${t.addNote}</label>
      <textarea
        id="note"
        part="note"
        rows="2"
        maxlength=${TEXT_CODE_POINTS}
        .value=${this.note}
        @input=${(e: Event) => (this.note = (e.target as HTMLTextAreaElement).value)}
      ></textarea>
      ${this.#picker.selected.length > 1 ? this.#renderMode() : nothing}
      ${this.error ? html`<p class="error" part="error" role="alert">${this.error}</p>` : nothing}`;
  }

  #renderMode(): TemplateResult {
    const t = this.t;
    const choice = (value: 'separate' | 'group', label: string) =>
      html`<label class="choice">
        <input type="radio" name="mode" .checked=${this.mode === value} @change=${() => this.#pickMode(value)} />
        ${label}
      </label>`;
    return html`<fieldset class="mode" part="mode">
      <legend>${t.sendHow}</legend>
      ${choice('separate', t.sendSeparately)} ${choice('group', t.sendAsGroup)}
      ${this.mode === 'group'
        ? html`<label class="field-label" for="group-title">${t.groupName}</label>
            <input
              id="group-title"
              type="text"
              maxlength=${TITLE_CODE_POINTS}
              .value=${this.groupTitle}
              @input=${(e: Event) => (this.groupTitle = (e.target as HTMLInputElement).value)}
            />`
        : nothing}
    </fieldset>`;
  }

  #renderSent(): TemplateResult {
    return renderDeliveries(this.deliveries ?? [], this.#outbox.value, this.#users.value, this.t, (id) => this.chat?.retry(id));
  }

  #renderFooter(): TemplateResult {
    const t = this.t;
    if (this.deliveries) {
      return html`<button type="button" class="primary done" part="send-button" @click=${() => this.close()}>${t.done}</button>`;
    }
    const status = this.#status.value;
    const hint =
      status === ConnectionStatus.Refused
        ? t.refused
        : status === ConnectionStatus.Reconnecting
          ? t.offline
          : status === ConnectionStatus.Online || !this.chat
            ? ''
            : t.connecting;
    const ready = Boolean(this.chat && viewPin(this.pin)?.valid && this.#picker.selected.length > 0);
    return html`<span class="hint">${hint}</span>
      <button type="button" class="primary" part="send-button" ?disabled=${!ready} @click=${this.#onSend}>${t.send}</button>`;
  }
}

/** Who a conversation the pin went to is with: the other person of a direct one, everyone picked for a group. */
function recipients(client: ChatClient, conv: string, picked: string[]): string[] {
  const pair = directMembers(conv);
  return pair ? pair.filter((id) => id !== client.user) : picked;
}

function deepActiveElement(): HTMLElement | undefined {
  let el = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el instanceof HTMLElement ? el : undefined;
}
