import type { Meta, StoryContext, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import type { Strings } from '../src/elements/internal/strings.js';
import { expect, userEvent, waitFor } from 'storybook/test';
import '../src/elements/chat-head-stack/define.js';
import { peer } from './support/scenarios.js';
import { darkPage, focused, french, load, loaded, page, phone, pressEnter, rtl, screen, typeText, visible } from './support/story.js';

interface Args {
  theme?: 'light' | 'dark';
  /** Overrides for user-visible strings. */
  strings?: Partial<Strings>;
  side?: 'start' | 'end' | 'left' | 'right';
  max?: number;
  /** Controls are keyed by attribute name. */
  'title-badge'?: boolean;
  sound?: boolean;
  /** Publishes the strip the heads cover as `--pin-reserve-inline` and `--pin-reserve-block`. */
  reserve?: boolean;
}

function stack(args: Args, context: StoryContext<Args>) {
  return html`${page(html`<p style="height: 1400px">The page keeps scrolling behind the heads.</p>`)}
    <chat-head-stack
      .client=${loaded(context).client}
      theme=${ifDefined(args.theme)}
      .strings=${args.strings}
      side=${ifDefined(args.side)}
      max=${ifDefined(args.max)}
      ?title-badge=${args['title-badge']}
      ?sound=${args.sound}
      ?reserve=${args.reserve}
    ></chat-head-stack>`;
}

const meta: Meta<Args> = {
  title: 'Elements/chat-head-stack',
  component: 'chat-head-stack',
  loaders: load('usual'),
  render: stack,
  argTypes: {
    theme: { control: 'inline-radio', options: [undefined, 'light', 'dark'] },
    side: { control: 'inline-radio', options: ['start', 'end', 'left', 'right'] },
    max: { control: { type: 'number', min: 0, max: 10 } },
    'title-badge': { control: 'boolean' },
    sound: { control: 'boolean' },
    reserve: { control: 'boolean' },
  },
};
export default meta;
type Story = StoryObj<Args>;

/** The heads, front first, as a keyboard or screen reader meets them. */
function heads(canvasElement: HTMLElement): HTMLElement[] {
  return screen(canvasElement).queryAllByShadowRole('button', { name: /^Open conversation with/ });
}

/** Three conversations lower-left; unread counts on two of them. */
export const Default: Story = {
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(heads(canvasElement)).toHaveLength(3));
    const s = screen(canvasElement);
    // Most recent activity first; only other people's messages count as unread.
    await expect(heads(canvasElement).map((h) => h.getAttribute('aria-label'))).toEqual([
      'Open conversation with Kitchen ideas, 2 unread messages',
      'Open conversation with Bob Marley, 2 unread messages',
      'Open conversation with Cy Twombly',
    ]);
    await expect(s.getAllByShadowText('2')).toHaveLength(2);
    // Lower-left by default.
    const box = heads(canvasElement)[0].getBoundingClientRect();
    await expect(box.left).toBeLessThan(window.innerWidth / 2);
    await expect(box.top).toBeGreaterThan(window.innerHeight / 2);
  },
};

/** Clicking a head opens its conversation beside the stack; its unread badge clears. Type and send from there. */
export const OpenAHead: Story = {
  play: async ({ canvasElement, step }) => {
    const s = screen(canvasElement);
    const head = await s.findByShadowRole('button', { name: /^Open conversation with Bob Marley/ });
    await step('open the head', () => userEvent.click(head));
    await expect(head).toHaveAttribute('aria-expanded', 'true');
    await visible(await s.findByShadowRole('heading', { name: 'Bob Marley' }));
    await waitFor(() => expect(head).toHaveAccessibleName('Open conversation with Bob Marley'));
    const composer = (await s.findByShadowRole('textbox', { name: 'Write a message' })) as HTMLTextAreaElement;
    await expect(focused()).toBe(composer);
    await step('type and send a message', async () => {
      await typeText(composer, 'On my way');
      await pressEnter(composer);
    });
    await visible(await s.findByShadowText('On my way'));
    await step('close returns focus to the head', async () => {
      await userEvent.click(s.getAllByShadowRole('button', { name: 'Close' })[0]);
      await waitFor(() => expect(s.queryByShadowRole('heading', { name: 'Bob Marley' })).toBeNull());
      await expect(focused()).toBe(head);
    });
  },
};

