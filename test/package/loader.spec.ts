// The loader (dist/cdn/loader.js) on plain pages against a real server: what
// each page view fetches and when, counted from the browser's own requests;
// clicks that come before a module; pages that include the library twice;
// the strict-CSP page.
import type { Browser, Page, Route } from 'playwright/test';
import { expect, head, panel, sendDialog, sendTo, test, upgraded } from './support/fixtures.js';
import { PEOPLE, type Person, type Site } from './support/site.js';

const PIN = 'Lemon tart with a crisp butter crust';
const OTHER_PIN = 'Fig and walnut loaf';
const PARTS = {
  stack: '/cdn/parts/chat-head-stack.js',
  connect: '/cdn/parts/connect.js',
  panel: '/cdn/parts/conversation-panel.js',
  dialog: '/cdn/parts/pin-send-dialog.js',
};
const UNREAD = `Open conversation with ${PEOPLE.ada}, 1 unread message`;

interface Opened {
  page: Page;
  /** Paths of every script the page requested, in order, repeats included. */
  scripts: string[];
  errors: string[];
  warnings: string[];
}

/** Opens `path` as `person` in a fresh context, recording scripts, errors, warnings and every customElements.define. */
async function open(browser: Browser, site: Site, person: Person, path: string, before?: (page: Page) => Promise<void>): Promise<Opened> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const opened: Opened = { page, scripts: [], errors: [], warnings: [] };
  page.on('request', (request) => {
    if (request.resourceType() === 'script') opened.scripts.push(new URL(request.url()).pathname);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') opened.errors.push(m.text());
    if (m.type() === 'warning') opened.warnings.push(m.text());
  });
  page.on('pageerror', (e) => opened.errors.push(e.message));
  await page.addInitScript(() => {
    const defined: string[] = [];
    (window as unknown as { defined: string[] }).defined = defined;
    const define = customElements.define.bind(customElements);
    customElements.define = (name, ctor, options) => {
      defined.push(name);
      define(name, ctor, options);
    };
  });
  await before?.(page);
  await page.goto(`${site.origin}${path}${path.includes('?') ? '&' : '?'}user=${person}`);
  return opened;
}

/** Ada sends Bob a pin from the whole-library page: Bob then has one head with one unread message. */
async function seed(signIn: (person: Person, path: string) => Promise<Page>): Promise<void> {
  const ada = await signIn('ada', '/pages/cdn.html');
  await ada.getByRole('button', { name: `Send “${PIN}”` }).click();
  await sendTo(ada, 'bob', 'For Sunday');
  await ada.close();
}

/** Holds every request for `path` until the returned function is called. */
async function hold(page: Page, path: string): Promise<() => void> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(`**${path}`, async (route: Route) => {
    await released;
    await route.continue();
  });
  return release;
}

const count = (scripts: string[], path: string) => scripts.filter((s) => s === path).length;
const defined = (page: Page) => page.evaluate(() => (window as unknown as { defined: string[] }).defined);

test('each part is fetched when its trigger says, and not before', async ({ browser, site, signIn }) => {
  await seed(signIn);
  const bob = await open(browser, site, 'bob', '/pages/loader.html?prefetch=none');
  const { page, scripts } = bob;

  // Before the load event: the loader and nothing else of ours.
  await page.waitForFunction(() => 'scriptsBeforeLoad' in window);
  const beforeLoad = await page.evaluate(() => (window as unknown as { scriptsBeforeLoad: string[] }).scriptsBeforeLoad);
  expect(beforeLoad.filter((path) => path.startsWith('/cdn/'))).toEqual(['/cdn/loader.js']);

  // At idle after it: the heads with their badges, from the stack and the state bus alone.
  await expect(head(page, 'ada')).toHaveAccessibleName(UNREAD);
  expect(count(scripts, PARTS.stack)).toBe(1);
  expect(count(scripts, PARTS.connect)).toBe(1);
  // Neither the panel nor the dialog, however long the page sits.
  await page.waitForTimeout(1_000);
  expect(count(scripts, PARTS.panel)).toBe(0);
  expect(count(scripts, PARTS.dialog)).toBe(0);

  // Hovering a head fetches the panel; hovering a trigger, the dialog; each once.
  await head(page, 'ada').hover();
  await expect.poll(() => count(scripts, PARTS.panel)).toBe(1);
  expect(count(scripts, PARTS.dialog)).toBe(0);
  await page.getByRole('button', { name: `Send “${PIN}”` }).hover();
  await expect.poll(() => count(scripts, PARTS.dialog)).toBe(1);
  await page.getByRole('button', { name: `Send “${OTHER_PIN}”` }).focus();
  await head(page, 'ada').click();
  await expect(panel(page, 'ada')).toContainText('For Sunday');
  for (const path of Object.values(PARTS)) expect(count(scripts, path), path).toBe(1);
  expect(count(scripts, '/cdn/loader.js')).toBe(1);
  expect(await defined(page)).toEqual(['chat-head-stack', 'conversation-panel', 'pin-send-dialog']);
  expect(bob.errors).toEqual([]);
});

