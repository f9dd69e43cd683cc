// The build minifies the CSS in the elements' css`` templates (and the
// whitespace of their html`` ones); the browser tests, stories and e2e run on
// the sources. These tests hold the built styles to the sources: every rule
// parses to the same selectors and values, and the elements of the CDN file,
// rendered with their own (minified) styles and then with the sources' styles,
// compute the same style for every node.
import type { CSSResult } from 'lit';
import { expect, head, sendDialog, test, upgraded } from './support/fixtures.js';
import type { Page } from 'playwright/test';

/** Every styles module: [built module, source module, export]. */
const STYLES: [string, string, string][] = [
  ['elements/internal/theme', 'elements/internal/theme', 'tokens'],
  ['elements/internal/people', 'elements/internal/people', 'avatarStyles'],
  ['elements/pin-send-dialog/pin-send-dialog.styles', 'elements/pin-send-dialog/pin-send-dialog.styles', 'styles'],
  ['elements/chat-head-stack/chat-head-stack.styles', 'elements/chat-head-stack/chat-head-stack.styles', 'styles'],
  ['elements/conversation-panel/conversation-panel.styles', 'elements/conversation-panel/conversation-panel.styles', 'styles'],
];

/** Pairs of CSS text: what the package ships, what the source says. */
async function stylePairs(): Promise<{ name: string; built: string; source: string }[]> {
  return Promise.all(
    STYLES.map(async ([built, source, name]) => {
      const dist = (await import(`../../dist/src/${built}.js`)) as Record<string, CSSResult>;
      const src = (await import(`../../src/${source}.ts`)) as Record<string, CSSResult>;
      return { name: `${source}.${name}`, built: dist[name].cssText, source: src[name].cssText };
    }),
  );
}

