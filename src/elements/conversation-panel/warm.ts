import { CSSResult, html, render, type CSSResultOrNative, type TemplateResult } from 'lit';
import type { Message } from '../../protocol/index.js';
import { DeliveryState } from '../internal/delivery.js';
import { stringsFor } from '../internal/strings.js';
import type { Row } from './rows.js';
import { renderRow } from './templates.js';

const AT = Date.UTC(2024, 0, 1, 12);

function message(from: string, seq: number, body: Message['body']): Message {
  return { conv: 'g:warm', seq, id: `w${seq}`, from, at: AT, body } as Message;
}

/** One row of every kind the history renders: a loader, a day, text with a link, a pin card, an own message with its state. */
function sampleRows(): Row[] {
  const text = message('a', 1, { kind: 'text', text: 'see https://example.com/a' });
  const pin = message('a', 2, { kind: 'pin', pin: { url: 'https://example.com/p', image: '', title: 'Pin', domain: 'example.com' }, note: 'note' });
  const own = message('b', 3, { kind: 'text', text: 'ok' });
  const row = (m: Message, first: boolean, mine = false): Row => ({
    kind: 'message',
    key: `${m.from}:${m.id}`,
    from: m.from,
    at: m.at,
    own: mine,
    first,
    message: m,
    entry: undefined,
    delivery: mine ? DeliveryState.Seen : undefined,
  });
  return [{ kind: 'older', key: 'older' }, { kind: 'day', key: 'd', at: AT }, row(text, true), row(pin, false), row(own, true, true)];
}

/**
 * Does, while the page is idle after the element is registered, the work
 * every panel's first render would otherwise do inside the open that the
 * reader waits for (like the date formatters): the stylesheets parsed, Lit's
 * templates of the panel and of every kind of row made, and the code that
 * renders them run once. Rendered into a detached element: nothing is laid
 * out, no image or avatar is fetched (none in the samples), nothing is kept.
 */
export function warmPanel(styles: readonly CSSResultOrNative[], shell: () => unknown): void {
  for (const s of styles) if (s instanceof CSSResult) void s.styleSheet;
  const ctx = { t: stringsFor(undefined), users: {}, group: true, tabStop: undefined };
  const rows: TemplateResult[] = sampleRows().map((r) => renderRow(r, ctx));
  render(html`${shell()}${rows}`, document.createElement('div'));
}
