import { html, nothing, svg, type TemplateResult } from 'lit';
import type { Conversation, User } from '../../protocol/index.js';
import { conversationAvatar, conversationTitle } from '../internal/people.js';
import type { Strings } from '../internal/strings.js';

/** What the head templates need from the stack. */
export interface HeadsView {
  /** Every head with a known conversation, front first. */
  convs: Conversation[];
  shown: Conversation[];
  /** Heads beyond `max`, listed in the "+N" menu. */
  rest: Conversation[];
  users: Readonly<Record<string, User>>;
  me: string;
  open: string | undefined;
  t: Strings;
}

const crossIcon = svg`<svg viewBox="0 0 12 12" aria-hidden="true" focusable="false"><path d="M2 2l8 8M10 2l-8 8" /></svg>`;

/** Muted conversations count nothing: no badge, no count in the name. */
function unreadOf(c: Conversation): number {
  return c.muted ? 0 : c.unread;
}

/**
 * The avatar drawn over its button, not inside it: initials are a picture of
 * the person here, and inside the button they would be visible text missing
 * from its name (WCAG 2.5.3, label in name). Clicks pass through to the button.
 */
function face(view: HeadsView, c: Conversation): TemplateResult {
  return html`<span class="face" aria-hidden="true">${conversationAvatar(c, view.users, view.me)}</span>`;
}

function badgeText(n: number): string {
  return n > 99 ? '99+' : String(n);
}

function headLabel(view: HeadsView, title: string, unread: number): string {
  const open = view.t.openConversation(title);
  return unread ? `${open}, ${view.t.unreadCount(unread)}` : open;
}

/** One head: the avatar button (a disclosure for the panel), its unread badge and its x. */
export function renderHead(
  view: HeadsView,
  c: Conversation,
  onOpen: (conv: string) => void,
  onDismiss: (conv: string) => void,
): TemplateResult {
  const title = conversationTitle(c, view.users, view.me);
  const unread = unreadOf(c);
  const open = view.open === c.id;
  return html`<li class="item" part="item">
    <button
      class="head"
      part="head"
      data-conv=${c.id}
      aria-label=${headLabel(view, title, unread)}
      aria-expanded=${open ? 'true' : 'false'}
      aria-controls=${open ? 'panel' : nothing}
      @click=${() => onOpen(c.id)}
    ></button>
    ${face(view, c)}
    ${unread ? html`<span class="badge" part="badge" aria-hidden="true">${badgeText(unread)}</span>` : nothing}
    <button class="dismiss" part="dismiss" aria-label=${view.t.dismissConversation(title)} @click=${() => onDismiss(c.id)}>
      ${crossIcon}
    </button>
  </li>`;
}

/** The "+N" button and, when open, the list of the other conversations. */
export function renderOverflow(
  view: HeadsView,
  menuOpen: boolean,
  onToggle: () => void,
  onOpen: (conv: string) => void,
): TemplateResult {
  const label = view.t.moreConversations(view.rest.length);
  return html`<button
      class="more"
      part="more"
      aria-label=${label}
      aria-expanded=${menuOpen ? 'true' : 'false'}
      aria-controls=${menuOpen ? 'menu' : nothing}
      @click=${onToggle}
    >
      <bdi dir="ltr">+${view.rest.length}</bdi>
    </button>
    ${menuOpen
      ? html`<ul id="menu" class="menu" part="menu" aria-label=${label}>
          ${view.rest.map((c) => {
            const title = conversationTitle(c, view.users, view.me);
            const unread = unreadOf(c);
            return html`<li class="row">
              <button class="entry" part="menu-item" aria-label=${headLabel(view, title, unread)} @click=${() => onOpen(c.id)}>
                <bdi class="name">${title}</bdi>
              </button>
              ${face(view, c)}
              ${unread ? html`<span class="count" aria-hidden="true">${badgeText(unread)}</span>` : nothing}
            </li>`;
          })}
        </ul>`
      : nothing}`;
}