test('the built styles are smaller and parse to the same rules as the sources', async ({ page }) => {
  const pairs = await stylePairs();
  for (const { name, built, source } of pairs) expect(built.length, name).toBeLessThan(source.length * 0.85);

  const trees = await page.evaluate((all) => {
    // Each rule as Chromium parsed it. A standard value is compared as it
    // computes on a probe element (translateX(-50%) and translate(-50%) are
    // alike). Custom properties and values with var() in them keep their text,
    // so their numbers, spaces and quotes are put in one spelling (0.16s and
    // 160ms, 0.5 and .5, 'a' and "a" are alike).
    const probe = document.body.appendChild(document.createElement('div'));
    const computed = (property: string, value: string) => {
      probe.style.setProperty(property, value);
      const result = getComputedStyle(probe).getPropertyValue(property);
      probe.style.removeProperty(property);
      return result;
    };
    const canonical = (value: string) =>
      value
        .trim()
        .replace(/'([^'"]*)'/g, '"$1"')
        .replace(/\s*([,()/])\s*/g, '$1')
        .replace(/\s+/g, ' ')
        .replace(/(\d*\.?\d+)ms\b/g, (_, n: string) => `${Number(n) / 1000}s`)
        .replace(/(^|[^\w.#-])0+(\.\d)/g, '$1$2');
    const describe = (rules: CSSRuleList): unknown[] =>
      [...rules].map((rule) => {
        if (rule instanceof CSSStyleRule) {
          const style = rule.style;
          const declarations = [...style].map((property) => {
            const value = style.getPropertyValue(property);
            const priority = style.getPropertyPriority(property);
            const text = property.startsWith('--') || value.includes('var(') ? canonical(value) : computed(property, value);
            return `${property}: ${text}${priority ? ` !${priority}` : ''}`;
          });
          return { selector: rule.selectorText, declarations: declarations.sort() };
        }
        if (rule instanceof CSSMediaRule) return { media: rule.media.mediaText, rules: describe(rule.cssRules) };
        if (rule instanceof CSSKeyframesRule) return { keyframes: rule.name, rules: [...rule.cssRules].map((k) => k.cssText) };
        return { other: rule.cssText };
      });
    const parse = (text: string) => {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(text);
      return describe(sheet.cssRules);
    };
    return all.map(({ name, built, source }) => ({ name, built: parse(built), source: parse(source) }));
  }, pairs);

  for (const { name, built, source } of trees) {
    expect(source.length, `${name} has rules`).toBeGreaterThan(3);
    expect(built, name).toEqual(source);
  }
});

/**
 * Renders the state of `tag` as it is, once with its own styles and once with
 * the sources' styles in their place, and returns the computed styles that
 * differ (for every element in its shadow tree, and in the shadow trees inside it).
 */
async function styleDifferences(page: Page, tag: string, pairs: { built: string; source: string }[]) {
  return page.evaluate(
    async ({ tag, pairs }) => {
      // Let entrance animations end, so both snapshots see resting styles.
      const finite = document.getAnimations().filter((a) => a.effect?.getComputedTiming().endTime !== Infinity);
      await Promise.all(finite.map((a) => a.finished.catch(() => undefined)));
      const sourceOf = new Map(pairs.map((p) => [p.built, p.source]));
      const hosts: Element[] = [];
      const collect = (root: Element) => {
        if (root.shadowRoot) hosts.push(root);
        for (const el of (root.shadowRoot ?? root).querySelectorAll('*')) if (el.shadowRoot) collect(el);
      };
      collect(document.querySelector(tag)!);
      const elements = hosts.flatMap((host) => [host, ...host.shadowRoot!.querySelectorAll('*')]);
      const snapshot = () =>
        elements.map((el) => {
          const style = getComputedStyle(el);
          return Object.fromEntries([...style].filter((p) => !p.startsWith('--')).map((p) => [p, style.getPropertyValue(p)]));
        });
      const built = snapshot();
      let swapped = 0;
      const own = hosts.map((host) => host.shadowRoot!.adoptedStyleSheets);
      for (const host of hosts) {
        const styles = (customElements.get(host.localName) as unknown as { elementStyles: { cssText: string }[] }).elementStyles;
        host.shadowRoot!.adoptedStyleSheets = styles.map(({ cssText }) => {
          const sheet = new CSSStyleSheet();
          const source = sourceOf.get(cssText);
          if (source !== undefined) swapped++;
          sheet.replaceSync(source ?? cssText);
          return sheet;
        });
      }
      const source = snapshot();
      hosts.forEach((host, i) => (host.shadowRoot!.adoptedStyleSheets = own[i]));
      const differences: string[] = [];
      elements.forEach((el, i) => {
        for (const [property, value] of Object.entries(built[i])) {
          if (source[i][property] !== value) {
            differences.push(`${el.localName}.${el.getAttribute('class') ?? ''} ${property}: ${value} (source: ${source[i][property]})`);
          }
        }
      });
      return { elements: elements.length, swapped, differences };
    },
    { tag, pairs },
  );
}

test('the elements of the CDN file compute the same styles as with the source styles', async ({ signIn }) => {
  const pairs = await stylePairs();
  const ada = await signIn('ada', '/pages/cdn.html');
  const bob = await signIn('bob', '/pages/cdn.html');
  await expect.poll(() => upgraded(ada, ['pin-send-dialog', 'chat-head-stack'])).toEqual({ 'pin-send-dialog': true, 'chat-head-stack': true });

  // The send dialog, open with people to pick and one picked.
  await ada.getByRole('button', { name: /^Send “/ }).click();
  const dialog = sendDialog(ada);
  await dialog.getByRole('combobox', { name: 'Search people' }).fill('Bob');
  await dialog.getByRole('option', { name: 'Bob Marley' }).click();
  await dialog.getByRole('textbox', { name: 'Add a note' }).fill('Sunday?');
  const open = await styleDifferences(ada, 'pin-send-dialog', pairs);
  expect(open.swapped).toBeGreaterThanOrEqual(3);
  expect(open.elements).toBeGreaterThan(20);
  expect(open.differences).toEqual([]);

  // The same dialog after sending: the delivery list.
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(dialog.getByRole('list', { name: 'Delivery' }).getByRole('listitem')).toContainText('Sent');
  expect((await styleDifferences(ada, 'pin-send-dialog', pairs)).differences).toEqual([]);

  // Bob's chat head, then the conversation it opens with the pin in it.
  await expect(head(bob, 'ada')).toBeVisible();
  expect((await styleDifferences(bob, 'chat-head-stack', pairs)).differences).toEqual([]);
  await head(bob, 'ada').click();
  await expect(bob.getByRole('region', { name: 'Conversation with Ada Lovelace' }).getByRole('figure')).toBeVisible();
  const conversation = await styleDifferences(bob, 'chat-head-stack', pairs);
  expect(conversation.swapped).toBeGreaterThanOrEqual(6);
  expect(conversation.differences).toEqual([]);

  // And a spot check against the documented defaults, through the built styles.
  const radius = await ada.evaluate(() => {
    const dialog = document.querySelector('pin-send-dialog')!.shadowRoot!.querySelector('dialog')!;
    return getComputedStyle(dialog).borderTopLeftRadius;
  });
  expect(radius).toBe('16px');
});
