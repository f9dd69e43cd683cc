import { html, nothing, type LitElement, type ReactiveController, type TemplateResult } from 'lit';
import type { User } from '../../protocol/index.js';
import { MEMBERS } from '../../protocol/limit-values.js';
import type { ChatClient } from '../../state/client.js';
import { avatar, nameOf } from '../internal/people.js';
import type { Strings } from '../internal/strings.js';

/** People one may pick besides oneself: a conversation holds LIMITS.members in all. */
export const MAX_PICKED = MEMBERS - 1;
/** The note on how many more may be picked shows from this many left. */
const NOTE_FROM = 3;
const SEARCH_DELAY_MS = 150;

export interface ContactPickerOptions {
  client(): ChatClient | undefined;
  /** People from recent conversations, most recent first. */
  recents(): string[];
  users(): Readonly<Record<string, User>>;
  strings(): Strings;
  /** Says something in the host's polite live region. */
  announce(text: string): void;
}

interface Option {
  id: string;
  recent: boolean;
}

function matches(user: User | undefined, id: string, q: string): boolean {
  if (!q) return true;
  return id.toLowerCase().includes(q) || (user?.name.toLowerCase().includes(q) ?? false);
}

/**
 * The contact picker's state and keyboard model: a combobox input that owns a
 * multi-select listbox in the same shadow root (ID references do not cross
 * shadow roots). Typing filters at once among people already known and asks
 * the server (debounced); recent contacts come first. Arrows move the active
 * option, Enter toggles it, and Space toggles it after an arrow key (so a
 * space can still be typed in a name). Backspace in an empty field removes the
 * last chip.
 */
export class ContactPicker implements ReactiveController {
  query = '';
  selected: string[] = [];
  #found: User[] = [];
  #loading = false;
  #active = -1;
  #navigating = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #searchRun = 0;

  readonly #host: LitElement;
  readonly #options: ContactPickerOptions;

  constructor(host: LitElement, options: ContactPickerOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  hostDisconnected(): void {
    clearTimeout(this.#timer);
  }

  hostUpdated(): void {
    const active = this.#activeOption();
    // Escaped: the id comes from the server, whose ids the client no longer pattern-checks.
    if (active) this.#host.renderRoot.querySelector(`#opt-${CSS.escape(active.id)}`)?.scrollIntoView({ block: 'nearest' });
  }

  /** Forgets the query and the selection (a new pin). */
  reset(): void {
    this.query = '';
    this.selected = [];
    this.#active = -1;
    this.#navigating = false;
    this.#found = [];
  }

  /** Asks the server for people matching the query; stale answers are dropped. */
  async search(): Promise<void> {
    clearTimeout(this.#timer);
    const client = this.#options.client();
    if (!client) return;
    const run = ++this.#searchRun;
    this.#loading = true;
    this.#host.requestUpdate();
    try {
      const found = await client.searchContacts(this.query.trim());
      if (run === this.#searchRun) this.#found = found;
    } catch {
      // Offline or refused: the people already known still filter locally.
    } finally {
      if (run === this.#searchRun) {
        this.#loading = false;
        this.#host.requestUpdate();
      }
    }
  }

  get capped(): boolean {
    return this.selected.length >= MAX_PICKED;
  }

  /** What may still be picked, once the limit is near. */
  get #note(): string {
    const left = MAX_PICKED - this.selected.length;
    return left > NOTE_FROM ? '' : this.#options.strings().pickLimit(left, MEMBERS);
  }

  /** The options shown: recent contacts first, then everyone else found, all filtered by the query. */
  list(): Option[] {
    const users = this.#options.users();
    const q = this.query.trim().toLowerCase();
    const recents = this.#options.recents().filter((id) => matches(users[id], id, q));
    const seen = new Set(recents);
    const rest = this.#found.filter((u) => !seen.has(u.id) && matches(u, u.id, q)).map((u) => u.id);
    return [...recents.map((id) => ({ id, recent: true })), ...rest.map((id) => ({ id, recent: false }))];
  }

  toggle(id: string): void {
    if (this.selected.includes(id)) {
      this.selected = this.selected.filter((s) => s !== id);
    } else if (this.capped) {
      // Nothing changes: say why.
      return this.#options.announce(this.#note);
    } else {
      this.selected = [...this.selected, id];
      if (this.query) this.#setQuery('');
    }
    const count = this.#options.strings().selectedCount(this.selected.length);
    const note = this.#note;
    this.#options.announce(note ? `${count}. ${note}` : count);
    this.#host.requestUpdate();
  }

  /** Removes a chip, then moves focus to the next chip's button, or to the search field. */
  async remove(id: string): Promise<void> {
    const index = this.selected.indexOf(id);
    this.toggle(id);
    await this.#host.updateComplete;
    const buttons = this.#host.renderRoot.querySelectorAll<HTMLElement>('.chip button');
    (buttons[Math.min(index, buttons.length - 1)] ?? this.#input())?.focus();
  }

  #setQuery(query: string): void {
    this.query = query;
    this.#active = query ? 0 : -1;
    this.#navigating = false;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.search(), SEARCH_DELAY_MS);
    this.#host.requestUpdate();
  }

  #activeOption(): Option | undefined {
    return this.#active >= 0 ? this.list()[this.#active] : undefined;
  }

  #input(): HTMLInputElement | null {
    return this.#host.renderRoot.querySelector('#search');
  }

  readonly #onInput = (event: Event): void => {
    this.#setQuery((event.target as HTMLInputElement).value);
  };

