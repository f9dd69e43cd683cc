import { html, nothing, type TemplateResult } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import { displayHost, safeHref, type Body, type StoredBody, type User } from '../../protocol/index.js';
import { DeliveryState } from '../internal/delivery.js';
import { formatDay, formatTime } from '../internal/format.js';
import { avatar, nameOf } from '../internal/people.js';
import type { Strings } from '../internal/strings.js';
import { BIDI_CONTROLS, linkify } from './linkify.js';
import type { HistoryController } from './history.js';
import type { MessageRow, Row } from './rows.js';

/** Every link out of a message: no opener, no referrer, no ranking credit for user content. */
const LINK_REL = 'noopener noreferrer nofollow ugc';

export interface RowContext {
  t: Strings;
  users: Readonly<Record<string, User>>;
  group: boolean;
  /** The row that holds the list's one tab stop. */
  tabStop: string | undefined;
}

const RTL = '\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc';
const FIRST_STRONG = new RegExp(`[${RTL}]|[A-Za-z\u00c0-\u02b8\u0370-\u052f\u3040-\u9fff\uac00-\ud7af]`);
const IS_RTL = new RegExp(`[${RTL}]`);

/** The direction of a text's first strong character, as `dir="auto"` would pick it (ignoring isolates). */
function textDirection(text: string): 'rtl' | 'ltr' {
  const strong = FIRST_STRONG.exec(text)?.[0];
  return strong && IS_RTL.test(strong) ? 'rtl' : 'ltr';
}

export interface HistoryHandlers {
  onClick(event: MouseEvent): void;
  onAuxClick(event: MouseEvent): void;
  /** The "new messages" pill. */
  onPill(): void;
  /** Shown in place of an empty history. */
  empty: unknown;
}

/** The history: the rows in view between the two spacers the windowing sizes, the empty notice and the pill. */
export function renderHistory(history: HistoryController, ctx: RowContext, o: HistoryHandlers): TemplateResult {
  const { t, users } = ctx;
  return html`<div class="history">
    <div class="scroller" part="history" role="region" aria-label=${t.messageHistory} @scroll=${history.onScroll}>
      <div class="spacer" aria-hidden="true"></div>
      <div
        class="list"
        part="list"
        role="list"
        @click=${o.onClick}
        @auxclick=${o.onAuxClick}
        @keydown=${history.onKeydown}
        @focusin=${history.onFocusIn}
      >
        ${repeat(
          history.visible,
          (r) => r.key,
          // Rows are immutable: an unchanged row is not rendered again.
          (r) => guard([r, t, users, ctx.group, r.key === ctx.tabStop], () => renderRow(r, ctx)),
        )}
      </div>
      <div class="spacer" aria-hidden="true"></div>
    </div>
    ${o.empty}
    ${history.unseen > 0
      ? html`<button class="pill" part="new-messages" @click=${o.onPill}>${t.newMessages} <span aria-hidden="true">↓</span></button>`
      : nothing}
  </div>`;
}

export function renderRow(row: Row, ctx: RowContext): TemplateResult {
  if (row.kind === 'older') {
    return html`<div class="row older" data-key=${row.key} aria-hidden="true"><span class="loader"></span></div>`;
  }
  if (row.kind === 'day') {
    return html`<div class="row day" role="listitem" data-key=${row.key}>
      <span part="day-separator">${formatDay(row.at, ctx.t.today, ctx.t.yesterday)}</span>
    </div>`;
  }
  return renderMessage(row, ctx);
}

const FLAG = 'M5 3h2v1h11l-2 4 2 4H7v9H5V3zm2 3v4h7.8l-1-2 1-2H7z';
const BIN = 'M6 8h12l-1 13H7zM9 3h6l1 2h4v2H4V5h4z';

/** A message's own action beside it: report someone else's, delete (unsend) one's own. */
const rowButton = (action: string, label: string, title: string, tab: number, d: string) =>
  html`<button class="icon act ${action}" part="${action}-button" data-action=${action} tabindex=${tab} aria-label=${label} title=${title}>
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path fill="currentColor" d=${d} /></svg>
  </button>`;

