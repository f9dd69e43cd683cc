// The reference docs keep up with the elements: every custom property, part
// and event in the manifest (from the elements' JSDoc) is documented.
import { existsSync, readFileSync } from 'node:fs';
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

// npm shows the README without the repository beside it: its links point into the repository.
const REPOSITORY = 'https://github.com/pin-messaging/pin-messaging';
const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

test('the package names its repository, homepage and issue tracker', () => {
  expect(pkg.repository.url).toBe(`git+${REPOSITORY}.git`);
  expect(pkg.homepage).toBe(`${REPOSITORY}#readme`);
  expect(pkg.bugs.url).toBe(`${REPOSITORY}/issues`);
});

test("the README's links are absolute, and those into the repository name files that exist", () => {
  const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  expect(targets.length).toBeGreaterThan(20);
  expect(targets.filter((t) => !/^(https?:|mailto:|#)/.test(t))).toEqual([]);
  const prefixes = [`${REPOSITORY}/blob/main/`, `${REPOSITORY}/tree/main/`, 'https://raw.githubusercontent.com/pin-messaging/pin-messaging/main/'];
  const inRepo = targets.flatMap((t) => prefixes.filter((p) => t.startsWith(p)).map((p) => t.slice(p.length).split('#')[0]));
  expect(inRepo.length).toBeGreaterThan(20);
  expect(inRepo.filter((path) => !existsSync(join(REPO, path)))).toEqual([]);
});

test("the README's one environment table lists every PIN_* setting the servers and npm start read, once", () => {
  const sources = ['server/cli.ts', 'server/cloudflare/worker/env.ts', 'scripts/start.mjs'];
  const read = new Set(sources.flatMap((file) => [...readFileSync(join(REPO, file), 'utf8').matchAll(/\bPIN_[A-Z_]+[A-Z]\b/g)].map((m) => m[0])));
  const rows = readme.split('\n').filter((line) => /^\| `[A-Z_]+`/.test(line));
  const listed = rows.flatMap((row) => [...row.split(' | ')[0].matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]));
  expect([...read].filter((name) => !listed.includes(name)).sort()).toEqual([]);
  expect(listed.filter((name, i) => listed.indexOf(name) !== i)).toEqual([]);
  for (const name of ['PIN_FRAME_RATE_PER_SEC', 'PIN_FRAME_BURST', 'PIN_PORT', 'PIN_DEMO_PORT', 'PIN_ISSUER', 'PIN_AUDIENCE', 'STORYBOOK_PORT']) {
    expect(listed).toContain(name);
  }
});
