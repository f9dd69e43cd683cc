import { render, type CSSResultOrNative } from 'lit';
import type { Message } from '../../protocol/index.js';
import { whenIdle } from '../internal/idle.js';
import type { Strings } from '../internal/strings.js';
import { RowBuilder } from './rows.js';
import { renderRow } from './templates.js';

const message = (seq: number, from: string, body: Message['body']): Message => ({ seq, id: `${seq}`, from, at: 0, body });

/**
 * Does, while the page is idle after the element is registered, the one-time
 * work that the first open would otherwise do inside the frame the reader
 * waits for: Lit's templates of the panel and of each kind of row made, the
 * code that builds and renders rows compiled, and the stylesheets' first
 * style and layout pass (with the fonts and text shaping they use). In the
 * render benchmark a fresh page's first open took 30-50 ms longer than a
 * reopen, most of it this, in one task over 50 ms.
 *
 * The shell and sample rows (no images, no avatars to fetch) render into a
 * hidden, contained box of the panel's size with the panel's stylesheets,
 * laid out once and removed: no element is connected, no store bound, nothing
 * kept. Three idle tasks (the shell, the rows, then layout), each about
 * 10-30 ms on a quiet machine.
 */
export function warmPanel(styles: readonly CSSResultOrNative[], shell: () => { t: Strings; render(): unknown }): void {
  // Imported without a DOM (a server render, Node): nothing to warm.
  if (typeof document === 'undefined') return;
  whenIdle(() => {
    const box = document.createElement('div');
    // Sized by the panel's own :host rule, which applies to this box as the shadow root's host.
    box.style.cssText = 'position:fixed;visibility:hidden;contain:strict';
    const root = box.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = styles.map((s) => (s instanceof CSSStyleSheet ? s : s.styleSheet!));
    const list = root.appendChild(document.createElement('div'));
    const panel = shell();
    render(panel.render(), root);
    whenIdle(() => {
      const ctx = { t: panel.t, users: {}, group: true, tabStop: undefined };
      const rows = new RowBuilder().build({
        messages: [
          message(1, 'a', { kind: 'text', text: 'a https://a.io/b' }),
          message(2, 'a', { kind: 'pin', pin: { url: 'https://a.io/p', image: '', title: 'p', domain: 'a.io' }, note: 'n' }),
          message(3, 'b', { kind: 'text', text: 'ok' }),
        ],
        pending: [],
        me: 'b',
        hasOlder: true,
        seenUpTo: 3,
      });
      render(rows.map((r) => renderRow(r, ctx)), list);
      whenIdle(() => {
        if (!document.body) return;
        document.body.append(box);
        box.getBoundingClientRect();
        list.getBoundingClientRect();
        box.remove();
      });
    });
  });
}
