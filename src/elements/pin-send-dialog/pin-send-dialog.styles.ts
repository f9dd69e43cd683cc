import { css } from 'lit';

export const styles = css`
  dialog {
    inline-size: min(var(--pin-dialog-width, 480px), calc(100vw - 32px));
    max-inline-size: none;
    max-block-size: min(760px, calc(100dvh - 32px));
    padding: 0;
    border: none;
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
    box-shadow: var(--_shadow);
    font: inherit;
    overflow: hidden;
  }
  dialog[open] {
    display: flex;
    animation: appear var(--_duration) ease-out;
  }
  dialog::backdrop {
    background: var(--pin-backdrop, rgb(0 0 0 / 0.5));
  }
  @keyframes appear {
    from {
      opacity: 0;
      transform: translateY(12px);
    }
  }
  @media (max-width: 599px) {
    dialog {
      inline-size: 100%;
      block-size: 100%;
      max-block-size: none;
      margin: 0;
      border-radius: 0;
    }
  }
  .frame {
    display: flex;
    flex-direction: column;
    flex: 1;
    min-block-size: 0;
    inline-size: 100%;
  }
  header,
  footer {
    display: flex;
    align-items: center;
    gap: 12px;
    padding: 12px 16px;
  }
  header {
    border-block-end: 1px solid var(--_border);
  }
  footer {
    border-block-start: 1px solid var(--_border);
    justify-content: flex-end;
  }
  h2 {
    flex: 1;
    margin: 0;
    font-size: 1.25rem;
    text-align: center;
    padding-inline-start: 40px;
  }
  .close,
  .chip button {
    border: none;
    border-radius: 50%;
    background: transparent;
    line-height: 1;
  }
  .close {
    inline-size: 40px;
    block-size: 40px;
    font-size: 1.5rem;
  }
  .close:hover {
    background: var(--_surface-2);
  }
  .body {
    flex: 1;
    min-block-size: 0;
    overflow: auto;
    overscroll-behavior: contain;
    padding: 16px;
    display: flex;
    flex-direction: column;
    gap: 12px;
  }
  .preview {
    display: flex;
    align-items: center;
    gap: 12px;
    margin: 0;
    padding: 8px;
    border-radius: var(--_radius-small);
    background: var(--_surface-2);
  }
  .preview img,
  .no-image {
    flex: none;
    inline-size: 56px;
    block-size: 56px;
    border-radius: var(--_radius-small);
    object-fit: cover;
    background: var(--_border);
  }
  figcaption {
    display: flex;
    flex-direction: column;
    min-inline-size: 0;
    gap: 2px;
  }
  .pin-title {
    font-weight: 600;
    overflow-wrap: anywhere;
    display: -webkit-box;
    -webkit-line-clamp: 2;
    -webkit-box-orient: vertical;
    overflow: hidden;
    unicode-bidi: plaintext;
  }
  /* Names and titles take their direction from their own text (a Latin name in a
     right-to-left page is cut at its own end; direction overrides stay inside), but
     line up with the page. (Chromium computes text-align: match-parent as start.) */
  .pin-title,
  .chip-name,
  .option-name,
  .delivery-name {
    text-align: left;
  }
  :host(:dir(rtl)) :is(.pin-title, .chip-name, .option-name, .delivery-name) {
    text-align: right;
  }
  .domain,
  .hint,
  .empty,
  .cap,
  .group-label,
  legend,
  .field-label,
  .delivery-status {
    color: var(--_muted);
    font-size: 0.875rem;
  }
  .error {
    margin: 0;
    color: var(--_danger);
    font-size: 0.875rem;
  }
  /* Only the people list gives way on short screens (the picker's pieces are the body's own
     flex items), so what follows it (the note, the group name) stays in view; the body
     scrolls only once the list is down to two rows. */
  .body > * {
    flex: none;
  }
  .picker {
    display: contents;
  }
  .chips {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    margin: 0;
    padding: 0;
    list-style: none;
    --_avatar-size: 24px;
  }
  .chip {
    display: flex;
    align-items: center;
    gap: 6px;
    max-inline-size: 100%;
    padding-block: 2px;
    padding-inline: 2px 2px;
    border-radius: 999px;
    background: var(--_surface-2);
  }
  .chip-name,
  .option-name,
  .delivery-name {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    unicode-bidi: plaintext;
  }
  .chip button {
    flex: none;
    inline-size: 28px;
    block-size: 28px;
    font-size: 1.1rem;
  }
  .chip button:hover {
    background: var(--_border);
  }
  input[type='text'],
  textarea {
    inline-size: 100%;
    padding: 10px 14px;
    border: 1px solid var(--_field-border);
    border-radius: var(--_radius-small);
    background: var(--_surface);
    color: inherit;
    font: inherit;
  }
  #search {
    border-radius: 999px;
    background: var(--_surface-2);
  }
  textarea {
    resize: vertical;
    min-block-size: 3em;
  }
  ::placeholder {
    color: var(--_muted);
    opacity: 1;
  }
  .cap,
  .empty {
    margin: 0;
  }
  .people {
    flex-shrink: 1;
    min-block-size: 100px;
    max-block-size: 240px;
    overflow: auto;
    --_avatar-size: 36px;
  }
  .group-label {
    padding: 8px 8px 4px;
    font-weight: 600;
  }
  .option {
    display: flex;
    align-items: center;
    gap: 12px;
    padding: 6px 8px;
    border-radius: var(--_radius-small);
    cursor: pointer;
  }
  .option:hover,
  .option.active {
    background: var(--_surface-2);
  }
  /* The outline is for forced colours, which drop the shadow (see tokens). */
  .option.active {
    outline: 2px solid transparent;
    outline-offset: -2px;
    box-shadow: inset 0 0 0 2px var(--_text);
  }
  .option[aria-disabled='true'] {
    cursor: not-allowed;
    color: var(--_muted);
  }
  .option-name,
  .delivery-name {
    flex: 1;
    min-inline-size: 0;
  }
  .check {
    display: grid;
    place-items: center;
    flex: none;
    inline-size: 24px;
    block-size: 24px;
    border: 2px solid var(--_field-border);
    border-radius: 50%;
    font-size: 0.875rem;
  }
  [aria-selected='true'] .check {
    border-color: var(--_accent);
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .mode {
    display: flex;
    flex-wrap: wrap;
    gap: 8px 16px;
    margin: 0;
    padding: 8px 12px 12px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius-small);
  }
  .mode .field-label,
  .mode input[type='text'] {
    flex-basis: 100%;
  }
  .choice {
    display: flex;
    align-items: center;
    gap: 6px;
    min-block-size: 32px;
    cursor: pointer;
  }
  input[type='radio'] {
    margin: 0;
    inline-size: 18px;
    block-size: 18px;
    accent-color: var(--_accent);
  }
  .primary {
    min-block-size: 44px;
    padding: 0 24px;
    border: none;
    border-radius: 999px;
    background: var(--_accent);
    color: var(--_on-accent);
    font-weight: 600;
  }
  .primary:disabled {
    cursor: not-allowed;
    opacity: 0.45;
  }
  .hint {
    flex: 1;
  }
  .deliveries {
    display: flex;
    flex-direction: column;
    gap: 4px;
    margin: 0;
    padding: 0;
    list-style: none;
    --_avatar-size: 36px;
  }
  .delivery {
    display: flex;
    align-items: center;
    gap: 12px;
    padding: 6px 8px;
  }
  .delivery-text {
    display: flex;
    flex: 1;
    flex-direction: column;
    min-inline-size: 0;
  }
  .delivery.failed .delivery-status {
    color: var(--_danger);
  }
  .group-count {
    background: var(--_surface-2);
    font-weight: 600;
  }
  .tick {
    color: var(--_muted);
  }
  .retry {
    flex: none;
    min-block-size: 36px;
    padding: 0 16px;
    border: 1px solid var(--_border);
    border-radius: 999px;
    background: var(--_surface-2);
    font-weight: 600;
  }
`;
