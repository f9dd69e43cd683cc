// The README's screenshots of the demo, at desktop and phone size, made from
// a fresh server so they show the same conversations every time. Off in
// normal runs (they rewrite docs/screenshots/); make them with
//   PIN_SCREENSHOTS=1 npm run test:e2e -- screenshots
import { fileURLToPath } from 'node:url';
import {
  badge,
  expect,
  messages,
  NAMES,
  openHead,
  panel,
  pinButton,
  PINS,
  reply,
  sendDialog,
  sendPin,
  test,
  type Person,
  type Page,
} from './support/demo.js';
import { SplitDemo } from './support/stack.js';

const demo = new SplitDemo();
test.beforeAll(async () => {
  test.setTimeout(90_000);
  await demo.start();
});
test.afterAll(() => demo.stop());

const DESKTOP = { viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' } as const;
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, reducedMotion: 'reduce' } as const;

function shot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: fileURLToPath(new URL(`../../docs/screenshots/${name}.png`, import.meta.url)), animations: 'disabled' });
}

/** Waits until every image in view (pins and avatars, in shadow roots too) has loaded. */
async function imagesLoaded(page: Page): Promise<void> {
  await expect
    .poll(() =>
      page.evaluate(() => {
        const all: HTMLImageElement[] = [];
        const walk = (root: Document | ShadowRoot) => {
          all.push(...root.querySelectorAll('img'));
          root.querySelectorAll('*').forEach((el) => el.shadowRoot && walk(el.shadowRoot));
        };
        walk(document);
        const inView = all.filter((img) => {
          const r = img.getBoundingClientRect();
          return r.width > 0 && r.bottom > 0 && r.top < innerHeight;
        });
        return inView.filter((img) => !img.complete || img.naturalWidth === 0).map((img) => img.src);
      }),
    )
    .toEqual([]);
}

test('screenshots of the demo at desktop and phone size', async ({ signIn }) => {
  test.setTimeout(120_000);
  const as = (person: Person, options = {}) => signIn(person, { url: demo.url, ...options });
  const [ana, ben, chloe, dev, emi] = [await as('ana', DESKTOP), await as('ben'), await as('chloe'), await as('dev'), await as('emi')];

  await sendPin(ben, { pin: PINS.tart.title, to: ['ana'], note: 'Shall we bake this on Sunday?' });
  await sendPin(chloe, { pin: PINS.lisbon.title, to: ['ana', 'dev'], note: 'Trip in May?', group: 'Lisbon trip' });
  await openHead(dev, 'Lisbon trip');
  await reply(dev, 'I’m in! Tiles and custard tarts');
  await sendPin(emi, { pin: PINS.ferns.title, to: ['ana'], note: 'For your balcony' });
  await expect(badge(ana, 'Lisbon trip')).toHaveText('2');

  await openHead(ana, NAMES.ben);
  await reply(ana, 'Yes! I will bring lemons');
  await openHead(ben, NAMES.ana);
  await reply(ben, 'Perfect, see you at 10');
  await expect(messages(ana, 'Perfect, see you at 10')).toBeVisible();
  await ana.mouse.move(640, 300);
  await imagesLoaded(ana);
  await shot(ana, 'demo-desktop');

  // The send dialog, two people picked for a group.
  await panel(ana).getByRole('button', { name: 'Close' }).click();
  await pinButton(ana, PINS.ferns.title).click();
  const dialog = sendDialog(ana);
  const search = dialog.getByRole('combobox', { name: 'Search people' });
  for (const person of ['chloe', 'dev'] as Person[]) {
    await search.fill(person);
    await dialog.getByRole('option', { name: NAMES[person] }).click();
  }
  await dialog.getByRole('textbox', { name: 'Add a note' }).fill('For the balcony?');
  await dialog.getByRole('radio', { name: 'Send as a group' }).check();
  await imagesLoaded(ana);
  await shot(ana, 'demo-send-dialog');

  // Phone: the grid with heads, then the group conversation full screen.
  const phone = await as('ana', PHONE);
  await expect(badge(phone, 'Lisbon trip')).toHaveText('2');
  await imagesLoaded(phone);
  await shot(phone, 'demo-phone-grid');
  await openHead(phone, 'Lisbon trip');
  await expect(messages(phone, 'Tiles and custard tarts')).toBeVisible();
  await imagesLoaded(phone);
  await shot(phone, 'demo-phone');
});

/** The box around the head stack (its heads and x buttons), with room for focus rings and badges. */
async function aroundStack(page: Page, margin = 16) {
  const box = (await page.locator('chat-head-stack').boundingBox())!;
  const x = Math.max(0, box.x - margin);
  const y = Math.max(0, box.y - margin);
  return { x, y, width: Math.min(box.width + 2 * margin + 120, page.viewportSize()!.width - x), height: box.height + 2 * margin };
}

