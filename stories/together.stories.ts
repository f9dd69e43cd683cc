import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { expect, userEvent, waitFor } from 'storybook/test';
import '../src/elements/chat-head-stack/define.js';
import '../src/elements/pin-send-dialog/define.js';
import { peer } from './support/scenarios.js';
import { PINS } from './support/pins.js';
import { load, loaded, pressEnter, screen, typeText, visible } from './support/story.js';

/** One block of custom properties themes all three elements (on `:root` in a real page). */
const THEME = `
  .themed {
    --pin-accent: #0a5c36;
    --pin-on-accent: #fff;
    --pin-radius: 6px;
    --pin-radius-small: 4px;
    --pin-font: Georgia, 'Times New Roman', serif;
    --pin-own-bubble: #0a5c36;
    --pin-on-own-bubble: #fff;
  }
`;

const meta: Meta = {
  title: 'Page/All three together',
  loaders: load('usual'),
  render: (_args, context) => html`<style>
      ${THEME}
    </style>
    <main class=${context.name === 'Themed' ? 'themed' : ''} style="padding: 24px; max-width: 760px">
      <h1 style="font-size: 1.25rem; margin: 0 0 16px">Ideas for your home</h1>
      <ul style="display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 16px; list-style: none; padding: 0">
        ${PINS.map(
          (pin) => html`<li style="display: grid; gap: 6px">
            <img src=${pin.image} alt=${pin.title} style="width: 100%; border-radius: 16px" />
            <button
              type="button"
              data-pin-send
              data-pin-url=${pin.url}
              data-pin-image=${pin.image}
              data-pin-title=${pin.title}
              aria-label=${`Send ${pin.title}`}
            >
              Send
            </button>
          </li>`,
        )}
      </ul>
      <pin-send-dialog .client=${loaded(context).client}></pin-send-dialog>
      <chat-head-stack .client=${loaded(context).client}></chat-head-stack>
    </main>`,
};
export default meta;
type Story = StoryObj;

/**
 * The whole path: send a pin to Bob with a note, his head comes to the front,
 * open it, see the pin card and the note, reply, and read his answer.
 */
export const SendOpenReply: Story = {
  play: async (context) => {
    const { canvasElement, step } = context;
    const s = screen(canvasElement);
    await step('send the lamp to Bob with a note', async () => {
      await userEvent.click(await s.findByRole('button', { name: 'Send Strawberry layer cake' }));
      const dialog = await s.findByShadowRole('dialog', { name: 'Send' });
      const d = screen(dialog);
      await userEvent.click(await d.findByShadowRole('option', { name: 'Bob Marley' }));
      await typeText(d.getByShadowRole('textbox', { name: 'Add a note' }) as HTMLTextAreaElement, 'For Saturday?');
      await userEvent.click(d.getByShadowRole('button', { name: 'Send' }));
      await userEvent.click(await d.findByShadowRole('button', { name: 'Done' }));
    });
    const heads = () => s.queryAllByShadowRole('button', { name: /^Open conversation with/ });
    await waitFor(() => expect(heads()[0]).toHaveAccessibleName(/^Open conversation with Bob Marley/));
    await step('open his head: the pin card and the note', async () => {
      await userEvent.click(heads()[0]);
      const history = screen(await s.findByShadowRole('region', { name: 'Messages' }));
      await visible(await history.findByShadowText('Strawberry layer cake'));
      await visible(await history.findByShadowText('For Saturday?'));
    });
    await step('reply', async () => {
      const composer = s.getByShadowRole('textbox', { name: 'Write a message' }) as HTMLTextAreaElement;
      await typeText(composer, 'I will bake it');
      await pressEnter(composer);
      await visible(await s.findByShadowText('I will bake it'));
    });
    await step('Bob answers', async () => {
      const bob = await peer(loaded(context), 'bob');
      await bob.sendText(loaded(context).conv.bob, 'Yes please!!');
      await visible(await s.findByShadowText('Yes please!!'));
    });
  },
};

/** The same page themed by one block of `--pin-*` custom properties. */
export const Themed: Story = {
  play: async ({ canvasElement }) => {
    const s = screen(canvasElement);
    await userEvent.click(await s.findByShadowRole('button', { name: /^Open conversation with Kitchen ideas/ }));
    const send = await s.findByShadowRole('button', { name: 'Send message' });
    const composer = s.getByShadowRole('textbox', { name: 'Write a message' }) as HTMLTextAreaElement;
    await typeText(composer, 'Green it is');
    await waitFor(() => expect(getComputedStyle(send).fontFamily).toContain('Georgia'));
  },
};
