import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    position: relative;
    inline-size: var(--pin-panel-width, 360px);
    block-size: var(--pin-panel-height, 520px);
    max-inline-size: 100%;
    font-size: 15px;
    line-height: 1.35;
  }
  @media (max-width: 600px) {
    :host {
      position: fixed;
      inset: 0;
      inline-size: auto;
      max-inline-size: none;
      block-size: 100dvh;
      max-block-size: none;
      z-index: var(--pin-panel-z-index, 2147483000);
    }
  }
  /* The dialog that makes the full-screen panel modal: no box of its own otherwise. */
  .frame {
    all: unset;
    display: contents;
  }
  .frame:modal {
    display: block;
    position: fixed;
    inset: 0;
  }
  .panel {
    display: flex;
    flex-direction: column;
    block-size: 100%;
    background: var(--_surface);
    border-radius: var(--_radius);
    box-shadow: var(--_shadow);
    overflow: hidden;
  }
  @media (max-width: 600px) {
    .panel {
      border-radius: 0;
      box-shadow: none;
      padding: env(safe-area-inset-top) env(safe-area-inset-right) env(safe-area-inset-bottom) env(safe-area-inset-left);
    }
  }
  .flip:dir(rtl) {
    transform: scaleX(-1);
  }
  .icon {
    display: inline-grid;
    place-items: center;
    flex: none;
    inline-size: 40px;
    block-size: 40px;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: transparent;
  }
  .icon:hover {
    background: var(--_surface-2);
  }
  .icon:disabled {
    cursor: default;
    opacity: 0.5;
  }
  .text-button {
    padding: 4px 6px;
    min-block-size: 24px;
    border: 0;
    border-radius: var(--_radius-small);
    background: transparent;
    font-weight: 600;
    text-decoration: underline;
  }

  /* Header */
  .header {
    display: flex;
    align-items: center;
    gap: 8px;
    padding-block: 8px;
    padding-inline: 12px 4px;
    border-block-end: 1px solid var(--_border);
    --_avatar-size: 36px;
  }
  .heading {
    flex: 1;
    min-inline-size: 0;
  }
  h2,
  .members {
    margin: 0;
    overflow: hidden;
    white-space: nowrap;
    text-overflow: ellipsis;
  }
  h2 {
    font-size: 16px;
    font-weight: 700;
  }
  .fit {
    display: flex;
  }
  .names {
    min-inline-size: 0;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .more {
    flex: none;
  }
  .more:not(:empty) {
    padding-inline-start: 6px;
  }
  .members {
    font-size: 12px;
    color: var(--_muted);
  }
  .members summary {
    display: block;
    overflow: hidden;
    text-overflow: ellipsis;
    cursor: pointer;
  }
  .members[open] summary {
    white-space: normal;
  }
  /* Drawn inside: the line clips what goes beyond it. */
  .members summary:focus-visible {
    outline-offset: -2px;
    box-shadow: inset var(--_focus);
  }
  .back {
    display: none;
    margin-inline-start: -8px;
  }
  @media (max-width: 600px) {
    .back {
      display: inline-grid;
    }
    .close {
      display: none;
    }
  }
  .menu-wrap {
    position: relative;
  }
  .menu {
    position: absolute;
    inset-block-start: calc(100% + 4px);
    inset-inline-end: 0;
    z-index: 2;
    display: flex;
    flex-direction: column;
    min-inline-size: 200px;
    padding: 4px;
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: var(--_radius-small);
    box-shadow: var(--_shadow);
  }
  .menu button {
    padding: 10px 12px;
    border: 0;
    border-radius: var(--_radius-small);
    background: transparent;
    text-align: start;
  }
  .menu button:hover,
  .menu button:focus-visible {
    background: var(--_surface-2);
  }
  .status {
    padding: 6px 12px;
    font-size: 13px;
    background: var(--_surface-2);
  }
  .status.failed {
    color: var(--_danger);
  }
  .status.quiet {
    padding: 0;
  }
  .blocked-notice {
    margin: 0;
    padding: 6px 12px;
    border-block-end: 1px solid var(--_border);
    font-size: 13px;
    color: var(--_muted);
  }

  /* History */
  .history {
    position: relative;
    display: flex;
    flex: 1;
    min-block-size: 0;
  }
  .scroller {
    flex: 1;
    overflow-x: hidden;
    overflow-y: auto;
    /* The view is anchored by hand, the same way in every browser. */
    overflow-anchor: none;
    overscroll-behavior: contain;
    padding-block-end: 8px;
  }
  .row {
    display: flex;
    padding-inline: 12px;
    --_avatar-size: 28px;
  }
  .row:focus-visible {
    outline-offset: -2px;
    box-shadow: inset var(--_focus);
  }
  .older {
    block-size: 40px;
    align-items: center;
    justify-content: center;
  }
  .loader {
    inline-size: 18px;
    block-size: 18px;
    border: 2px solid var(--_border);
    border-block-start-color: var(--_muted);
    border-radius: 50%;
    animation: spin calc(var(--_duration) * 5) linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(1turn);
    }
  }
  .day {
    justify-content: center;
    padding-block: 12px 6px;
    font-size: 12px;
    font-weight: 600;
    color: var(--_muted);
  }
  .message {
    align-items: flex-start;
    gap: 8px;
    padding-block: 2px;
  }
  .message.first {
    padding-block-start: 8px;
  }
  /* Lined up under the avatar of the run's first message (one element fewer per row than a gap). */
  .other:not(.first) {
    padding-inline-start: calc(20px + var(--_avatar-size));
  }
  .content {
    display: flex;
    flex-direction: column;
    align-items: flex-start;
    min-inline-size: 0;
    max-inline-size: 78%;
  }
  .own .content {
    align-items: flex-end;
    margin-inline-start: auto;
  }
  /* A message and its action (report, delete) on one line: the button sits at the message's last
     line, on the side away from the edge, however wide the name above or tall the pin card. */
  .said {
    display: flex;
    align-items: flex-end;
    gap: 4px;
    max-inline-size: 100%;
  }
  .own .said {
    flex-direction: row-reverse;
  }
  .meta {
    display: flex;
    gap: 6px;
    padding-inline: 4px;
    margin-block-end: 2px;
    font-size: 12px;
    color: var(--_muted);
  }
  .name {
    font-weight: 600;
    color: var(--_text);
  }
  .bubble {
    max-inline-size: 100%;
    padding: 8px 12px;
    border-radius: var(--_radius);
    background: var(--_bubble);
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .own .bubble {
    background: var(--_own-bubble);
    color: var(--_on-own-bubble);
  }
  .bubble a {
    color: inherit;
    text-decoration: underline;
  }
  /* Where a link really goes stands out from the rest of its address. */
  .host {
    font-weight: 600;
  }
  .blocked,
  .deleted {
    padding-inline-start: calc(20px + var(--_avatar-size));
    font-size: 12px;
    font-style: italic;
    color: var(--_muted);
  }
  .deleted.own {
    justify-content: flex-end;
  }
  .pin {
    position: relative;
    margin: 0 0 4px;
    inline-size: 200px;
    max-inline-size: 100%;
    overflow: hidden;
    border-radius: var(--_radius);
    background: var(--_surface-2);
  }
  .pin:has(.pin-title:focus-visible) {
    outline: 2px solid transparent;
    box-shadow: var(--_focus);
  }
  .pin img {
    display: block;
    inline-size: 100%;
    block-size: 240px;
    object-fit: cover;
  }
  .pin figcaption {
    display: flex;
    flex-direction: column;
    gap: 2px;
    padding: 8px 10px 10px;
  }
  .pin-title {
    font-weight: 600;
    color: var(--_text);
    text-decoration: none;
    overflow-wrap: anywhere;
  }
  a.pin-title::after {
    /* The whole card follows the link. */
    content: '';
    position: absolute;
    inset: 0;
  }
  /* The card shows the focus (above), not the title inside it. */
  a.pin-title:focus-visible {
    outline: none;
    box-shadow: none;
  }
  .pin-domain {
    font-size: 12px;
    color: var(--_muted);
    overflow-wrap: anywhere;
  }
  .delivery {
    display: flex;
    align-items: center;
    gap: 6px;
    padding-inline: 4px;
    margin-block-start: 2px;
    font-size: 12px;
    color: var(--_muted);
  }
  .delivery.failed {
    color: var(--_danger);
  }
  .act {
    inline-size: 32px;
    block-size: 32px;
    color: var(--_muted);
    opacity: 0;
    /* Until shown, its icon is neither laid out nor painted; the button stays focusable and named. */
    content-visibility: hidden;
  }
  .message:hover .act,
  .message:focus-within .act,
  .message:focus .act {
    opacity: 1;
    content-visibility: visible;
  }
  @media (hover: none) {
    .act {
      opacity: 0.7;
      content-visibility: visible;
    }
  }
  .pill {
    position: absolute;
    inset-block-end: 8px;
    left: 50%;
    transform: translateX(-50%);
    padding: 6px 14px;
    border: 0;
    border-radius: 999px;
    background: var(--_accent);
    color: var(--_on-accent);
    font-weight: 600;
    box-shadow: var(--_shadow);
    animation: rise var(--_duration) ease-out;
  }
  @keyframes rise {
    /* Movement only: fading would leave the label briefly without contrast. */
    from {
      transform: translate(-50%, 12px);
    }
  }
  .empty {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    margin: 0;
    padding: 24px;
    text-align: center;
    color: var(--_muted);
    pointer-events: none;
  }

  /* Composer */
  .typing {
    min-block-size: 18px;
    padding-inline: 16px;
    overflow: hidden;
    font-size: 12px;
    color: var(--_muted);
    white-space: nowrap;
    text-overflow: ellipsis;
  }
  .composer {
    display: flex;
    flex-wrap: wrap;
    align-items: flex-end;
    gap: 8px;
    padding: 4px 12px 12px;
  }
  textarea {
    flex: 1;
    min-inline-size: 0;
    min-block-size: 40px;
    max-block-size: 140px;
    padding: 8px 14px;
    resize: none;
    field-sizing: content;
    border: 1px solid var(--_field-border);
    border-radius: 20px;
    background: var(--_surface);
    color: inherit;
    /* 16px keeps phones from zooming in on focus. */
    font: inherit;
    font-size: 16px;
    line-height: 22px;
  }
  textarea::placeholder {
    color: var(--_muted);
    opacity: 1;
  }
  .send {
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .send:hover {
    background: var(--_accent);
    filter: brightness(0.92);
  }
  .send:disabled {
    background: var(--_surface-2);
    color: var(--_muted);
    filter: none;
  }
  .too-long {
    flex-basis: 100%;
    margin: 0;
    font-size: 12px;
    color: var(--_danger);
  }
  .notice {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
    padding: 12px 16px;
    border-block-start: 1px solid var(--_border);
    font-size: 14px;
  }

  /* Dialog */
  dialog {
    max-inline-size: min(340px, calc(100vw - 32px));
    padding: 20px;
    border: 0;
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
    box-shadow: var(--_shadow);
  }
  dialog::backdrop {
    background: rgb(0 0 0 / 0.45);
  }
  dialog h3 {
    margin: 0 0 8px;
    font-size: 18px;
  }
  dialog p {
    margin: 0 0 16px;
    overflow-wrap: anywhere;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    justify-content: flex-end;
    gap: 8px;
  }
  .actions button {
    max-inline-size: 100%;
    padding: 10px 16px;
    border: 0;
    border-radius: 999px;
    font-weight: 600;
    overflow-wrap: anywhere;
    text-decoration: none;
  }
  .actions .text-button {
    background: var(--_surface-2);
  }
  .primary {
    background: var(--_accent);
    color: var(--_on-accent);
  }
`;