test('screenshots of the group header, the cap note, the dialog at 800 px, focused heads, reflow and reserve', async ({ signIn }) => {
  test.setTimeout(150_000);
  const as = (person: Person, options = {}) => signIn(person, { url: demo.url, ...options });
  const [hana, ivan] = [await as('hana', DESKTOP), await as('ivan')];

  // Hana's heads: a group of three with no name, and four people she sent a pin to one by one.
  await sendPin(hana, { pin: PINS.ferns.title, to: ['gus', 'jo', 'farah', 'dev'], note: 'For your balcony?' });
  await sendPin(ivan, { pin: PINS.lisbon.title, to: ['hana', 'jo'], note: 'Weekend in Lisbon?', group: '' });
  const group = `${NAMES.ivan}, ${NAMES.jo}`;
  await expect(badge(hana, group)).toHaveText('1');

  // The group's header: every name whole.
  const open = await openHead(hana, group);
  await reply(hana, 'Only if there are custard tarts');
  await expect(messages(hana, 'Only if there are custard tarts')).toContainText(/Sent|Seen/);
  await hana.mouse.move(640, 300);
  await imagesLoaded(hana);
  await shot(hana, 'group-header');

  // Escape closes the panel and gives focus back to the group's head: its ring, and its x beside it.
  await open.getByRole('textbox', { name: 'Write a message' }).press('Escape');
  await expect(hana.locator('chat-head-stack').getByRole('button', { name: `Open conversation with ${group}` })).toBeFocused();
  await hana.screenshot({ path: fileURLToPath(new URL('../../docs/screenshots/focused-group-head.png', import.meta.url)), clip: await aroundStack(hana), animations: 'disabled' });

  // The dialog at 1280x800 with two people picked as a group: the group name shows without scrolling.
  await pinButton(hana, PINS.tart.title).click();
  const dialog = sendDialog(hana);
  const search = dialog.getByRole('combobox', { name: 'Search people' });
  for (const person of ['ivan', 'jo'] as Person[]) {
    await search.fill(person);
    await dialog.getByRole('option', { name: NAMES[person] }).click();
  }
  await dialog.getByRole('textbox', { name: 'Add a note' }).fill('Tart for the trip?');
  await dialog.getByRole('radio', { name: 'Send as a group' }).check();
  await dialog.getByRole('textbox', { name: 'Group name (optional)' }).fill('Lisbon weekend');
  await expect(dialog.getByRole('textbox', { name: 'Group name (optional)' })).toBeInViewport({ ratio: 1 });
  await imagesLoaded(hana);
  await shot(hana, 'send-dialog-800');

  // Nine picked: the note says no one more can be added (Hana is the tenth).
  const unpicked = dialog.getByRole('option', { selected: false });
  while ((await dialog.getByRole('option', { selected: true }).count()) < 9) await unpicked.first().click();
  await expect(dialog.locator('[part="cap"]')).toHaveText('No more people can be added (10 at most, you included)');
  await dialog.locator('[part="cap"]').scrollIntoViewIfNeeded();
  await imagesLoaded(hana);
  await shot(hana, 'cap-note');
  await hana.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // reserve: the page keeps its grid clear of the heads and their x.
  await hana.addStyleTag({ content: 'main { padding-inline-start: var(--pin-reserve-inline, 0px); }' });
  await hana.locator('chat-head-stack').evaluate((stack) => stack.setAttribute('reserve', ''));
  await expect.poll(() => hana.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--pin-reserve-inline'))).toMatch(/^[1-9]\d*px$/);
  await hana.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await hana.mouse.move(640, 300);
  await imagesLoaded(hana);
  await shot(hana, 'reserve');

  // 320x256 CSS px (400% zoom): two heads, the rest in the "+N" menu, which opens inside the screen.
  const zoomed = await as('hana', { viewport: { width: 320, height: 256 }, deviceScaleFactor: 2, reducedMotion: 'reduce' });
  const more = zoomed.getByRole('button', { name: /^\d+ more conversations$/ });
  await more.click();
  await expect(zoomed.getByRole('list', { name: /more conversations$/ })).toBeVisible();
  await imagesLoaded(zoomed);
  await shot(zoomed, 'reflow-320x256');

  // Forced colours (Windows high contrast): the focused group head's outline, apart from its x.
  const contrast = await as('hana', { ...DESKTOP, deviceScaleFactor: 2, forcedColors: 'active' });
  await contrast.keyboard.press('Tab');
  const groupHead = contrast.locator('chat-head-stack').getByRole('button', { name: `Open conversation with ${group}` });
  await groupHead.focus();
  await expect(groupHead).toBeFocused();
  await contrast.screenshot({
    path: fileURLToPath(new URL('../../docs/screenshots/forced-colors-focused-head.png', import.meta.url)),
    clip: await aroundStack(contrast),
    animations: 'disabled',
  });
});
