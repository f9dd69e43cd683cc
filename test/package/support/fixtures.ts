// Fixtures and the steps a person takes on a page, in the words the page
// uses (roles and accessible names).
import { expect, test as base, type Locator, type Page } from 'playwright/test';
import { PEOPLE, startSite, type Person, type Site } from './site.js';

export { expect };

export interface SignInOptions {
  /** Collects the page's console errors and uncaught exceptions here. */
  errors?: string[];
}

/** Opens `path` on the site as `person` (`?user=`), each person in a browser context of their own. */
export type SignIn = (person: Person, path: string, options?: SignInOptions) => Promise<Page>;

export const test = base.extend<{ site: Site; signIn: SignIn }>({
  // A fresh server (and so an empty history) for every test.
  site: async ({}, use) => {
    const site = await startSite();
    await use(site);
    await site.close();
  },
  signIn: async ({ browser, site }, use) => {
    const contexts: { close(): Promise<void> }[] = [];
    await use(async (person, path, options = {}) => {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      if (options.errors) {
        const errors = options.errors;
        page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
        page.on('pageerror', (e) => errors.push(e.message));
      }
      await page.goto(`${site.origin}${path}${path.includes('?') ? '&' : '?'}user=${person}`);
      return page;
    });
    for (const context of contexts) await context.close();
  },
});

export function sendDialog(page: Page): Locator {
  return page.getByRole('dialog', { name: 'Send' });
}

/** Picks `to` in the open send dialog, sends, and waits until the delivery says Sent. */
export async function sendTo(page: Page, to: Person, note?: string): Promise<void> {
  const dialog = sendDialog(page);
  await expect(dialog).toBeVisible();
  await dialog.getByRole('combobox', { name: 'Search people' }).fill(PEOPLE[to].split(' ')[0]);
  await dialog.getByRole('option', { name: PEOPLE[to] }).click();
  if (note) await dialog.getByRole('textbox', { name: 'Add a note' }).fill(note);
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(dialog.getByRole('list', { name: 'Delivery' }).getByRole('listitem')).toContainText('Sent');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();
}

/** A chat head's button; its name carries the unread count. */
export function head(page: Page, person: Person): Locator {
  return page.getByRole('button', { name: new RegExp(`^Open conversation with ${PEOPLE[person]}(,|$)`) });
}

export function panel(page: Page, person: Person): Locator {
  return page.getByRole('region', { name: `Conversation with ${PEOPLE[person]}` });
}

/** Whether every pin-messaging tag on the page is registered and has rendered its shadow root. */
export async function upgraded(page: Page, tags: string[]): Promise<Record<string, boolean>> {
  return page.evaluate(
    (names) =>
      Object.fromEntries(
        names.map((tag) => {
          const element = document.querySelector(tag);
          return [tag, !!customElements.get(tag) && !!element?.shadowRoot?.childElementCount];
        }),
      ),
    tags,
  );
}
