// Forced colours (Windows high contrast), emulated in light and dark: they drop
// box-shadows and backgrounds, so every control must still change pixels when
// it takes focus, and the active option of the people list must stay marked.
// Screenshots of each control's surroundings before and after focus are
// compared, and kept in the test's output folder for a look.
import type { Locator, Page } from 'playwright/test';
import { expect, head, NAMES, openHead, panel, pinButton, PINS, reply, sendDialog, sendPin, test } from './support/demo.js';

/** The box around `target` with room for an outline drawn outside it. */
async function around(target: Locator, margin = 12) {
  const box = (await target.boundingBox())!;
  return { x: Math.max(0, box.x - margin), y: Math.max(0, box.y - margin), width: box.width + 2 * margin, height: box.height + 2 * margin };
}

/** Focuses `target` (as the keyboard shows it) and expects its surroundings to look different from before. */
async function expectFocusShows(page: Page, target: Locator, name: string, save: (name: string) => string): Promise<void> {
  await target.evaluate((el: HTMLElement) => el.blur());
  const clip = await around(target);
  const before = await page.screenshot({ clip, animations: 'disabled' });
  await target.evaluate((el: HTMLElement) => el.focus());
  expect(await target.evaluate((el) => el.matches(':focus-visible')), `${name} shows keyboard focus`).toBe(true);
  const after = await page.screenshot({ clip, animations: 'disabled', path: save(`${name}-focused.png`) });
  expect(after.equals(before), `${name}: focus changes pixels under forced colours`).toBe(false);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test(`forced colours (${colorScheme}): focus is visible on the heads, the panel and the send dialog`, async ({ signIn }, testInfo) => {
    const save = (name: string) => testInfo.outputPath(`${colorScheme}-${name}`);
    const emi = await signIn('emi');
    const farah = await signIn('farah', { colorScheme, forcedColors: 'active', reducedMotion: 'reduce' });
    expect(await farah.evaluate(() => matchMedia('(forced-colors: active)').matches)).toBe(true);
    await sendPin(emi, { pin: PINS.ferns.title, to: ['farah'], note: `In high contrast (${colorScheme})` });

    // The head, then its dismiss button: each shows its own focus.
    const emiHead = head(farah, NAMES.emi);
    await expect(emiHead).toBeVisible();
    await farah.keyboard.press('Tab'); // keyboard modality for programmatic focus
    await expectFocusShows(farah, emiHead, 'head', save);
    await expectFocusShows(farah, farah.getByRole('button', { name: `Dismiss ${NAMES.emi}` }), 'dismiss', save);

    // Told apart: the head's ring stays off its x and the x's ring off the head (the x sits beside the head).
    const dismiss = farah.getByRole('button', { name: `Dismiss ${NAMES.emi}` });
    const [headBox, xBox] = [(await emiHead.boundingBox())!, (await dismiss.boundingBox())!];
    await farah.mouse.move(headBox.x + headBox.width / 2, headBox.y + headBox.height / 2); // the x shows, nothing focused
    await dismiss.evaluate((el: HTMLElement) => el.blur());
    const unfocused = { head: await farah.screenshot({ clip: headBox }), x: await farah.screenshot({ clip: xBox }) };
    await emiHead.evaluate((el: HTMLElement) => el.focus());
    expect((await farah.screenshot({ clip: xBox })).equals(unfocused.x), "the head's focus leaves its x as it was").toBe(true);
    await dismiss.evaluate((el: HTMLElement) => el.focus());
    expect((await farah.screenshot({ clip: headBox })).equals(unfocused.head), "the x's focus leaves the head as it was").toBe(true);
    await farah.mouse.move(640, 10);

    // The panel: header, a message row and its report flag, the composer and send.
    const open = await openHead(farah, NAMES.emi);
    await reply(farah, `Seen in high contrast (${colorScheme})`);
    await open.getByRole('textbox', { name: 'Write a message' }).fill('draft');
    for (const [name, target] of [
      ['close', open.getByRole('button', { name: 'Close' })],
      ['more-actions', open.getByRole('button', { name: 'More actions' })],
      ['composer', open.getByRole('textbox', { name: 'Write a message' })],
      ['send', open.getByRole('button', { name: 'Send message' })],
      ['row', open.getByRole('listitem').filter({ hasText: `In high contrast (${colorScheme})` }).last()],
      ['report', open.getByRole('button', { name: `Report message from ${NAMES.emi}` }).last()],
    ] as const) {
      await expectFocusShows(farah, target, name, save);
    }
    await farah.screenshot({ path: save('panel.png') });
    await expect(panel(farah, NAMES.emi)).toBeVisible();

    // The dialog: the active option is outlined, and its controls show focus.
    await farah.keyboard.press('Escape');
    await pinButton(farah, PINS.tart.title).click();
    const dialog = sendDialog(farah);
    const search = dialog.getByRole('combobox', { name: 'Search people' });
    await expect(dialog.getByRole('option').first()).toBeVisible();
    await search.focus();
    const firstOption = dialog.getByRole('option').first();
    const clip = await around(firstOption, 4);
    const idle = await farah.screenshot({ clip, animations: 'disabled' });
    await farah.keyboard.press('ArrowDown');
    await expect(firstOption).toHaveClass(/active/);
    const active = await farah.screenshot({ clip, animations: 'disabled', path: save('active-option.png') });
    expect(active.equals(idle), 'the active option is marked under forced colours').toBe(false);
    await farah.keyboard.press('Enter');
    for (const [name, target] of [
      ['dialog-close', dialog.getByRole('button', { name: 'Close' })],
      ['chip-remove', dialog.getByRole('button', { name: /^Remove / })],
      ['dialog-send', dialog.getByRole('button', { name: 'Send', exact: true })],
    ] as const) {
      await expectFocusShows(farah, target, name, save);
    }
    await farah.screenshot({ path: save('dialog.png') });
  });
}
