import { ChatHeadStack } from './chat-head-stack/chat-head-stack.js';
import { ConversationPanel } from './conversation-panel/conversation-panel.js';
import { defineElement } from './internal/define.js';
import { PinSendDialog } from './pin-send-dialog/pin-send-dialog.js';

/** The tags the library registers by default. */
export const DEFAULT_TAGS = {
  'pin-send-dialog': PinSendDialog,
  'conversation-panel': ConversationPanel,
  'chat-head-stack': ChatHeadStack,
} as const;

export type ElementName = keyof typeof DEFAULT_TAGS;

/**
 * Registers the elements, each under its default tag or the name given here;
 * `false` leaves one out. For a page that already uses one of our tag names:
 *
 * @example
 * import { defineElements } from 'pin-messaging/elements';
 * defineElements({ 'conversation-panel': 'acme-conversation', 'chat-head-stack': 'acme-chat-heads' });
 *
 * `<chat-head-stack>` opens conversations in a `<conversation-panel>`: under
 * whichever name the panel got here. Tags already taken are skipped as by the
 * default registration (with a warning when another version holds them).
 * Returns the tag each element was asked to register under.
 */
export function defineElements(tags: Partial<Record<ElementName, string | false>> = {}): Partial<Record<ElementName, string>> {
  const defined: Partial<Record<ElementName, string>> = {};
  // The panel first, so the stack finds its name.
  for (const name of Object.keys(DEFAULT_TAGS) as ElementName[]) {
    const tag = tags[name] ?? name;
    if (tag === false) continue;
    defineElement(tag, DEFAULT_TAGS[name], name);
    defined[name] = tag;
  }
  return defined;
}
