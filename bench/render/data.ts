import type { StoredBody } from '../../src/protocol/index.js';
import { randomId } from '../../src/protocol/index.js';
import { seededRandom, type TestChat } from '../../src/testing/index.js';

const WORDS = (
  'pin board idea kitchen garden lamp linen oak tile recipe trip weekend paint colour ' +
  'shelf cosy light green blue soft wood brass print plant chair rug window cabin autumn ' +
  'look love this one that maybe yes no great try later tonight tomorrow link saved'
).split(' ');

/** Every run and both sides get the same history. */
const random = seededRandom;

function text(rand: () => number, n: number): string {
  // Mostly one-liners, some two or three lines, a few long paragraphs.
  const r = rand();
  const words = r < 0.6 ? 2 + Math.floor(rand() * 6) : r < 0.92 ? 8 + Math.floor(rand() * 16) : 30 + Math.floor(rand() * 50);
  const out = [`#${n}`];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)]);
  return out.join(' ');
}

/** One message in this many is a pin card (its image is what makes a row tall and costly). */
export const PIN_EVERY = 10;

/** Pin images come from the benchmark's own server (see serve.ts), one distinct file per pin. */
export function pinImage(origin: string, n: number): string {
  return `${origin}/pin/${n % 97}.svg`;
}

/**
 * A direct conversation between `a` and `b` with `count` messages stored
 * straight in the backend, one in PIN_EVERY a pin card with an image and a
 * note, the rest text: runs of one to four messages per sender, gaps from
 * seconds to hours (so there are sender groups and day separators), the
 * newest a few minutes ago. Every text and note starts with `#<seq>`.
 * Returns the conversation id.
 */
export function seedHistory(chat: TestChat, a: string, b: string, count: number, origin = location.origin): string {
  const conv = chat.seed({ members: [a, b], messages: 0 });
  const rand = random(20_240_611);
  const gaps: number[] = [];
  for (let i = 0; i < count; i++) gaps.push(rand() < 0.85 ? 5_000 + rand() * 120_000 : 600_000 + rand() * 7_200_000);
  let at = Date.now() - 180_000 - gaps.reduce((s, g) => s + g, 0);
  let from = a;
  let run = 0;
  for (let i = 0; i < count; i++) {
    if (run <= 0) {
      from = from === a ? b : a;
      run = 1 + Math.floor(rand() * 4);
    }
    run -= 1;
    at += gaps[i];
    const body: StoredBody =
      (i + 1) % PIN_EVERY === 0
        ? {
            kind: 'pin',
            pin: { url: `https://www.example.com/pin/${i + 1}`, image: pinImage(origin, i + 1), title: text(rand, i + 1).slice(0, 60), domain: 'example.com' },
            note: `#${i + 1} this one`,
          }
        : { kind: 'text', text: text(rand, i + 1) };
    chat.backend.storage.append(conv, from, randomId(), body, Math.round(at));
  }
  return conv;
}
