// What the windowed peers render for a message, so that they draw what the
// panel draws: a day line where the day changes, the sender's avatar and the
// time on the first message of a run, a text bubble or a pin card (image,
// title, domain) with its note. Each peer renders it with its own templates.
import type { Message } from '../../src/protocol/index.js';
import type { Context } from './harness.js';

export interface Bubble {
  seq: number;
  key: string;
  own: boolean;
  /** First of a run by one sender: avatar (when not own) and time shown. */
  first: boolean;
  /** The day line above this message, when the day changed. */
  day?: string;
  name: string;
  initials: string;
  time: string;
  text?: string;
  pin?: { url: string; image: string; title: string; domain: string; note?: string };
}

// Made while the page is idle after loading, as the panel makes its own once it is registered:
// no side pays for the locale data inside its first open.
let time: Intl.DateTimeFormat | undefined;
let day: Intl.DateTimeFormat | undefined;
const formats = () => {
  time ??= new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
  day ??= new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
  return { time, day };
};
requestIdleCallback(() => formats());

const dayOf = (at: number) => new Date(at).toDateString();

/** The bubble of `messages[i]`: it depends on the message before it, as the panel's rows do. */
export function bubble(ctx: Context, messages: readonly Message[], i: number): Bubble {
  const m = messages[i];
  const prev = messages[i - 1];
  const f = formats();
  const own = m.from === ctx.client.user;
  const name = ctx.client.$users.get()[m.from]?.name ?? m.from;
  const newDay = !prev || dayOf(prev.at) !== dayOf(m.at);
  const first = newDay || prev.from !== m.from || m.at - prev.at > 5 * 60_000;
  return {
    seq: m.seq,
    key: `${m.from}:${m.id}`,
    own,
    first,
    day: newDay ? f.day.format(m.at) : undefined,
    name,
    initials: name.split(' ').map((w) => w[0]).join('').slice(0, 2).toUpperCase(),
    time: f.time.format(m.at),
    ...(m.body.kind === 'text'
      ? { text: m.body.text }
      : { pin: { url: m.body.pin.url, image: m.body.pin.image, title: m.body.pin.title, domain: m.body.pin.domain, note: m.body.note } }),
  };
}

/** Shared by both peers; sizes follow the panel's (15 px text, 200 x 240 pin images, 28 px avatars). */
export const BUBBLE_CSS = `
  .b-row { display: flex; flex-direction: column; padding: 2px 12px; font-size: 15px; line-height: 1.35; box-sizing: border-box; }
  .b-row.first { padding-block-start: 8px; }
  .b-day { align-self: center; margin: 8px 0; font-size: 12px; font-weight: 600; color: #767676; }
  .b-msg { display: flex; align-items: flex-start; gap: 8px; }
  .b-row.other:not(.first) .b-msg { padding-inline-start: 36px; }
  .b-row.own .b-msg { justify-content: flex-end; }
  .b-avatar { flex: none; inline-size: 28px; block-size: 28px; border-radius: 50%; background: #cde; display: grid; place-items: center; font-size: 11px; font-weight: 600; }
  .b-content { display: flex; flex-direction: column; align-items: flex-start; min-inline-size: 0; max-inline-size: 78%; }
  .b-row.own .b-content { align-items: flex-end; }
  .b-meta { padding-inline: 4px; margin-block-end: 2px; font-size: 12px; color: #767676; }
  .b-bubble { max-inline-size: 100%; padding: 8px 12px; border-radius: 16px; background: #efefef; white-space: pre-wrap; overflow-wrap: anywhere; }
  .b-row.own .b-bubble { background: #e60023; color: #fff; }
  .b-pin { position: relative; margin: 0 0 4px; inline-size: 200px; max-inline-size: 100%; overflow: hidden; border-radius: 16px; background: #f5f5f5; }
  .b-pin img { display: block; inline-size: 100%; block-size: 240px; object-fit: cover; }
  .b-pin figcaption { display: flex; flex-direction: column; gap: 2px; padding: 8px 10px 10px; }
  .b-pin a { font-weight: 600; color: #111; text-decoration: none; overflow-wrap: anywhere; }
  .b-domain { font-size: 12px; color: #767676; }
`;
