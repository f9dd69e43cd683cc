import type { Meta, StoryContext, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import type { Strings } from '../src/elements/internal/strings.js';
import { expect, userEvent, waitFor } from 'storybook/test';
import '../src/elements/conversation-panel/define.js';
import { directConversationId } from '../src/protocol/index.js';
import { peer } from './support/scenarios.js';
import { darkPage, focused, french, load, loaded, phone, pressEnter, rtl, screen, typeText, visible } from './support/story.js';

interface Args {
  theme?: 'light' | 'dark';
  /** Overrides for user-visible strings. */
  strings?: Partial<Strings>;
  /** Which of the scenario's conversations to show (`bob`, `group`...), or a new one with `new:<person>`. */
  thread: string;
  /** From the manifest; set from `thread`. */
  conv?: string;
  hidden?: boolean;
}

function convOf(args: Args, context: StoryContext<Args>): string {
  const s = loaded(context);
  return args.thread.startsWith('new:') ? directConversationId(s.client.user, args.thread.slice(4)) : s.conv[args.thread];
}

const meta: Meta<Args> = {
  title: 'Elements/conversation-panel',
  component: 'conversation-panel',
  loaders: load('usual'),
  args: { thread: 'bob' },
  argTypes: {
    theme: { control: 'inline-radio', options: [undefined, 'light', 'dark'] },
    thread: { control: 'text', description: 'The scenario conversation to show (stories set `conv` from it).' },
    conv: { control: false },
  },
  render: (args, context) => html`<div style="padding: 16px; display: flex">
    <conversation-panel
      .client=${loaded(context).client}
      conv=${convOf(args, context)}
      theme=${ifDefined(args.theme)}
      ?hidden=${args.hidden}
      .strings=${args.strings}
    ></conversation-panel>
  </div>`,
};
export default meta;
type Story = StoryObj<Args>;

async function panelParts(canvasElement: HTMLElement) {
  const s = screen(canvasElement);
  const history = await s.findByShadowRole('region', { name: 'Messages' });
  return {
    s,
    history,
    composer: () => s.getByShadowRole('textbox', { name: 'Write a message' }) as HTMLTextAreaElement,
    messages: () => screen(history).queryAllByShadowRole('listitem').filter((li) => li.classList.contains('message')),
  };
}

/** A direct conversation: pins as cards, grouped messages, date separators, "Seen" under Ada's read messages. */
export const Direct: Story = {
  play: async ({ canvasElement }) => {
    const { s, history } = await panelParts(canvasElement);
    await visible(await s.findByShadowRole('heading', { name: 'Bob Marley' }));
    // The panel opens at the newest message; the first pin is at the top.
    history.scrollTop = 0;
    await visible(await s.findByShadowText('Terracotta planters for a sunny window'));
    await visible(await s.findByShadowText('Pin from example.com'));
    await expect(s.getAllByShadowText('Seen').length).toBeGreaterThan(0);
  },
};

/** Type and send: Enter sends, Shift+Enter starts a new line, the message shows as sent. */
export const TypeAndSend: Story = {
  play: async ({ canvasElement, step }) => {
    const parts = await panelParts(canvasElement);
    await parts.s.findByShadowText('Ordering two of them', { exact: false });
    const composer = parts.composer();
    await step('Shift+Enter adds a line', async () => {
      await typeText(composer, 'Two lamps');
      await pressEnter(composer, { shift: true });
      await typeText(composer, 'sounds right');
      await expect(composer.value).toBe('Two lamps\nsounds right');
    });
    await step('Enter sends', () => pressEnter(composer));
    const sent = await parts.s.findByShadowText(/^Two lamps\s+sounds right$/);
    await expect(composer.value).toBe('');
    const row = sent.closest('[role=listitem]')!;
    await waitFor(() => expect(row).toHaveTextContent(/Sent|Seen/));
  },
};

/** A reply arrives while the reader is at the bottom: it shows at once. */
export const IncomingReply: Story = {
  play: async (context) => {
    const parts = await panelParts(context.canvasElement);
    const bob = await peer(loaded(context), 'bob');
    await bob.sendText(loaded(context).conv.bob, 'Just got home!');
    await visible(await parts.s.findByShadowText('Just got home!'));
  },
};

/** A group of four: header with members, sender names above their messages. */
export const Group: Story = {
  args: { thread: 'group' },
  play: async ({ canvasElement }) => {
    const { s } = await panelParts(canvasElement);
    await visible(await s.findByShadowRole('heading', { name: 'Kitchen ideas' }));
    await visible(await s.findByShadowText(/^4 members/));
  },
};

/** The actions menu of a group: mute, leave, block are reachable by keyboard. */
export const ActionsMenu: Story = {
  play: async ({ canvasElement }) => {
    const { s } = await panelParts(canvasElement);
    await userEvent.click(s.getByShadowRole('button', { name: 'More actions' }));
    const menu = await s.findByShadowRole('menu', { name: 'More actions' });
    const items = screen(menu).getAllByShadowRole('menuitem');
    await expect(items.map((i) => i.textContent?.trim())).toEqual(['Mute', 'Block Bob Marley']);
    await expect(focused()).toBe(items[0]);
  },
};

/** A conversation that does not exist yet: the first message will create it. */
export const Empty: Story = {
  args: { thread: 'new:kit' },
  play: async ({ canvasElement }) => {
    const { s } = await panelParts(canvasElement);
    await visible(await s.findByShadowText('No messages yet. Say hello!'));
  },
};

/** Still connecting: nothing loaded yet. */
export const Loading: Story = {
  loaders: load('loading'),
  play: async ({ canvasElement }) => {
    const { s } = await panelParts(canvasElement);
    await visible(await s.findByShadowText('Connecting…', { selector: '[part=status]' }));
  },
};

/** The server went away: a banner says so; the history stays readable. */
export const Reconnecting: Story = {
  loaders: load('reconnecting'),
  play: async ({ canvasElement }) => {
    const { s } = await panelParts(canvasElement);
    await visible(await s.findByShadowText('Reconnecting…', { selector: '[part=status]' }));
  },
};

/** Offline with two messages waiting in the outbox, shown as sending. */
export const OfflinePending: Story = {
  loaders: load('offline'),
  play: async ({ canvasElement }) => {
    const { s } = await panelParts(canvasElement);
    await visible(await s.findByShadowText(/^Offline/, { selector: '[part=status]' }));
    await visible(await s.findByShadowText('Also: the lamp is back in stock'));
    await waitFor(() => expect(s.getAllByShadowText('Sending')).toHaveLength(2));
  },
};

/** Bob blocked Ada: her message failed, with retry and discard in place; a new failure keeps nothing lost. */
export const FailedSend: Story = {
  loaders: load('failedSend'),
  play: async ({ canvasElement }) => {
    const { s } = await panelParts(canvasElement);
    await visible(await s.findByShadowText('Not sent'));
    await visible(s.getByShadowRole('button', { name: 'Retry' }));
  },
};

/** Bob is typing. */
export const Typing: Story = {
  loaders: load('typing'),
  play: async ({ canvasElement }) => {
    const { s } = await panelParts(canvasElement);
    await visible(await s.findByShadowText('Bob Marley typing…'));
  },
};

/** Links read as their real host and path, and pass the link-safety warning before leaving. */
export const LinkWarning: Story = {
  play: async ({ canvasElement }) => {
    const { s } = await panelParts(canvasElement);
    const link = await s.findByShadowRole('link', { name: 'shop.example.net/lamps/amber' });
    await expect(link).toHaveAttribute('rel', 'noopener noreferrer nofollow ugc');
    await userEvent.click(link);
    const dialog = await s.findByShadowRole('dialog', { name: 'You are leaving for another site' });
    await visible(screen(dialog).getByShadowRole('button', { name: 'Continue to shop.example.net' }));
    await userEvent.click(screen(dialog).getByShadowRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(dialog).not.toBeVisible());
  },
};

/** Deleting one's own message: its delete button, a question first (it cannot be undone), then a tombstone in its place. */
export const DeleteOwnMessage: Story = {
  play: async ({ canvasElement }) => {
    const { s } = await panelParts(canvasElement);
    const text = await s.findByShadowText('No idea, the link has the shop. Want me to look?');
    const row = text.closest<HTMLElement>('[role=listitem]')!;
    await userEvent.click(screen(row).getByShadowRole('button', { name: 'Delete message' }));
    const dialog = await s.findByShadowRole('dialog', { name: 'Delete this message for everyone?' });
    await userEvent.click(screen(dialog).getByShadowRole('button', { name: 'Delete' }));
    await visible(await s.findByShadowText('Message deleted', { selector: '[part~=hidden-message]' }));
    await expect(s.queryByShadowText('No idea, the link has the shop. Want me to look?')).toBeNull();
  },
};

/** A group without a name: as many whole names as fit and "+N"; the member list ends with the reader. */
export const UntitledGroup: Story = {
  loaders: load('untitledGroup'),
  args: { thread: 'group' },
  play: async ({ canvasElement }) => {
    const { s } = await panelParts(canvasElement);
    await s.findByShadowRole('heading', { name: 'Bob Marley, Cy Twombly, Dee Dee Bridgewater, Eve Arden' });
    await visible(await s.findByShadowText(/^\+[1-3]$/));
    const summary = canvasElement.querySelector('conversation-panel')!.shadowRoot!.querySelector('.members summary')!;
    await expect(summary.textContent!.replace(/\s+/g, ' ').trim()).toBe('5 members · Bob Marley, Cy Twombly, Dee Dee Bridgewater, Eve Arden, You');
  },
};

/** A very long name and group title, a long unbroken word, a long pin title. */
export const LongNames: Story = {
  loaders: load('longNames'),
  args: { thread: 'long' },
  play: async ({ canvasElement }) => {
    const parts = await panelParts(canvasElement);
    // Nothing overflows sideways.
    await waitFor(() => expect(parts.history.scrollWidth).toBeLessThanOrEqual(parts.history.clientWidth));
  },
};

export const LongGroupTitle: Story = { loaders: load('longNames'), args: { thread: 'longGroup' } };

/** Ten people: everyone's name in the header and above their messages. */
export const TenPersonGroup: Story = {
  loaders: load('bigGroup'),
  args: { thread: 'group' },
  play: async ({ canvasElement }) => {
    const { s } = await panelParts(canvasElement);
    await visible(await s.findByShadowText(/^10 members/));
  },
};

/** 10,000 messages: only the rows near the viewport are in the DOM; older pages load on scroll up without moving the view. */
export const TenThousandMessages: Story = {
  loaders: load('hugeHistory'),
  args: { thread: 'huge' },
  play: async (context) => {
    const parts = await panelParts(context.canvasElement);
    const { client, conv } = loaded(context);
    const timeline = client.timeline(conv.huge);
    await visible(await parts.s.findByShadowText('Message 10000'));
    await waitFor(() => expect(timeline.get().messages.length).toBeGreaterThan(20));
    await waitFor(() => expect(timeline.get().loadingOlder).toBe(false));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(parts.messages().length).toBeLessThan(150);

    const oldest = timeline.get().messages[0].seq;
    parts.history.scrollTop = 0;
    await waitFor(() => expect(timeline.get().messages[0].seq).toBeLessThan(oldest), { timeout: 3_000 });
    // The reader still sees the message that was at the top; the older page went in above it.
    await waitFor(() => {
      const row = parts.messages().find((r) => r.textContent?.includes(`Message ${oldest}`));
      const view = parts.history.getBoundingClientRect();
      expect(row).toBeDefined();
      const top = row!.getBoundingClientRect().top;
      expect(top).toBeGreaterThanOrEqual(view.top - 1);
      expect(top).toBeLessThan(view.bottom);
    });
    await expect(parts.history.scrollTop).toBeGreaterThan(0);
    await expect(parts.messages().length).toBeLessThan(150);
  },
};

/** Hostile strings render as text: no markup, no live `javascript:` link, overrides isolated, 4,000 emoji wrap. */
export const HostileStrings: Story = {
  loaders: load('hostile'),
  args: { thread: 'mallory' },
  play: async ({ canvasElement }) => {
    const parts = await panelParts(canvasElement);
    const root = parts.history.getRootNode() as ShadowRoot;
    const inert = async () => {
      await expect(root.querySelector('img[onerror], script, svg[onload]')).toBeNull();
      for (const a of root.querySelectorAll('a')) {
        await expect(a.href).toMatch(/^https?:/);
        await expect(a.rel).toBe('noopener noreferrer nofollow ugc');
      }
    };
    await visible(await parts.s.findByShadowText(/"><svg onload=alert\(1\)>/));
    await inert();
    // The first messages are thousands of pixels above, past the emoji: only rows near the view are rendered.
    parts.history.scrollTop = 0;
    await visible(await parts.s.findByShadowText(/<img src=x onerror=alert\(1\)> <script>/));
    await inert();
    await waitFor(() => expect(parts.history.scrollWidth).toBeLessThanOrEqual(parts.history.clientWidth));
  },
};

/**
 * Ada blocked Eve, who is in this group: Eve's messages keep their places as collapsed placeholders,
 * with nothing of their content, and a notice (announced once) says why.
 */
export const BlockedInGroup: Story = {
  loaders: load('blockedInGroup'),
  args: { thread: 'group' },
  play: async ({ canvasElement }) => {
    const { s, history, messages } = await panelParts(canvasElement);
    const notice = 'Someone you blocked is in this group. Their messages are hidden.';
    await visible(await s.findByShadowText(notice, { selector: '[part=blocked-notice]' }));
    await waitFor(() => expect(s.getByShadowText(notice, { selector: '[role=status]' })).toBeInTheDocument());
    history.scrollTop = 0;
    await waitFor(() => expect(messages().map((m) => m.textContent!.includes('Message from someone you blocked'))).toEqual([false, true, false, true, false, false]));
    await expect(s.queryByShadowText('This one, obviously')).toBeNull();
    await expect(s.queryByShadowText('Nobody asked you, Fay')).toBeNull();
    // Only Ada's own pin shows a card.
    await expect(canvasElement.querySelector('conversation-panel')!.shadowRoot!.querySelectorAll('[part~=pin]')).toHaveLength(1);
  },
};

/** Every visible string comes from one overridable object: here, French. */
export const Translated: Story = {
  decorators: [french],
  args: {
    strings: {
      messageHistory: 'Messages',
      writeMessage: 'Écrire un message',
      sendMessage: 'Envoyer le message',
      more: 'Plus d’actions',
      close: 'Fermer',
      back: 'Retour',
      statusSeen: 'Vu',
      today: 'Aujourd’hui',
      yesterday: 'Hier',
      pinFrom: (host: string) => `Épingle de ${host}`,
    },
  },
  play: async ({ canvasElement }) => {
    const s = screen(canvasElement);
    await visible(await s.findByShadowRole('textbox', { name: 'Écrire un message' }));
    (await s.findByShadowRole('region', { name: 'Messages' })).scrollTop = 0;
    await visible(await s.findByShadowText('Épingle de example.com'));
  },
};

export const RightToLeft: Story = { loaders: load('rtl'), args: { thread: 'omar' }, decorators: [rtl] };

export const RightToLeftGroup: Story = { loaders: load('rtl'), args: { thread: 'group' }, decorators: [rtl] };

export const Dark: Story = { args: { theme: 'dark', thread: 'group' }, decorators: [darkPage], globals: { backgrounds: { value: 'dark' } } };

/** Below 600px the panel takes the whole screen and the page stops scrolling behind it. */
export const Phone: Story = {
  ...phone,
  render: (args, context) => html`<div style="height: 2000px; padding: 16px">A long host page</div>
    <conversation-panel .client=${loaded(context).client} conv=${convOf(args, context)} theme=${ifDefined(args.theme)} .strings=${args.strings}></conversation-panel>`,
  play: async ({ canvasElement }) => {
    const { s } = await panelParts(canvasElement);
    const panel = canvasElement.querySelector('conversation-panel')!;
    await waitFor(() => expect(panel.getBoundingClientRect().width).toBeGreaterThanOrEqual(window.innerWidth - 1));
    await visible(s.getByShadowRole('button', { name: 'Back' }));
    await waitFor(() => expect(getComputedStyle(document.documentElement).overflow).toBe('hidden'));
  },
};
