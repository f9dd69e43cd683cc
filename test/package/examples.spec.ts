// The framework examples under examples/, built with Vite as their own
// package.json would, against the built package (resolved by its name through
// examples/node_modules/pin-messaging, made by support/global-setup.ts), then
// used in Chromium: the framework opens the dialog through the element's
// method, passes a property, and hears the element's event.
import { spawnSync } from 'node:child_process';
import { expect, head, sendTo, test, upgraded } from './support/fixtures.js';
import { REPO } from './support/site.js';

const BUILT = ['react19', 'vue3', 'svelte'];
const PIN = 'Lemon tart with a crisp butter crust';

test.beforeAll(() => {
  test.setTimeout(180_000);
  for (const example of BUILT) {
    const result = spawnSync(
      process.execPath,
      ['node_modules/vite/bin/vite.js', 'build', `examples/${example}`, '--base', './', '--logLevel', 'warn'],
      { cwd: REPO, encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`vite build examples/${example} failed:\n${result.stdout}${result.stderr}`);
  }
});

for (const example of BUILT) {
  test(`${example}: the framework drives the elements and hears their events`, async ({ signIn }) => {
    const errors: string[] = [];
    const ada = await signIn('ada', `/examples/${example}/dist/index.html`, { errors });
    const bob = await signIn('bob', `/examples/${example}/dist/index.html`, { errors });
    await expect.poll(() => upgraded(ada, ['pin-send-dialog', 'chat-head-stack'])).toEqual({
      'pin-send-dialog': true,
      'chat-head-stack': true,
    });
    // A property set through the framework's binding, not an attribute.
    expect(await ada.evaluate(() => document.querySelector('chat-head-stack')?.max)).toBe(3);
    expect(await ada.evaluate(() => document.querySelector('chat-head-stack')?.hasAttribute('max'))).toBe(false);

    // The framework's click handler calls dialog.open(pin, button).
    await ada.getByRole('button', { name: `Send “${PIN}”` }).click();
    await sendTo(ada, 'bob');
    // The framework heard pin-sent and rendered its own status.
    await expect(ada.getByRole('status')).toHaveText('Sent to 1 conversation');

    await expect(head(bob, 'ada')).toHaveAccessibleName('Open conversation with Ada Lovelace, 1 unread message');
    expect(errors).toEqual([]);
  });
}
