import { html, nothing, type TemplateResult } from 'lit';
import { guard } from 'lit/directives/guard.js';
import type { Conversation, User } from '../../protocol/index.js';
import { ConnectionStatus, type TimelineState } from '../../state/client.js';
import { conversationAvatar, conversationTitle, nameOf } from '../internal/people.js';
import type { Strings } from '../internal/strings.js';

/** A question in the panel's dialog: the link-safety warning, or confirming leave, block, report or delete. */
export interface Confirm {
  title: string;
  detail: string;
  /** The confirming button's label. */
  action: string;
  run(): unknown;
}

export type MenuAction = 'mute' | 'leave' | 'block' | 'unblock';

export interface HeaderOptions {
  t: Strings;
  conv: Conversation | undefined;
  users: Readonly<Record<string, User>>;
  me: string;
  blocked: boolean;
  menuOpen: boolean;
  onClose(): void;
  onMenu(open: boolean): void;
  onAction(action: MenuAction): void;
}

const backIcon = html`<svg class="flip" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">
  <path fill="currentColor" d="M20 11H7.8l5.6-5.6L12 4l-8 8 8 8 1.4-1.4L7.8 13H20z" />
</svg>`;
const closeIcon = html`<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
  <path fill="currentColor" d="M18.3 5.7 16.9 4.3 12 9.2 7.1 4.3 5.7 5.7 10.6 12l-4.9 4.9 1.4 1.4 4.9-4.9 4.9 4.9 1.4-1.4-4.9-4.9z" />
</svg>`;
const moreIcon = html`<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
  <circle fill="currentColor" cx="5" cy="12" r="2" /><circle fill="currentColor" cx="12" cy="12" r="2" /><circle fill="currentColor" cx="19" cy="12" r="2" />
</svg>`;
/** Arrow keys move through the menu's items; Tab leaves and closes it. */
function onMenuKeydown(event: KeyboardEvent, close: () => void): void {
  const items = [...(event.currentTarget as HTMLElement).querySelectorAll<HTMLElement>('[role="menuitem"]')];
  const at = items.indexOf(event.target as HTMLElement);
  const to =
    event.key === 'ArrowDown' ? (at + 1) % items.length
    : event.key === 'ArrowUp' ? (at - 1 + items.length) % items.length
    : event.key === 'Home' ? 0
    : event.key === 'End' ? items.length - 1
    : -1;
  if (event.key === 'Tab') close();
  if (to < 0) return;
  event.preventDefault();
  items[to]?.focus();
}

export function renderHeader(o: HeaderOptions): TemplateResult {
  const { t, conv, users, me } = o;
  const title = conv ? conversationTitle(conv, users, me) : '';
  const group = conv?.kind === 'group';
  const other = !group ? conv?.members.find((m) => m !== me) : undefined;
  const others = group ? conv!.members.filter((m) => m !== me).map((m) => nameOf(users, m)) : [];
  // The reader last: "You" between two names read as one of them, and cut the line short.
  const names = others.concat(conv?.members.includes(me) ? t.you : []).join(', ');
  const onFocusOut = (event: FocusEvent) => {
    const wrap = event.currentTarget as HTMLElement;
    if (!wrap.contains(event.relatedTarget as Node | null)) o.onMenu(false);
  };
  const item = (action: MenuAction, label: string) =>
    html`<button role="menuitem" tabindex="-1" @click=${() => o.onAction(action)}>${label}</button>`;
  return html`<header class="header" part="header">
    <button class="icon back" part="back-button" aria-label=${t.back} @click=${o.onClose}>${backIcon}</button>
    ${conv ? conversationAvatar(conv, users, me) : nothing}
    <div class="heading">
      <h2 id="title" part="title">
        ${group && !conv!.title && others.length > 1
          ? // As many whole names as fit, then "+N" (see fitNames); screen readers hear them all.
            html`<span class="visually-hidden">${title}</span
              ><span class="fit" aria-hidden="true"
                ><span class="names">${others.map((n, i) => html`<span>${i ? ', ' : ''}<bdi>${n}</bdi></span>`)}</span
                ><span class="more"></span
              ></span>`
          : html`<bdi>${title}</bdi>`}
      </h2>
      ${group
        ? // Cut to one line, the whole list one Enter (or click) away: a title alone is out of reach of the keyboard.
          html`<details class="members" part="members"><summary title=${names}><bdi>${t.members(conv!.members.length)}</bdi> · <bdi>${names}</bdi></summary></details>`
        : nothing}
    </div>
    <div class="menu-wrap" @focusout=${onFocusOut}>
      <button
        class="icon menu-button"
        part="menu-button"
        aria-label=${t.more}
        aria-haspopup="menu"
        aria-expanded=${o.menuOpen ? 'true' : 'false'}
        ?disabled=${!conv}
        @click=${() => o.onMenu(!o.menuOpen)}
      >
        ${moreIcon}
      </button>
      ${o.menuOpen && conv
        ? html`<div class="menu" part="menu" role="menu" aria-label=${t.more} @keydown=${(e: KeyboardEvent) => onMenuKeydown(e, () => o.onMenu(false))}>
            ${item('mute', conv.muted ? t.unmute : t.mute)}
            ${group ? item('leave', t.leave) : nothing}
            ${other ? (o.blocked ? item('unblock', t.unblock(nameOf(users, other))) : item('block', t.block(nameOf(users, other)))) : nothing}
          </div>`
        : nothing}
    </div>
    <button class="icon close" part="close-button" aria-label=${t.close} @click=${o.onClose}>${closeIcon}</button>
  </header>`;
}

