import type { Meta, StoryContext, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import type { Strings } from '../src/elements/internal/strings.js';
import { ref } from 'lit/directives/ref.js';
import { expect, userEvent, waitFor } from 'storybook/test';
import '../src/elements/chat-head-stack/define.js';
import '../src/elements/pin-send-dialog/define.js';
import type { PinSendDialog } from '../src/elements/pin-send-dialog/define.js';
import type { PinInput } from '../src/protocol/index.js';
import { PINS } from './support/pins.js';
import { clearField, darkPage, focused, french, load, loaded, page, phone, rtl, screen, tab, typeText, visible } from './support/story.js';

interface Args {
  theme?: 'light' | 'dark';
  /** Overrides for user-visible strings. */
  strings?: Partial<Strings>;
  pin?: PinInput;
}

const opened = new WeakSet<Element>();

/** Opens the dialog as soon as it renders, so the state shows without a click. */
const openOnRender = ref((el?: Element) => {
  if (!el || opened.has(el)) return;
  opened.add(el);
  const dialog = el as PinSendDialog;
  void dialog.updateComplete.then(() => dialog.open());
});

function openDialog(args: Args, context: StoryContext<Args>) {
  return html`${page()}
    <pin-send-dialog
      ${openOnRender}
      .client=${loaded(context).client}
      .pin=${args.pin ?? PINS[0]}
      theme=${ifDefined(args.theme)}
      .strings=${args.strings}
    ></pin-send-dialog>`;
}

/** The pieces of the open dialog, found by role and name as a person would. */
async function dialogParts(canvasElement: HTMLElement) {
  const s = screen(canvasElement);
  const dialog = await s.findByShadowRole('dialog', { name: 'Send' });
  const within = screen(dialog);
  await visible(dialog);
  return {
    dialog,
    search: (await within.findByShadowRole('combobox', { name: 'Search people' })) as HTMLInputElement,
    option: (name: string | RegExp) => within.findByShadowRole('option', { name }),
    send: () => within.getByShadowRole('button', { name: 'Send' }),
    /** The text of each row in the delivery list shown after sending. */
    deliveries: () => within.queryAllByShadowRole('listitem').filter((li) => li.closest('[aria-label="Delivery"]')).map((li) => li.textContent?.replace(/\s+/g, ' ').trim() ?? ''),
    within,
  };
}

async function pick(parts: Awaited<ReturnType<typeof dialogParts>>, query: string, name: string | RegExp): Promise<void> {
  await typeText(parts.search, query);
  await userEvent.click(await parts.option(name));
  // Picking someone starts a new search.
  await waitFor(() => expect(parts.search.value).toBe(''));
}

const meta: Meta<Args> = {
  title: 'Elements/pin-send-dialog',
  component: 'pin-send-dialog',
  loaders: load('usual'),
  render: openDialog,
  argTypes: { theme: { control: 'inline-radio', options: [undefined, 'light', 'dark'] } },
};
export default meta;
type Story = StoryObj<Args>;

/**
 * A pin grid wired with HTML alone: each Send button carries `data-pin-send`
 * and the pin's `data-pin-*` attributes. Sent conversations appear as chat heads.
 */
export const OnAPinGrid: Story = {
  render: (_args, context) => html`${page(html`
      <ul style="display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 16px; list-style: none; padding: 0">
        ${PINS.slice(0, 3).map(
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
    `)}
    <pin-send-dialog .client=${loaded(context).client}></pin-send-dialog>
    <chat-head-stack .client=${loaded(context).client}></chat-head-stack>`,
  play: async ({ canvasElement, step }) => {
    const s = screen(canvasElement);
    const trigger = await s.findByRole('button', { name: 'Send Amber glass table lamp' });
    await step('open the dialog from the pin', () => userEvent.click(trigger));
    const parts = await dialogParts(canvasElement);
    await visible(parts.within.getByShadowText('Amber glass table lamp'));
    await expect(focused()).toBe(parts.search);
    await expect(parts.send()).toBeDisabled();

    await step('pick two people', async () => {
      await pick(parts, 'gus', 'Gus Van Sant');
      await pick(parts, 'hal', 'Hal Ashby');
    });
    await visible(parts.within.getByShadowRole('button', { name: 'Remove Gus Van Sant' }));
    await visible(parts.within.getByShadowRole('button', { name: 'Remove Hal Ashby' }));

    await step('add a note and send separately', async () => {
      await typeText(parts.within.getByShadowRole('textbox', { name: 'Add a note' }) as HTMLTextAreaElement, 'For the hallway?');
      await userEvent.click(parts.send());
    });
    await waitFor(() => expect(parts.deliveries()).toEqual([expect.stringMatching(/Gus Van Sant Sent\b/), expect.stringMatching(/Hal Ashby Sent\b/)]));
    // Each new conversation shows up as a chat head.
    await visible(await s.findByShadowRole('button', { name: /^Open conversation with Gus Van Sant/ }));
    await visible(await s.findByShadowRole('button', { name: /^Open conversation with Hal Ashby/ }));

    // (Escape is the browser's own dialog behaviour: synthetic key events cannot trigger it.)
    await step('close: focus returns to the pin', async () => {
      await userEvent.click(parts.within.getByShadowRole('button', { name: 'Done' }));
      await waitFor(() => expect(parts.dialog).not.toBeVisible());
      await expect(focused()).toBe(trigger);
    });
  },
};

/** Open, with recent contacts first. */
export const Open: Story = {
  play: async ({ canvasElement }) => {
    const parts = await dialogParts(canvasElement);
    await visible(await parts.within.findByShadowText('Recent'));
    await visible(await parts.option('Bob Marley'));
  },
};

/** Filtering as you type. */
export const Filtering: Story = {
  play: async ({ canvasElement }) => {
    const parts = await dialogParts(canvasElement);
    await typeText(parts.search, 'ev');
    await visible(await parts.option('Eve Arden'));
    await waitFor(() => expect(parts.within.queryByShadowRole('option', { name: 'Bob Marley' })).toBeNull());
    clearField(parts.search);
    await typeText(parts.search, 'zzz');
    await visible(await parts.within.findByShadowText('No one found'));
  },
};

/** Nobody messaged yet: no recent contacts, the whole directory. */
export const Empty: Story = {
  loaders: load('empty'),
  play: async ({ canvasElement }) => {
    const parts = await dialogParts(canvasElement);
    await visible(await parts.option('Bob Marley'));
    await expect(parts.within.queryByShadowText('Recent')).toBeNull();
  },
};

/** The connection is still opening. */
export const Loading: Story = { loaders: load('loading') };

/** The server went away; the dialog says so. */
export const Reconnecting: Story = {
  loaders: load('reconnecting'),
  play: async ({ canvasElement }) => {
    const parts = await dialogParts(canvasElement);
    await visible(await parts.within.findByShadowText(/^Offline/));
  },
};

/** Sent while offline: the pin waits in the outbox, shown as sending. */
export const OfflinePending: Story = {
  loaders: load('offline'),
  play: async ({ canvasElement }) => {
    const parts = await dialogParts(canvasElement);
    await pick(parts, 'bob', 'Bob Marley');
    await userEvent.click(parts.send());
    await visible(await parts.within.findByShadowText('Sending…'));
  },
};

/** Bob blocked Ada: his delivery fails with a retry in place, Cy's goes through. */
export const PartialFailure: Story = {
  loaders: load('failedSend'),
  play: async ({ canvasElement }) => {
    const parts = await dialogParts(canvasElement);
    // Bob is still a recent contact (the directory search hides people who blocked you).
    await userEvent.click(await parts.option('Bob Marley'));
    await userEvent.click(await parts.option('Cy Twombly'));
    await userEvent.click(parts.send());
    await visible(await parts.within.findByShadowRole('button', { name: 'Retry sending to Bob Marley' }));
    await waitFor(() => expect(parts.deliveries()).toEqual([expect.stringMatching(/Bob Marley Could not send to Bob Marley\./), expect.stringMatching(/Cy Twombly Sent\b/)]));
  },
};

/** Nine people picked (a group of ten with the sender): the note says no more can be added and the rest are disabled; sent as one group. */
export const TenPersonGroup: Story = {
  play: async ({ canvasElement, step }) => {
    const parts = await dialogParts(canvasElement);
    const names = ['Bob Marley', 'Cy Twombly', 'Dee Dee Bridgewater', 'Eve Arden', 'Fay Wray', 'Gus Van Sant', 'Hal Ashby', 'Ivy Compton-Burnett', 'Jo Nesbø'];
    await step('pick nine people', async () => {
      for (const name of names) await userEvent.click(await parts.option(name));
    });
    await visible(await parts.within.findByShadowText('No more people can be added (10 at most, you included)', { selector: '[part=cap]' }));
    await expect(await parts.option('Kit Harington')).toHaveAttribute('aria-disabled', 'true');
    await step('send as one named group', async () => {
      await userEvent.click(parts.within.getByShadowRole('radio', { name: 'Send as a group' }));
      await typeText(parts.within.getByShadowRole('textbox', { name: 'Group name (optional)' }) as HTMLInputElement, 'Picnic crew');
      await userEvent.click(parts.send());
    });
    await waitFor(() => expect(parts.deliveries()).toEqual([expect.stringMatching(/Picnic crew Sent\b/)]));
  },
};

/** A very long name in a chip and a very long pin title. */
export const LongNames: Story = {
  loaders: load('longNames'),
  args: { pin: { ...PINS[1], title: 'An exceptionally long pin title that goes on about ferns, light, humidity and watering '.repeat(3) } },
  play: async ({ canvasElement }) => {
    const parts = await dialogParts(canvasElement);
    await pick(parts, 'maxi', /^Maximiliana/);
    await visible(parts.within.getByShadowRole('button', { name: /^Remove Maximiliana/ }));
  },
};

/** A pin whose link is `javascript:`: no preview link, no sending. */
export const UnsafePin: Story = {
  args: { pin: { url: 'javascript:alert(1)', image: PINS[2].image, title: '<img src=x onerror=alert(1)>' } },
  play: async ({ canvasElement }) => {
    const parts = await dialogParts(canvasElement);
    await visible(parts.within.getByShadowText('<img src=x onerror=alert(1)>'));
    await expect(parts.dialog.querySelector('img[onerror]')).toBeNull();
    await pick(parts, 'bob', 'Bob Marley');
    await expect(parts.send()).toBeDisabled();
  },
};

/** Every visible string comes from one overridable object: here, French. */
export const Translated: Story = {
  decorators: [french],
  args: {
    strings: {
      sendDialogTitle: 'Envoyer',
      close: 'Fermer',
      pinToSend: 'Épingle à envoyer',
      searchPeople: 'Rechercher des personnes',
      people: 'Personnes',
      recent: 'Récents',
      everyone: 'Tout le monde',
      addNote: 'Ajouter une note',
      send: 'Envoyer',
    },
  },
  play: async ({ canvasElement }) => {
    const s = screen(canvasElement);
    const dialog = await s.findByShadowRole('dialog', { name: 'Envoyer' });
    await visible(await screen(dialog).findByShadowRole('combobox', { name: 'Rechercher des personnes' }));
    await visible(await screen(dialog).findByShadowText('Récents'));
  },
};

export const RightToLeft: Story = { loaders: load('rtl'), decorators: [rtl] };

export const Dark: Story = { args: { theme: 'dark' }, decorators: [darkPage], globals: { backgrounds: { value: 'dark' } } };

/** Below 600px the dialog takes the whole screen. */
export const Phone: Story = {
  ...phone,
  play: async ({ canvasElement }) => {
    const parts = await dialogParts(canvasElement);
    await waitFor(() => expect(parts.dialog.getBoundingClientRect().width).toBeGreaterThanOrEqual(window.innerWidth - 1));
  },
};

/** The whole path without a mouse: arrows move, Enter picks, Tab reaches Send. */
export const KeyboardOnly: Story = {
  play: async ({ canvasElement }) => {
    const parts = await dialogParts(canvasElement);
    await expect(focused()).toBe(parts.search);
    await typeText(parts.search, 'cy');
    await waitFor(() => expect(parts.within.getAllByShadowRole('option')).toHaveLength(1));
    await userEvent.keyboard('{ArrowDown}{Enter}');
    await visible(parts.within.getByShadowRole('button', { name: 'Remove Cy Twombly' }));
    const send = parts.send();
    for (let i = 0; i < 10 && focused() !== send; i++) tab();
    await expect(focused()).toBe(send);
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(parts.deliveries()).toEqual([expect.stringMatching(/Cy Twombly Sent\b/)]));
  },
};