  readonly #onKeydown = (event: KeyboardEvent): void => {
    if (event.isComposing) return;
    const count = this.list().length;
    const active = this.#activeOption();
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        if (count === 0) return;
        const step = event.key === 'ArrowDown' ? 1 : -1;
        this.#active = this.#active < 0 && step < 0 ? count - 1 : (this.#active + step + count) % count;
        this.#navigating = true;
        break;
      }
      case 'Enter':
        if (!active) return;
        this.toggle(active.id);
        break;
      case ' ':
        if (!active || !this.#navigating) return;
        this.toggle(active.id);
        break;
      case 'Backspace':
        if (this.query || this.selected.length === 0) return;
        this.toggle(this.selected[this.selected.length - 1]);
        break;
      default:
        return;
    }
    event.preventDefault();
    this.#host.requestUpdate();
  };

  renderChips(): TemplateResult | typeof nothing {
    if (this.selected.length === 0) return nothing;
    const users = this.#options.users();
    const t = this.#options.strings();
    return html`<ul class="chips" part="chips" aria-label=${t.selectedPeople}>
      ${this.selected.map((id) => {
        const name = nameOf(users, id);
        return html`<li class="chip" part="chip">
          ${avatar(users, id)}<span class="chip-name">${name}</span>
          <button type="button" part="chip-remove" aria-label=${t.removePerson(name)} @click=${() => this.remove(id)}>
            <span aria-hidden="true">×</span>
          </button>
        </li>`;
      })}
    </ul>`;
  }

  renderSearch(): TemplateResult {
    const t = this.#options.strings();
    const options = this.list();
    const active = this.#activeOption();
    const recent = options.filter((o) => o.recent);
    const rest = options.filter((o) => !o.recent);
    const note = this.#note;
    return html`
      <label class="visually-hidden" for="search">${t.searchPeople}</label>
      <input
        id="search"
        part="search"
        type="text"
        role="combobox"
        autocomplete="off"
        spellcheck="false"
        placeholder=${t.searchPeople}
        aria-expanded="true"
        aria-controls="people"
        aria-autocomplete="list"
        aria-describedby=${note ? 'cap' : nothing}
        aria-activedescendant=${active ? `opt-${active.id}` : nothing}
        .value=${this.query}
        @input=${this.#onInput}
        @keydown=${this.#onKeydown}
      />
      ${note ? html`<p id="cap" class="cap" part="cap">${note}</p>` : nothing}
      <div
        id="people"
        class="people"
        part="listbox"
        role="listbox"
        aria-multiselectable="true"
        aria-label=${t.people}
        tabindex="-1"
      >
        ${this.#renderGroup('recent', t.recent, recent, active)} ${this.#renderGroup('everyone', t.everyone, rest, active)}
      </div>
      ${options.length === 0
        ? html`<p class="empty" part="empty">${this.#loading ? t.loadingPeople : t.noPeopleFound}</p>`
        : nothing}
    `;
  }

  #renderGroup(key: string, label: string, options: Option[], active: Option | undefined): TemplateResult | typeof nothing {
    if (options.length === 0) return nothing;
    const users = this.#options.users();
    return html`<div role="group" aria-labelledby="group-${key}">
      <div class="group-label" id="group-${key}" role="presentation">${label}</div>
      ${options.map((o) => {
        const selected = this.selected.includes(o.id);
        return html`<div
          id="opt-${o.id}"
          class="option ${o.id === active?.id ? 'active' : ''}"
          part="option"
          role="option"
          aria-selected=${selected ? 'true' : 'false'}
          aria-disabled=${this.capped && !selected ? 'true' : nothing}
          @mousedown=${(e: Event) => e.preventDefault()}
          @click=${() => this.toggle(o.id)}
        >
          ${avatar(users, o.id)}<span class="option-name">${nameOf(users, o.id)}</span>
          <span class="check" aria-hidden="true">${selected ? '✓' : ''}</span>
        </div>`;
      })}
    </div>`;
  }
}
