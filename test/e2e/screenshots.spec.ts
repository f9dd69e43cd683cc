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