/** The x dismisses a head (it is not leaving); a new message brings it back, to the front, announced once. */
export const DismissAndReturn: Story = {
  play: async (context) => {
    const { canvasElement, step } = context;
    const s = screen(canvasElement);
    await waitFor(() => expect(heads(canvasElement)).toHaveLength(3));
    await step('dismiss Cy', () => userEvent.click(s.getByShadowRole('button', { name: 'Dismiss Cy Twombly' })));
    await waitFor(() => expect(heads(canvasElement)).toHaveLength(2));
    await step('Cy writes again', async () => {
      const cy = await peer(loaded(context), 'cy');
      await cy.sendText(loaded(context).conv.cy, 'Back from the coast!');
    });
    await waitFor(() => expect(heads(canvasElement)).toHaveLength(3));
    await expect(heads(canvasElement)[0]).toHaveAccessibleName('Open conversation with Cy Twombly, 1 unread message');
    const log = canvasElement.querySelector('chat-head-stack')!.shadowRoot!.querySelector('[role=log]')!;
    await waitFor(() => expect(log.textContent).toContain('Back from the coast!'));
    await expect(log.querySelectorAll('p')).toHaveLength(1);
  },
};

/** More conversations than `max`: a "+N" button lists the rest. */
export const Overflow: Story = {
  loaders: load('many'),
  args: { max: 4 },
  play: async ({ canvasElement }) => {
    const s = screen(canvasElement);
    await waitFor(() => expect(heads(canvasElement)).toHaveLength(4));
    const more = s.getByShadowRole('button', { name: '6 more conversations' });
    await userEvent.click(more);
    const menu = await s.findByShadowRole('list', { name: '6 more conversations' });
    await expect(screen(menu).getAllByShadowRole('button')).toHaveLength(6);
  },
};

/** No conversations yet: nothing shows, the page is untouched. */
export const Empty: Story = {
  loaders: load('empty'),
  play: async ({ canvasElement }) => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(heads(canvasElement)).toHaveLength(0);
  },
};

/** Still connecting: no heads yet. */
export const Loading: Story = { loaders: load('loading') };

/** The server went away: the heads stay; an open panel says it is reconnecting. */
export const Reconnecting: Story = {
  loaders: load('reconnecting'),
  play: async ({ canvasElement }) => {
    const s = screen(canvasElement);
    await userEvent.click(await s.findByShadowRole('button', { name: /^Open conversation with Bob Marley/ }));
    await visible(await s.findByShadowText('Reconnecting…', { selector: '[part=status]' }));
  },
};

/** Offline with messages waiting: shown as sending in the open conversation. */
export const OfflinePending: Story = {
  loaders: load('offline'),
  play: async ({ canvasElement }) => {
    const s = screen(canvasElement);
    await userEvent.click(await s.findByShadowRole('button', { name: /^Open conversation with Bob Marley/ }));
    await waitFor(() => expect(s.getAllByShadowText('Sending')).toHaveLength(2));
  },
};

/** A failed send in the open conversation, with retry. */
export const FailedSend: Story = {
  loaders: load('failedSend'),
  play: async ({ canvasElement }) => {
    const s = screen(canvasElement);
    await userEvent.click(await s.findByShadowRole('button', { name: /^Open conversation with Bob Marley/ }));
    await visible(await s.findByShadowText('Not sent'));
  },
};

/** Long names and titles are clipped in the menu and named in full to assistive technology. */
export const LongNames: Story = {
  loaders: load('longNames'),
  play: async ({ canvasElement }) => {
    const s = screen(canvasElement);
    await visible(await s.findByShadowRole('button', { name: /^Open conversation with Maximiliana Wolfeschlegelsteinhausenbergerdorff/ }));
  },
};

/** A group of ten shows a composite avatar. */
export const TenPersonGroup: Story = {
  loaders: load('bigGroup'),
  play: async ({ canvasElement }) => {
    const s = screen(canvasElement);
    const head = await s.findByShadowRole('button', { name: /^Open conversation with Saturday picnic/ });
    // Four members' faces in one head (parts are public API: `item` holds the head's `avatar`).
    const item = head.closest('[part~=item]')!;
    await waitFor(() => expect(item.querySelectorAll('[part~=avatar] > [part~=avatar]')).toHaveLength(4));
  },
};

