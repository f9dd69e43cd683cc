// What a person does and sees on the demo page, in the words the page uses
// (roles and accessible names), shared by the end-to-end specs.
import { expect, test as base, type BrowserContextOptions, type Locator, type Page } from 'playwright/test';

export const NAMES = {
  ana: 'Ana Souza',
  ben: 'Ben Carter',
  chloe: 'Chloé Martin',
  dev: 'Dev Patel',
  emi: 'Emi Tanaka',
  farah: 'Farah Haddad',
  gus: 'Gus Lindqvist',
  hana: 'Hana Kim',
  ivan: 'Ivan Petrov',
  jo: 'Jo Okafor',
} as const;
export type Person = keyof typeof NAMES;

/** Pins of the demo grid used by the specs, with the host their card shows. */
export const PINS = {
  tart: { title: 'Lemon tart with a crisp butter crust', host: 'example.com' },
  lisbon: { title: 'Three days in Lisbon' },
  ferns: { title: 'Fern wall for a shady balcony', host: 'greenleaf.example.net' },
} as const;

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface SignInOptions extends BrowserContextOptions {
  /** Where the demo runs; defaults to the run's own `npm start`. */
  url?: string;
}

/** Opens the demo as `person` in a browser context of their own (a second person is a second browser). */
export type SignIn = (person: Person, options?: SignInOptions) => Promise<Page>;

export const test = base.extend<{ signIn: SignIn }>({
  signIn: async ({ browser }, use) => {
    const contexts: { close(): Promise<void> }[] = [];
    await use(async (person, options = {}) => {
      const { url = process.env.PIN_E2E_URL, ...contextOptions } = options;
      if (!url) throw new Error('PIN_E2E_URL is not set: run through the e2e config');
      const context = await browser.newContext(contextOptions);
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${url}/?user=${person}`);
      await expect(page.locator('#me')).toHaveText(NAMES[person]);
      return page;
    });
    for (const context of contexts) await context.close();
  },
});
export { expect };
export type { Page } from 'playwright/test';

/** The pin's Send button in the grid. */
export function pinButton(page: Page, title: string): Locator {
  return page.getByRole('button', { name: `Send “${title}”` });
}

export function sendDialog(page: Page): Locator {
  return page.getByRole('dialog', { name: 'Send' });
}

/** A chat head's button; its name carries the unread count. */
export function head(page: Page, title: string): Locator {
  return page.getByRole('button', { name: new RegExp(`^Open conversation with ${escapeRegExp(title)}(,|$)`) });
}

/** The unread badge drawn on a head (hidden from screen readers, which hear it in the head's name). */
export function badge(page: Page, title: string): Locator {
  return page.locator('chat-head-stack li').filter({ has: head(page, title) }).locator('[part="badge"]');
}

export function panel(page: Page, title?: string): Locator {
  const name = title === undefined ? /^Conversation with / : `Conversation with ${title}`;
  return page.getByRole('region', { name });
}

export function composer(page: Page): Locator {
  return panel(page).getByRole('textbox', { name: 'Write a message' });
}

/** Messages in the open panel's history that contain `text`. */
export function messages(page: Page, text: string | RegExp): Locator {
  return panel(page).getByRole('list').getByRole('listitem').filter({ hasText: text });
}

export interface SendPin {
  pin: string;
  to: Person[];
  note?: string;
  /** Send to everyone as one group with this name (two or more people). */
  group?: string;
}

/** Sends a pin with the mouse, waits until every delivery says Sent, and closes the dialog. */
export async function sendPin(page: Page, { pin, to, note, group }: SendPin): Promise<void> {
  await pinButton(page, pin).click();
  const dialog = sendDialog(page);
  await expect(dialog).toBeVisible();
  const search = dialog.getByRole('combobox', { name: 'Search people' });
  for (const person of to) {
    await search.fill(person);
    await dialog.getByRole('option', { name: NAMES[person] }).click();
    await expect(dialog.getByRole('button', { name: `Remove ${NAMES[person]}` })).toBeVisible();
  }
  if (note) await dialog.getByRole('textbox', { name: 'Add a note' }).fill(note);
  if (group !== undefined) {
    await dialog.getByRole('radio', { name: 'Send as a group' }).check();
    await dialog.getByRole('textbox', { name: 'Group name (optional)' }).fill(group);
  }
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
  const deliveries = dialog.getByRole('list', { name: 'Delivery' }).getByRole('listitem');
  await expect(deliveries).toHaveCount(group !== undefined ? 1 : to.length);
  for (const row of await deliveries.all()) await expect(row).toContainText('Sent');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();
}

/** Opens a head's conversation with the mouse and waits for the panel. */
export async function openHead(page: Page, title: string): Promise<Locator> {
  await head(page, title).click();
  const open = panel(page, title);
  await expect(open).toBeVisible();
  return open;
}

/** Types a message in the open panel and sends it with Enter. */
export async function reply(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press('Enter');
  await expect(composer(page)).toHaveValue('');
}