test('the heads fetch the panel at idle once they show, and a focused trigger fetches the dialog', async ({ browser, site, signIn }) => {
  await seed(signIn);
  const { page, scripts, errors } = await open(browser, site, 'bob', '/pages/loader.html');
  await expect(head(page, 'ada')).toHaveAccessibleName(UNREAD);
  await expect.poll(() => count(scripts, PARTS.panel)).toBe(1);
  expect(count(scripts, PARTS.dialog)).toBe(0);
  await page.getByRole('button', { name: `Send “${OTHER_PIN}”` }).focus();
  await expect.poll(() => count(scripts, PARTS.dialog)).toBe(1);
  expect(errors).toEqual([]);
});

test('a stack that an app adds later, nested in its own markup, is found and shows the heads', async ({ browser, site, signIn }) => {
  await seed(signIn);
  const { page, scripts, errors } = await open(browser, site, 'bob', '/pages/loader.html', async (page) => {
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        const stack = document.querySelector('chat-head-stack');
        if (!stack) return;
        stack.remove();
        (window as unknown as { laterStack: Element }).laterStack = stack;
        observer.disconnect();
      }).observe(document, { childList: true, subtree: true });
    });
  });
  await page.waitForFunction(() => 'scriptsBeforeLoad' in window);
  expect(count(scripts, PARTS.stack)).toBe(0);
  await expect(head(page, 'ada')).toHaveAccessibleName(UNREAD);
  expect(count(scripts, PARTS.stack)).toBe(1);
  expect(errors).toEqual([]);
});

test('a click that comes before its module opens what was clicked, with no second click', async ({ browser, site, signIn }) => {
  await seed(signIn);
  let releaseDialog!: () => void;
  let releasePanel!: () => void;
  const { page, scripts, errors } = await open(browser, site, 'bob', '/pages/loader.html?prefetch=none', async (p) => {
    releaseDialog = await hold(p, PARTS.dialog);
    releasePanel = await hold(p, PARTS.panel);
  });
  await expect(head(page, 'ada')).toHaveAccessibleName(UNREAD);

  // The second pin's button, clicked while its module is still on the way.
  await page.getByRole('button', { name: `Send “${OTHER_PIN}”` }).click();
  await expect.poll(() => count(scripts, PARTS.dialog)).toBe(1);
  await page.waitForTimeout(300);
  await expect(sendDialog(page)).toBeHidden();
  releaseDialog();
  await expect(sendDialog(page)).toBeVisible();
  await expect(sendDialog(page).getByRole('figure')).toContainText(OTHER_PIN);
  await page.keyboard.press('Escape');
  await expect(sendDialog(page)).toBeHidden();

  // A head, clicked while the panel is on the way.
  await head(page, 'ada').click();
  await expect.poll(() => count(scripts, PARTS.panel)).toBe(1);
  await expect(head(page, 'ada')).toHaveAttribute('aria-expanded', 'true');
  await page.waitForTimeout(300);
  await expect(panel(page, 'ada')).toHaveCount(0);
  releasePanel();
  await expect(panel(page, 'ada')).toContainText('For Sunday');
  await expect(panel(page, 'ada').getByRole('textbox', { name: 'Write a message' })).toBeVisible();
  expect(await page.evaluate(() => document.activeElement?.localName)).toBe('chat-head-stack');
  expect(errors).toEqual([]);
});

for (const [path, what] of [
  ['/pages/loader-twice.html', 'the loader twice'],
  ['/pages/loader-and-bundle.html', 'the loader and the whole library'],
] as const) {
  test(`a page that includes ${what} defines each element once and works`, async ({ browser, site, signIn }) => {
    await seed(signIn);
    const { page, errors, warnings } = await open(browser, site, 'bob', path);
    await expect(head(page, 'ada')).toHaveAccessibleName(UNREAD);
    await page.getByRole('button', { name: `Send “${PIN}”` }).click();
    await sendTo(page, 'cy');
    await head(page, 'ada').click();
    await expect(panel(page, 'ada')).toContainText('For Sunday');
    const names = await defined(page);
    expect([...names].sort()).toEqual(['chat-head-stack', 'conversation-panel', 'pin-send-dialog']);
    expect(warnings.filter((w) => w.includes('pin-messaging'))).toEqual([]);
    expect(errors).toEqual([]);
  });
}

test('the loader under a strict CSP: no violation while the heads, the panel and the dialog load and work', async ({ browser, site, signIn }) => {
  await seed(signIn);
  const { page, errors } = await open(browser, site, 'bob', '/pages/csp-loader.html');
  const violations = () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
  await expect(head(page, 'ada')).toHaveAccessibleName(UNREAD);
  await page.getByRole('button', { name: `Send “${PIN}”` }).click();
  await sendTo(page, 'cy');
  await head(page, 'ada').click();
  const open_ = panel(page, 'ada');
  await expect(open_).toContainText('For Sunday');
  const composer = open_.getByRole('textbox', { name: 'Write a message' });
  await composer.fill('See you then');
  await composer.press('Enter');
  await expect(open_).toContainText('See you then');
  expect(await upgraded(page, ['pin-send-dialog', 'chat-head-stack'])).toEqual({ 'pin-send-dialog': true, 'chat-head-stack': true });
  expect(await violations()).toEqual([]);
  expect(errors).toEqual([]);
});