/** Opening a head on a history of 10,000 messages. */
export const TenThousandMessages: Story = {
  loaders: load('hugeHistory'),
  play: async ({ canvasElement }) => {
    const s = screen(canvasElement);
    await userEvent.click(await s.findByShadowRole('button', { name: /^Open conversation with Bob Marley/ }));
    await visible(await s.findByShadowText('Message 10000'));
  },
};

/** Hostile names render as text. */
export const HostileStrings: Story = {
  loaders: load('hostile'),
  play: async ({ canvasElement }) => {
    const s = screen(canvasElement);
    await userEvent.click(await s.findByShadowRole('button', { name: /^Open conversation with <img src=x onerror=alert\(1\)>/ }));
    const root = canvasElement.querySelector('chat-head-stack')!.shadowRoot!;
    await expect(root.querySelector('img[onerror]')).toBeNull();
  },
};

/** `reserve`: the page keeps its text clear of the heads with `padding-inline-start: var(--pin-reserve-inline, 0px)`. */
export const Reserve: Story = {
  args: { reserve: true },
  render: (args, context) =>
    html`<div style="padding-inline-start: var(--pin-reserve-inline, 0px)">${stack(args, context)}</div>`,
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(heads(canvasElement)).toHaveLength(3));
    await waitFor(() => expect(getComputedStyle(document.documentElement).getPropertyValue('--pin-reserve-inline')).toMatch(/^[1-9]\d*px$/));
    const text = canvasElement.querySelector('p')!.getBoundingClientRect();
    const x = screen(canvasElement).getAllByShadowRole('button', { name: /^Dismiss / })[0].getBoundingClientRect();
    await expect(text.left).toBeGreaterThan(x.right);
  },
};

/** On the other side. */
export const EndSide: Story = {
  args: { side: 'end' },
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(heads(canvasElement)).toHaveLength(3));
    await expect(heads(canvasElement)[0].getBoundingClientRect().left).toBeGreaterThan(window.innerWidth / 2);
  },
};

/** Every visible string comes from one overridable object: here, French. */
export const Translated: Story = {
  decorators: [french],
  args: {
    strings: {
      chatHeads: 'Conversations',
      openConversation: (name: string) => `Ouvrir la conversation avec ${name}`,
      dismissConversation: (name: string) => `Masquer ${name}`,
      unreadCount: (n: number) => (n === 1 ? '1 message non lu' : `${n} messages non lus`),
    },
  },
  play: async ({ canvasElement }) => {
    const s = screen(canvasElement);
    await visible(await s.findByShadowRole('button', { name: 'Ouvrir la conversation avec Bob Marley, 2 messages non lus' }));
    await expect(s.getByShadowRole('button', { name: 'Masquer Bob Marley' })).toBeInTheDocument();
  },
};

/** Right to left: `start` is the right edge. */
export const RightToLeft: Story = {
  loaders: load('rtl'),
  decorators: [rtl],
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(heads(canvasElement)).toHaveLength(2));
    await expect(heads(canvasElement)[0].getBoundingClientRect().left).toBeGreaterThan(window.innerWidth / 2);
  },
};

export const Dark: Story = {
  args: { theme: 'dark' },
  decorators: [darkPage],
  globals: { backgrounds: { value: 'dark' } },
  play: async ({ canvasElement }) => {
    await userEvent.click(await screen(canvasElement).findByShadowRole('button', { name: /^Open conversation with Kitchen ideas/ }));
  },
};

/** On a phone the open conversation covers the screen. */
export const Phone: Story = {
  ...phone,
  play: async ({ canvasElement }) => {
    const s = screen(canvasElement);
    await userEvent.click(await s.findByShadowRole('button', { name: /^Open conversation with Bob Marley/ }));
    const panel = canvasElement.querySelector('chat-head-stack')!.shadowRoot!.querySelector('conversation-panel')!;
    await waitFor(() => expect(panel.getBoundingClientRect().width).toBeGreaterThanOrEqual(window.innerWidth - 1));
    await visible(await s.findByShadowRole('button', { name: 'Back' }));
  },
};
