/// <reference types="vite/client" />
import type { Body, PinInput } from '../../src/protocol/index.js';
import cake from './pins/cake.svg?no-inline';
import chair from './pins/chair.svg?no-inline';
import fern from './pins/fern.svg?no-inline';
import lamp from './pins/lamp.svg?no-inline';
import ocean from './pins/ocean.svg?no-inline';
import terracotta from './pins/terracotta.svg?no-inline';

/** Pins need absolute http(s) image URLs (never data:, hence ?no-inline): resolve the bundled pictures against the page. */
const abs = (path: string): string => new URL(path, location.href).href;

/** Pins with pictures made locally, so stories never touch the network. */
export const PINS: readonly PinInput[] = [
  {
    url: 'https://www.example.com/ideas/terracotta-planters',
    image: abs(terracotta),
    title: 'Terracotta planters for a sunny window',
    description: 'Unglazed pots breathe, so roots stay dry.',
  },
  { url: 'https://garden.example.org/ferns', image: abs(fern), title: 'Boston fern care in five steps' },
  { url: 'https://shop.example.net/lamps/amber', image: abs(lamp), title: 'Amber glass table lamp' },
  { url: 'https://travel.example.com/coast', image: abs(ocean), title: 'A weekend on the coast' },
  { url: 'https://design.example.com/chairs/lilac', image: abs(chair), title: 'Lilac lounge chair' },
  { url: 'https://recipes.example.com/strawberry-cake', image: abs(cake), title: 'Strawberry layer cake' },
];

export function pinBody(index: number, note?: string): Body {
  return { kind: 'pin', pin: PINS[index % PINS.length], ...(note ? { note } : {}) };
}

export function text(value: string): Body {
  return { kind: 'text', text: value };
}
