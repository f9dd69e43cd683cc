// The reference docs keep up with the elements: every custom property, part
// and event in the manifest (from the elements' JSDoc) is documented.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'playwright/test';
import { REPO } from './support/site.js';

interface Declaration {
  tagName?: string;
  customElement?: boolean;
  cssProperties?: { name: string }[];
  cssParts?: { name: string; description?: string }[];
  events?: { name: string }[];
}

const manifest = JSON.parse(readFileSync(join(REPO, 'dist/custom-elements.json'), 'utf8')) as { modules: { declarations?: Declaration[] }[] };
const elements = manifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.customElement && d.tagName);
const doc = (name: string) => readFileSync(join(REPO, 'docs', name), 'utf8');

test('the manifest describes the three elements', () => {
  expect(elements.map((e) => e.tagName).sort()).toEqual(['chat-head-stack', 'conversation-panel', 'pin-send-dialog']);
});

test('docs/theming.md lists every custom property and part', () => {
  const theming = doc('theming.md');
  const missing: string[] = [];
  for (const element of elements) {
    for (const { name } of element.cssProperties ?? []) if (!theming.includes(`\`${name}\``)) missing.push(name);
    for (const part of element.cssParts ?? []) {
      // Parts named inside another part's description (`preview-image` in preview's) count too.
      const named = [part.name, ...[...(part.description ?? '').matchAll(/`([a-z-]+)`/g)].map((m) => m[1])];
      for (const name of named) if (!theming.includes(`\`${name}\``)) missing.push(`${element.tagName}::part(${name})`);
    }
  }
  expect(missing).toEqual([]);
});

test('docs/events.md lists every event', () => {
  const events = doc('events.md');
  const names = new Set(elements.flatMap((e) => (e.events ?? []).map((ev) => ev.name)));
  expect(names.size).toBeGreaterThanOrEqual(6);
  expect([...names].filter((name) => !events.includes(`\`${name}\``))).toEqual([]);
});
