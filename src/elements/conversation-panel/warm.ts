import { html, render, type CSSResultOrNative } from 'lit';
import type { Message } from '../../protocol/index.js';
import { DeliveryState } from '../internal/delivery.js';
import { whenIdle } from '../internal/idle.js';
import type { Strings } from '../internal/strings.js';
import type { Row } from './rows.js';
import { renderRow } from './templates.js';

const AT = Date.UTC(2024, 0, 1, 12);

const row = (seq: number, body: Message['body'], first: boolean, own = false): Row => ({
  kind: 'message',
  key: `w:${seq}`,
  from: own ? 'b' : 'a',
  at: AT,
  own,
  first,
  message: { seq, id: `${seq}`, from: own ? 'b' : 'a', at: AT, body },
  entry: undefined,
  delivery: own ? DeliveryState.Seen : undefined,
});

/**
 * Does, while the page is idle after the element is registered, the one-time
 * work that the first open would otherwise do inside the frame the reader
 * waits for: Lit's templates of the panel and of each kind of row made, the
 * code that renders them compiled, and the stylesheets' first style and
 * layout pass (with the fonts and text shaping they use). Measured in the
 * render benchmark, a fresh page's first open took 30-50 ms longer than a
 * reopen, most of it here, and was one task over 50 ms.
 *
 * The shell and sample rows (no images, no avatars to fetch) render into a
 * hidden, contained box of the panel's size with the panel's stylesheets,
 * laid out once and removed: no element is connected, no store bound, nothing
 * kept. Two idle tasks (rendering, then layout), so neither is long.
 */
export function warmPanel(styles: readonly CSSResultOrNative[], shell: () => { t: Strings; render(): unknown }): void {
  whenIdle(() => {
    const box = document.createElement('div');
    box.style.cssText = 'position:fixed;top:0;left:0;width:360px;height:520px;visibility:hidden;contain:strict;pointer-events:none';
    const root = box.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = styles.map((s) => (s instanceof CSSStyleSheet ? s : s.styleSheet!));
    const panel = shell();
    const ctx = { t: panel.t, users: {}, group: true, tabStop: undefined };
    const rows = [
      { kind: 'older', key: 'o' } as const,
      { kind: 'day', key: 'd', at: AT } as const,
      row(1, { kind: 'text', text: 'see https://example.com/a' }, true),
      row(2, { kind: 'pin', pin: { url: 'https://example.com/p', image: '', title: 'Pin', domain: 'example.com' }, note: 'note' }, false),
      row(3, { kind: 'text', text: 'ok' }, true, true),
    ].map((r) => renderRow(r, ctx));
    render(html`${panel.render()}${rows}`, root);
    whenIdle(() => {
      if (!document.body) return;
      document.body.append(box);
      box.getBoundingClientRect();
      root.firstElementChild?.getBoundingClientRect();
      box.remove();
    });
  });
}