function renderMessage(row: MessageRow, ctx: RowContext): TemplateResult {
  const { t, users } = ctx;
  const tab = row.key === ctx.tabStop ? 0 : -1;
  const name = row.own ? t.you : nameOf(users, row.from);
  const time = formatTime(row.at);
  const hidden = row.message?.hidden;
  // Nothing of a blocked person's message, not even who sent it: the row only keeps its place in the order.
  // A deleted one (a tombstone) says who deleted it and when, in its place on their side.
  if (hidden) {
    const text = hidden === 'blocked' ? t.blockedMessage : t.messageDeleted;
    return html`<div
      class="row message ${hidden} ${row.own ? 'own' : ''}"
      part="message hidden-message"
      role="listitem"
      tabindex=${tab}
      data-key=${row.key}
      aria-label=${hidden === 'blocked' ? text : `${name}, ${time}: ${text}`}
    >${text}</div>`;
  }
  const body: StoredBody | Body = row.message?.body ?? row.entry!.body;
  const showName = row.first && !row.own && ctx.group;
  // A pin's note is its last line, which the row's button sits beside.
  const note = body.kind === 'pin' ? body.note?.trim() && body.note : undefined;
  // A focusable list item takes no name from its content: sender, time and what it says name it.
  const what = body.kind === 'pin' ? [body.pin.title.replace(BIDI_CONTROLS, ''), body.note?.trim()].filter(Boolean).join(': ') : body.text;
  return html`<div
    class="row message ${row.own ? 'own' : 'other'} ${row.first ? 'first' : ''}"
    part="message ${row.own ? 'own-message' : ''}"
    role="listitem"
    tabindex=${tab}
    data-key=${row.key}
    aria-label=${`${name}, ${time}: ${what}`}
  >
    ${row.first && !row.own ? avatar(users, row.from) : nothing}
    <div class="content">
      ${row.first
        ? html`<div class="meta">
            ${showName ? html`<bdi class="name" part="sender">${name}</bdi>` : html`<span class="visually-hidden">${name}</span>`}
            <time dir="auto" datetime=${new Date(row.at).toISOString()}>${time}</time>
          </div>`
        : html`<span class="visually-hidden">${name}, ${time}</span>`}
      ${body.kind === 'pin' && note ? renderPin(body.pin, t, tab) : nothing}
      <div class="said">
        ${body.kind !== 'pin' ? renderText(body.text, tab) : note ? renderText(note, tab) : renderPin(body.pin, t, tab)}
        ${!row.message
          ? nothing
          : row.own
            ? rowButton('unsend', t.unsendMessage, t.unsendMessage, tab, BIN)
            : rowButton('report', t.reportMessage(name), t.report, tab, FLAG)}
      </div>
      ${row.delivery ? renderDelivery(row, t, tab) : nothing}
    </div>
  </div>`;
}

/** Text with http(s) URLs as links, each shown as the host and path it really goes to. */
function renderText(text: string, tab: number): TemplateResult {
  const runs = linkify(text);
  // Each run sits in its own isolate, so a right-to-left override in one run cannot reorder a link.
  // Plain text is one run, which the bubble (a block with that run's direction) isolates already.
  // A link's text has no bidi controls left (see readablePath) to reorder it from inside.
  const parts =
    runs.length === 1 && !('href' in runs[0])
      ? text
      : runs.map((part) =>
          'href' in part
            ? html`<a href=${part.href} rel=${LINK_REL} target="_blank" dir="ltr" tabindex=${tab}><span class="host">${part.host}</span>${part.path}</a>`
            : html`<bdi>${part.text}</bdi>`,
        );
  return html`<div class="bubble" part="bubble" dir=${textDirection(text)}>${parts}</div>`;
}

function renderPin(pin: PinLike, t: Strings, tab: number): TemplateResult {
  const href = safeHref(pin.url);
  const src = safeHref(pin.image);
  const host = displayHost(pin.url) ?? '';
  // A title is prose: its bidi controls are formatting, not content, so they go (an escape would read as noise),
  // and a title made to look like an address cannot read backwards. Its own direction comes from its letters.
  const text = pin.title.replace(BIDI_CONTROLS, '');
  const title = html`<bdi>${text}</bdi>`;
  return html`<figure class="pin" part="pin">
      ${src ? html`<img part="pin-image" src=${src} alt=${text} loading="lazy" decoding="async" referrerpolicy="no-referrer" />` : nothing}
      <figcaption>
        ${href
          ? html`<a class="pin-title" part="pin-title" href=${href} rel=${LINK_REL} target="_blank" tabindex=${tab}>${title}</a>`
          : html`<span class="pin-title" part="pin-title">${title}</span>`}
        ${host ? html`<span class="pin-domain" part="pin-domain">${t.pinFrom(host)}</span>` : nothing}
      </figcaption>
    </figure>`;
}

type PinLike = { url: string; image: string; title: string };

function renderDelivery(row: MessageRow, t: Strings, tab: number): TemplateResult {
  if (row.delivery === DeliveryState.Failed) {
    return html`<div class="delivery failed" part="delivery">
      <span>${t.statusFailed}</span>
      <button class="text-button" data-action="retry" tabindex=${tab}>${t.retry}</button>
      <button class="text-button" data-action="discard" tabindex=${tab} aria-label=${t.discardMessage}>${t.discard}</button>
    </div>`;
  }
  const label = { sending: t.statusSending, sent: t.statusSent, seen: t.statusSeen }[row.delivery!];
  return html`<div class="delivery" part="delivery">${label}</div>`;
}
