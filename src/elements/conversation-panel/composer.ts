import { html, type ReactiveController, type ReactiveElement, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { TEXT_CODE_POINTS } from '../../protocol/limit-values.js';
import type { ChatClient } from '../../state/client.js';
import type { Strings } from '../internal/strings.js';

export interface ComposerOptions {
  chat(): ChatClient | undefined;
  /** A message was queued. */
  sent(): void;
  /** Queueing failed; the draft is back in the composer. */
  failed(): void;
}

/**
 * Drafts per client and conversation, kept beyond the panel: the stack makes
 * a new panel each time one opens, and closing one (Escape, close, back) must
 * not throw away what the person was writing.
 */
const keptDrafts = new WeakMap<object, Map<string, string>>();

const sendIcon = html`<svg class="flip" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
  <path fill="currentColor" d="M3 20.5V14l9-2-9-2V3.5L22 12z" />
</svg>`;

/**
 * The composer: a draft per conversation, Enter to send, Shift+Enter for a
 * new line, nothing sent while an IME composes, typing notices, and a
 * textarea that grows with its text.
 */
export class Composer implements ReactiveController {
  /** The draft of the conversation shown. */
  draft = '';
  #conv = '';
  #grown = '';

  readonly #host: ReactiveElement;
  readonly #options: ComposerOptions;

  constructor(host: ReactiveElement, options: ComposerOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  get #input(): HTMLTextAreaElement | null {
    return this.#host.renderRoot.querySelector('textarea');
  }

  /** The client's drafts (this composer's own while there is no client). */
  get #drafts(): Map<string, string> {
    const key = this.#options.chat() ?? this;
    return keptDrafts.get(key) ?? keptDrafts.set(key, new Map()).get(key)!;
  }

  /** Keeps the current draft and shows the one of `conv`. */
  switchTo(conv: string): void {
    this.#keep();
    this.#conv = conv;
    this.draft = this.#drafts.get(conv) ?? '';
  }

  hostDisconnected(): void {
    this.#keep();
  }

  #keep(): void {
    if (this.#conv) this.#drafts.set(this.#conv, this.draft);
  }

  focus(options?: FocusOptions): boolean {
    const input = this.#input;
    input?.focus(options);
    return !!input;
  }

  hostUpdated(): void {
    if (this.draft !== this.#grown) this.#autoGrow();
  }

  readonly #onInput = (event: InputEvent): void => {
    this.draft = (event.target as HTMLTextAreaElement).value;
    this.#host.requestUpdate();
    if (this.draft.trim() && this.#conv) this.#options.chat()?.typing(this.#conv);
  };

  readonly #onKeydown = (event: KeyboardEvent): void => {
    // 229: the Enter that ends an IME composition in some browsers, after isComposing is already false.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    void this.send();
  };

  readonly #onSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    void this.send();
  };

  /** Queues the draft; the composer empties at once and gets the draft back if queueing fails. */
  async send(): Promise<void> {
    const text = this.draft;
    const chat = this.#options.chat();
    if (!text.trim() || tooLong(text) || !chat || !this.#conv) return;
    this.draft = '';
    this.#host.requestUpdate();
    this.#options.sent();
    try {
      await chat.sendText(this.#conv, text);
    } catch {
      if (!this.draft) this.draft = text;
      this.#host.requestUpdate();
      this.#options.failed();
    }
  }

  render(t: Strings): TemplateResult {
    const over = tooLong(this.draft);
    return html`<form class="composer" part="composer" @submit=${this.#onSubmit}>
      <textarea
        part="input"
        rows="1"
        dir="auto"
        enterkeyhint="send"
        aria-label=${t.writeMessage}
        placeholder=${t.writeMessage}
        aria-invalid=${over ? 'true' : 'false'}
        aria-describedby="too-long"
        .value=${live(this.draft)}
        @input=${this.#onInput}
        @keydown=${this.#onKeydown}
      ></textarea>
      <button class="icon send" part="send-button" type="submit" aria-label=${t.sendMessage} ?disabled=${!this.draft.trim() || over}>
        ${sendIcon}
      </button>
      <p id="too-long" class="too-long" ?hidden=${!over}>${t.tooLong(TEXT_CODE_POINTS)}</p>
    </form>`;
  }

  /** Grows the textarea with its text where CSS `field-sizing` is not supported. */
  #autoGrow(): void {
    this.#grown = this.draft;
    const input = this.#input;
    if (!input || globalThis.CSS?.supports?.('field-sizing', 'content')) return;
    input.style.height = 'auto';
    input.style.height = `${input.scrollHeight + input.offsetHeight - input.clientHeight}px`;
  }
}

function tooLong(text: string): boolean {
  // Cheap check first: only long drafts need counting code points.
  return text.length > TEXT_CODE_POINTS && [...text].length > TEXT_CODE_POINTS;
}
