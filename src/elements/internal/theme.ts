import { css } from 'lit';

/**
 * Design tokens shared by the three elements. Every knob is read through a
 * fallback chain and never declared on `:host`, so one `:root` block themes all
 * three elements and nothing leaks out. Internal variables start with `--_`.
 * Colours use `light-dark()`, resolved by the element's `color-scheme`: the
 * system's by default, `--pin-color-scheme` page-wide, or `theme="dark|light"`.
 */
export const tokens = css`
  :host {
    color-scheme: var(--pin-color-scheme, light dark);
    --_accent: var(--pin-accent, #e60023);
    --_on-accent: var(--pin-on-accent, #fff);
    --_surface: var(--pin-surface, light-dark(#fff, #1e1e1e));
    --_surface-2: var(--pin-surface-2, light-dark(#efefef, #2e2e2e));
    --_text: var(--pin-text, light-dark(#111, #f1f1f1));
    --_muted: var(--pin-muted, light-dark(#5f5f5f, #b5b5b5));
    --_border: var(--pin-border, light-dark(#cdcdcd, #4a4a4a));
    /* Edges that identify a control (text fields, the selection circle): at least 3:1 against
       the surfaces and the hover fill (WCAG 1.4.11), where --_border only divides. */
    --_field-border: var(--pin-field-border, light-dark(#767676, #8f8f8f));
    --_danger: var(--pin-danger, light-dark(#b3001a, #ff8a8a));
    --_own-bubble: var(--pin-own-bubble, light-dark(#111, #f1f1f1));
    --_on-own-bubble: var(--pin-on-own-bubble, light-dark(#fff, #111));
    --_bubble: var(--pin-bubble, light-dark(#efefef, #2e2e2e));
    --_radius: var(--pin-radius, 16px);
    --_radius-small: var(--pin-radius-small, 8px);
    --_shadow: var(--pin-shadow, 0 4px 24px rgb(0 0 0 / 0.22));
    --_focus: var(--pin-focus-ring, 0 0 0 3px light-dark(#0074e8, #79b8ff));
    --_font: var(--pin-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_duration: var(--pin-duration, 160ms);
    font-family: var(--_font);
    color: var(--_text);
  }
  :host([theme='light']) {
    color-scheme: light;
  }
  :host([theme='dark']) {
    color-scheme: dark;
  }
  :host([hidden]) {
    display: none !important;
  }
  @media (prefers-reduced-motion: reduce) {
    :host {
      --_duration: 0ms;
    }
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  /* The ring is a box-shadow, which forced colours (Windows high contrast) drop; the
     transparent outline beside it is what those modes paint, in a system colour. */
  :focus-visible {
    outline: 2px solid transparent;
    outline-offset: 1px;
    box-shadow: var(--_focus);
  }
  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  button {
    font: inherit;
    color: inherit;
    cursor: pointer;
  }
`;