/**
 * Shows as many whole names of an untitled group's header as fit, and "+N"
 * for the rest. Run after the header renders or the panel's width changes.
 */
export function fitNames(box: HTMLElement | null | undefined): void {
  if (!box) return;
  const names = [...box.children] as HTMLElement[];
  const more = box.nextElementSibling!;
  let shown = names.length;
  for (const name of names) name.hidden = false;
  // Measured without the last fit's "+N", which would take the room of a name that fits now.
  more.textContent = '';
  while (shown > 1 && box.scrollWidth > box.clientWidth) {
    names[--shown].hidden = true;
    more.textContent = `+${names.length - shown}`;
  }
}

/** The header, rendered again only when what it shows changes (not for each new set of handlers). */
export const guardedHeader = (o: HeaderOptions) =>
  guard([o.t, o.conv?.kind, o.conv?.title, o.conv?.members, o.conv?.muted, o.users, o.me, o.blocked, o.menuOpen], () => renderHeader(o));

export function renderNotice(text: string, action: string, onAction: () => void): TemplateResult {
  return html`<div class="notice" part="notice"><span>${text}</span><button class="text-button" @click=${onAction}>${action}</button></div>`;
}

export function renderConfirm(confirm: Confirm | undefined, t: Strings, onClose: () => void): TemplateResult {
  return html`<dialog part="dialog" aria-labelledby="dialog-title" aria-describedby="dialog-detail" @close=${onClose}>
    ${confirm
      ? html`<form method="dialog">
          <h3 id="dialog-title">${confirm.title}</h3>
          <p id="dialog-detail">${confirm.detail}</p>
          <div class="actions">
            <button class="text-button" value="cancel" autofocus>${t.cancel}</button>
            <button class="primary" value="confirm">${confirm.action}</button>
          </div>
        </form>`
      : nothing}
  </dialog>`;
}

/** The connection banner, or a failed action: quiet while online. Not a live region: the panel announces real changes only (see Notices). */
export function renderStatus(t: Strings, status: ConnectionStatus, pending: boolean, failure: string): TemplateResult {
  const text =
    failure ||
    (status === ConnectionStatus.Connecting || status === ConnectionStatus.Syncing ? t.connecting
    : status === ConnectionStatus.Reconnecting ? (pending ? t.offline : t.reconnecting)
    : status === ConnectionStatus.Refused ? t.refused
    : '');
  return html`<div class="status ${text ? (failure ? 'failed' : '') : 'quiet'}" part="status" dir="auto">${text}</div>`;
}

/** The conversation, or for a direct one not created yet, what its id says. */
export function conversationOf(known: Readonly<Record<string, Conversation>>, conv: string, me: string): Conversation | undefined {
  if (known[conv] || !conv.startsWith('dm:')) return known[conv];
  const members = conv.split(':').slice(1);
  return { id: conv, kind: 'direct', members, createdBy: me, createdAt: 0, lastSeq: 0, unread: 0, muted: false, reads: {} };
}

/** In place of an empty history: that it is loading, or that it is empty. */
export function renderEmpty(t: Strings, timeline: TimelineState, pending: boolean, online: boolean): TemplateResult | typeof nothing {
  if (timeline.messages.length || pending) return nothing;
  return html`<p class="empty" part="empty" dir="auto">${timeline.hasOlder || !online ? t.loadingMessages : t.empty}</p>`;
}

// The questions asked before leaving a group, blocking someone, reporting or deleting a message and opening a link out.

export const askLeave = (t: Strings, run: () => unknown): Confirm => ({ title: t.leaveConfirm, detail: t.leaveConfirmDetail, action: t.leave, run });

export const askBlock = (t: Strings, name: string, run: () => unknown): Confirm => ({
  title: t.blockConfirm(name),
  detail: t.blockConfirmDetail(name),
  action: t.block(name),
  run,
});

export const askReport = (t: Strings, run: () => unknown): Confirm => ({
  title: t.reportConfirm,
  detail: t.reportConfirmDetail,
  action: t.report,
  run,
});

export const askUnsend = (t: Strings, run: () => unknown): Confirm => ({
  title: t.unsendConfirm,
  detail: t.unsendConfirmDetail,
  action: t.discard,
  run,
});

export const askLink = (t: Strings, host: string, run: () => unknown): Confirm => ({
  title: t.leavingSite,
  detail: t.leavingSiteDetail(host),
  action: t.continueTo(host),
  run,
});
