import { css } from 'lit';

// Only the heads, the menu and the panel take pointer events: the rest of the
// host's box lets clicks, wheels and touches through to the page.
export const styles = css`
  :host {
    --_inset-block: calc(var(--pin-stack-inset-block, 16px) + env(safe-area-inset-bottom, 0px));
    /* iOS reports equal left and right insets in landscape: either side is safe. */
    --_inset-inline: calc(
      var(--pin-stack-inset-inline, 16px) + max(env(safe-area-inset-left, 0px), env(safe-area-inset-right, 0px))
    );
    --_head: var(--pin-head-size, 56px);
    --_gap: 12px;
    /* A head's x sits beside it, clear of its faces and of its focus outline. */
    --_x-offset: 8px;
    position: fixed;
    z-index: var(--pin-stack-z-index, 1000);
    bottom: var(--_inset-block);
    inset-inline-start: var(--_inset-inline);
    inset-inline-end: auto;
    display: block;
    pointer-events: none;
  }
  :host([side='end']) {
    inset-inline-start: auto;
    inset-inline-end: var(--_inset-inline);
  }
  :host([side='left']) {
    left: var(--_inset-inline);
    right: auto;
  }
  :host([side='right']) {
    left: auto;
    right: var(--_inset-inline);
  }

  .layout {
    display: flex;
    align-items: flex-end;
    gap: var(--_gap);
  }
  /* The heads sit at the edge, the panel beside them, away from the edge. */
  :host([side='end']) .layout,
  :host([side='left']:dir(rtl)) .layout,
  :host([side='right']:dir(ltr)) .layout {
    flex-direction: row-reverse;
  }

  /* Front head nearest the corner; the overflow farthest. */
  .heads,
  .list {
    display: flex;
    flex-direction: column-reverse;
    align-items: center;
    gap: var(--_gap);
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .heads {
    padding-inline-end: calc(var(--_x-offset) + 24px);
  }
  .item {
    position: relative;
    --_avatar-size: var(--_head);
  }

  .head,
  .more,
  .dismiss {
    display: grid;
    place-items: center;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: var(--_surface);
    pointer-events: auto;
  }
  .head,
  .more {
    width: var(--_head);
    height: var(--_head);
    box-shadow: var(--_shadow);
    transition: box-shadow var(--_duration);
  }
  .head:hover {
    box-shadow: 0 0 0 2px var(--_border), var(--_shadow);
  }
  .face {
    position: absolute;
    display: grid;
    place-items: center;
    pointer-events: none;
  }
  .item > .face {
    inset: 0;
  }
  /* The open head's ring is a border on its face, so that it survives forced colours and
     leaves the outline to focus: a focused open head shows both. */
  .head[aria-expanded='true'] + .face::after {
    content: '';
    position: absolute;
    inset: -5px;
    border: 3px solid var(--_accent);
    border-radius: 50%;
  }
  .head:focus-visible,
  .more:focus-visible,
  .dismiss:focus-visible,
  .entry:focus-visible {
    box-shadow: var(--_focus), var(--_shadow);
  }
  /* Outside the open ring (5px), inside the x's offset. */
  .head:focus-visible {
    outline-offset: 6px;
  }
  /* Inside the menu, which scrolls and so clips what is drawn outside an entry. */
  .entry:focus-visible {
    outline-offset: -2px;
  }
  .more {
    width: calc(var(--_head) * 0.8);
    height: calc(var(--_head) * 0.8);
    background: var(--_surface-2);
    color: var(--_text);
    font-weight: 700;
  }

  /* Unread counts: a head's badge, a menu entry's count. */
  .badge,
  .row > .count {
    position: absolute;
    padding: 0 6px;
    background: var(--_accent);
    color: var(--_on-accent);
    font-size: 12px;
    font-weight: 700;
    text-align: center;
    pointer-events: none;
  }
  .badge {
    inset-block-start: -4px;
    inset-inline-end: -4px;
    min-width: 22px;
    height: 22px;
    border-radius: 11px;
    border: 2px solid var(--_surface);
    line-height: 18px;
  }

  .dismiss {
    position: absolute;
    inset-block-start: calc(50% - 12px);
    inset-inline-start: calc(100% + var(--_x-offset));
    width: 24px;
    height: 24px;
    border: 1px solid var(--_border);
    color: var(--_text);
    opacity: 0;
    transition: opacity var(--_duration);
  }
  .item:hover .dismiss,
  .item:focus-within .dismiss {
    opacity: 1;
  }
  /* No hover on touch screens: the x stays visible. */
  @media (hover: none) {
    .dismiss {
      opacity: 1;
    }
  }
  svg {
    width: 12px;
    height: 12px;
    stroke: currentColor;
    stroke-width: 2.5;
    stroke-linecap: round;
  }

  .overflow {
    position: relative;
  }
  [hidden] {
    display: none !important;
  }
  .menu {
    position: absolute;
    inset-block-start: 0;
    inset-inline-start: calc(100% + var(--_gap));
    width: max-content;
    /* From beside the "+N" button (0.8 of a head, centred on the heads) to the far edge, less the inset. */
    --_room-inline: calc(100vw - 0.9 * var(--_head) - var(--_gap) - 2 * var(--_inset-inline));
    min-width: min(220px, var(--_room-inline));
    max-width: min(320px, var(--_room-inline));
    /* --_room: the space towards the screen's edge the menu opens to, set by the stack. */
    max-height: min(360px, var(--_room, 60dvh));
    overflow-y: auto;
    margin: 0;
    padding: 6px;
    list-style: none;
    border-radius: var(--_radius);
    background: var(--_surface);
    box-shadow: var(--_shadow);
    pointer-events: auto;
    --_avatar-size: 32px;
  }
  .menu.up {
    inset-block: auto 0;
  }
  /* Towards the page, away from the stack's edge. */
  :host([side='end']) .heads,
  :host([side='left']:dir(rtl)) .heads,
  :host([side='right']:dir(ltr)) .heads {
    padding-inline: calc(var(--_x-offset) + 24px) 0;
  }
  :host([side='end']) .dismiss,
  :host([side='left']:dir(rtl)) .dismiss,
  :host([side='right']:dir(ltr)) .dismiss {
    inset-inline-start: auto;
    inset-inline-end: calc(100% + var(--_x-offset));
  }
  :host([side='end']) .menu,
  :host([side='left']:dir(rtl)) .menu,
  :host([side='right']:dir(ltr)) .menu {
    inset-inline-start: auto;
    inset-inline-end: calc(100% + var(--_gap));
  }
  .row {
    position: relative;
  }
  .row > .face {
    inset-block: 0;
    inset-inline-start: 8px;
  }
  .entry {
    display: flex;
    align-items: center;
    width: 100%;
    min-height: 44px;
    padding-block: 6px;
    padding-inline: 50px 40px;
    border: 0;
    border-radius: var(--_radius-small);
    background: none;
    text-align: start;
  }
  .entry:hover {
    background: var(--_surface-2);
  }
  .entry .name {
    flex: 1;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .row > .count {
    /* Forced colours paint this edge (and drop the fill): the count stays a badge there. */
    outline: 1px solid transparent;
    inset-block-start: 12px;
    inset-inline-end: 8px;
    min-width: 20px;
    border-radius: 10px;
    line-height: 20px;
  }

  #panel {
    pointer-events: auto;
  }
  @media (min-width: 601px) {
    #panel {
      max-block-size: calc(100dvh - 2 * var(--_inset-block));
    }
  }
`;
