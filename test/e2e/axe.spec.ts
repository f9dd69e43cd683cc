// axe on the demo page in each state a person meets, in light and dark:
// heads with unread badges, the send dialog (people picked, the 10-person cap
// reached), a conversation open with its menu and link warning, and the
// phone's full-screen panel.
import { expectNoAxeViolations } from './support/axe.js';
import {
  badge,
  expect,
  messages,
  NAMES,
  openHead,
  pinButton,
  PINS,
  reply,
  sendDialog,
  sendPin,
  test,
  type Person,
} from './support/demo.js';

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`${colorScheme} scheme`, () => {
    test.use({ colorScheme });

    test('axe finds nothing on the heads, the send dialog, an open conversation and its dialogs', async ({ signIn }) => {
      const emi = await signIn('emi');
      const farah = await signIn('farah');
      await sendPin(emi, { pin: PINS.ferns.title, to: ['farah'], note: `A ${colorScheme} note` });
      await expect(badge(farah, NAMES.emi)).toBeVisible();
      await expectNoAxeViolations(farah, 'a head with an unread badge');

      // The dialog with two people picked, a note and the group choice.
      await pinButton(farah, PINS.tart.title).click();
      const dialog = sendDialog(farah);
      const search = dialog.getByRole('combobox', { name: 'Search people' });
      for (const person of ['emi', 'gus'] as Person[]) {
        await search.fill(person);
        await dialog.getByRole('option', { name: NAMES[person] }).click();
      }
      await dialog.getByRole('textbox', { name: 'Add a note' }).fill('For the weekend');
      await dialog.getByRole('radio', { name: 'Send as a group' }).check();
      await expect(dialog.getByRole('textbox', { name: 'Group name (optional)' })).toBeVisible();
      await expectNoAxeViolations(farah, 'the send dialog open, two people picked');

      // Everyone up to the cap: the rest of the list is disabled and the cap explained.
      const options = dialog.getByRole('option', { selected: false });
      while ((await dialog.getByRole('option', { selected: true }).count()) < 9) await options.first().click();
      const cap = 'No more people can be added (10 at most, you included)';
      await expect(dialog.locator('[part="cap"]')).toHaveText(cap);
      await expect(search).toHaveAccessibleDescription(cap);
      await expectNoAxeViolations(farah, 'the send dialog at the 10-person cap');
      await farah.keyboard.press('Escape');
      await expect(dialog).toBeHidden();

      // An open conversation with a pin card, both people's messages and delivery states.
      const open = await openHead(farah, NAMES.emi);
      await reply(farah, `Love the ferns (${colorScheme})`);
      await expect(messages(farah, `Love the ferns (${colorScheme})`)).toContainText(/Sent|Seen/);
      await openHead(emi, NAMES.farah);
      await expect(messages(emi, `Love the ferns (${colorScheme})`)).toBeVisible();
      await expectNoAxeViolations(farah, 'a conversation open');
      await expectNoAxeViolations(emi, 'a conversation open, with a reply received');

      await open.getByRole('button', { name: 'More actions' }).click();
      await expect(open.getByRole('menu')).toBeVisible();
      await expectNoAxeViolations(farah, 'the conversation menu open');
      await farah.keyboard.press('Escape');
      await expect(open.getByRole('menu')).toBeHidden();

      // Following the pin's link asks first: the link-safety warning is a dialog too.
      await messages(farah, `A ${colorScheme} note`).getByRole('link', { name: PINS.ferns.title }).click();
      const warning = open.getByRole('dialog', { name: 'You are leaving for another site' });
      await expect(warning).toBeVisible();
      await expect(warning.getByRole('button', { name: `Continue to ${PINS.ferns.host}` })).toBeVisible();
      await expectNoAxeViolations(farah, 'the link warning open');
      await warning.getByRole('button', { name: 'Cancel' }).click();
      await expect(warning).toBeHidden();
    });

    test('axe finds nothing on the phone-sized full-screen panel', async ({ signIn }) => {
      const gus = await signIn('gus');
      const jo = await signIn('jo', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      await sendPin(gus, { pin: PINS.lisbon.title, to: ['jo'], note: `Phone, ${colorScheme}` });
      await expect(badge(jo, NAMES.gus)).toBeVisible();
      await expectNoAxeViolations(jo, 'heads on a phone');
      await openHead(jo, NAMES.gus);
      await expect(messages(jo, `Phone, ${colorScheme}`).getByRole('figure')).toBeVisible();
      await expectNoAxeViolations(jo, 'the full-screen panel');
    });
  });
}
