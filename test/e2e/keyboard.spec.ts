// The whole path without a mouse: send a pin to two people as a group, open
// the head, read the pin, answer, read the answer, dismiss a head. Every Tab
// stop on the way must show a focus indicator.
import { badge, expect, head, messages, NAMES, panel, pinButton, PINS, sendDialog, test } from './support/demo.js';
import { expectFocusVisible, tabTo } from './support/keyboard.js';

test('keyboard only: send a pin to a group, read it, answer, read the answer, dismiss', async ({ signIn }) => {
  const jo = await signIn('jo');
  const ana = await signIn('ana');
  const ben = await signIn('ben');

  // Jo: Tab to the pin's Send button and open the dialog.
  const trigger = pinButton(jo, PINS.ferns.title);
  await tabTo(jo, trigger);
  await jo.keyboard.press('Enter');
  const dialog = sendDialog(jo);
  await expect(dialog).toBeVisible();
  const search = dialog.getByRole('combobox', { name: 'Search people' });
  await expect(search).toBeFocused();

  // Type to filter, arrows to move, Enter to pick: two people.
  await jo.keyboard.type('souza');
  await expect(dialog.getByRole('option')).toHaveText([new RegExp(NAMES.ana)]);
  await jo.keyboard.press('Enter');
  await jo.keyboard.type('be');
  await expect(dialog.getByRole('option', { name: NAMES.ben })).toBeVisible();
  await jo.keyboard.press('ArrowDown');
  await jo.keyboard.press('ArrowUp');
  await jo.keyboard.press('Enter');
  const chips = dialog.getByRole('list', { name: 'Selected people' }).getByRole('listitem');
  await expect(chips).toHaveText([new RegExp(NAMES.ana), new RegExp(NAMES.ben)]);
  await expect(dialog.getByRole('button', { name: `Remove ${NAMES.ben}` })).toBeVisible();

  // Note, then "as a group" with arrows in the radio group, then a name.
  await tabTo(jo, dialog.getByRole('textbox', { name: 'Add a note' }));
  await jo.keyboard.type('For the balcony?');
  await tabTo(jo, dialog.getByRole('radio', { name: 'Send separately' }));
  await jo.keyboard.press('ArrowDown');
  await expect(dialog.getByRole('radio', { name: 'Send as a group' })).toBeChecked();
  await tabTo(jo, dialog.getByRole('textbox', { name: 'Group name (optional)' }));
  await jo.keyboard.type('Balcony plans');
  await tabTo(jo, dialog.getByRole('button', { name: 'Send', exact: true }));
  await jo.keyboard.press('Enter');

  // Focus lands on Done once sent; Enter closes and focus returns to the pin's button.
  const done = dialog.getByRole('button', { name: 'Done' });
  await expect(done).toBeFocused();
  await expect(dialog.getByRole('list', { name: 'Delivery' })).toContainText('Sent');
  await jo.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(trigger).toBeFocused();
  await expectFocusVisible(jo);

  // Ana: Tab to the new head, open it; focus goes to the composer.
  const anaHead = head(ana, 'Balcony plans');
  await expect(anaHead).toHaveAccessibleName('Open conversation with Balcony plans, 1 unread message');
  await tabTo(ana, anaHead);
  await ana.keyboard.press('Enter');
  const anaPanel = panel(ana, 'Balcony plans');
  await expect(anaPanel).toBeVisible();
  const anaComposer = anaPanel.getByRole('textbox', { name: 'Write a message' });
  await expect(anaComposer).toBeFocused();

  // Shift+Tab reaches the history: the message with the pin and the note.
  const pinMessage = messages(ana, 'For the balcony?');
  await tabTo(ana, pinMessage, { backwards: true });
  await expect(pinMessage.getByRole('link', { name: PINS.ferns.title })).toBeVisible();
  await expect(pinMessage).toContainText(`Pin from ${PINS.ferns.host}`);

  // Back to the composer, answer with Enter; Shift+Enter makes a new line.
  await tabTo(ana, anaComposer);
  await ana.keyboard.type('Yes, the ferns!');
  await ana.keyboard.press('Shift+Enter');
  await ana.keyboard.type('Saturday?');
  await expect(anaComposer).toHaveValue('Yes, the ferns!\nSaturday?');
  await ana.keyboard.press('Enter');
  await expect(anaComposer).toHaveValue('');
  await expect(messages(ana, 'Saturday?')).toContainText(/Sent|Seen/);

  // Escape closes the panel and puts focus back on its head.
  await ana.keyboard.press('Escape');
  await expect(anaPanel).toBeHidden();
  await expect(anaHead).toBeFocused();
  await expectFocusVisible(ana);

  // Jo reads the answer, by keyboard too.
  const joHead = head(jo, 'Balcony plans');
  await expect(badge(jo, 'Balcony plans')).toHaveText('1');
  await tabTo(jo, joHead);
  await jo.keyboard.press('Enter');
  const answer = messages(jo, 'Yes, the ferns!');
  await expect(answer).toContainText(NAMES.ana);
  await expect(answer).toContainText('Saturday?');
  await tabTo(jo, answer, { backwards: true });

  // Ben dismisses the group's head with its x, from the keyboard.
  const benHead = head(ben, 'Balcony plans');
  await expect(benHead).toBeVisible();
  await tabTo(ben, ben.getByRole('button', { name: 'Dismiss Balcony plans' }));
  await ben.keyboard.press('Enter');
  await expect(benHead).toHaveCount(0);
});
