/** The chat heads' strings (`<chat-head-stack>`): all the heads and their badges need, so they load without the other elements' strings. */
export const STACK_STRINGS = {
  chatHeads: 'Conversations',
  openConversation: (name: string) => `Open conversation with ${name}`,
  dismissConversation: (name: string) => `Dismiss ${name}`,
  unreadCount: (n: number) => (n === 1 ? '1 unread message' : `${n} unread messages`),
  moreConversations: (n: number) => `${n} more conversations`,
  newMessageFrom: (name: string, preview: string) => `New message from ${name}: ${preview}`,
  newGroupMessageFrom: (name: string, group: string, preview: string) => `New message from ${name} in ${group}: ${preview}`,
  pinPreview: (title: string) => `Pin: ${title}`,
  /** The page title while `title-badge` is on and messages are unread. */
  titleWithUnread: (n: number, title: string) => `(${n}) ${title}`,
};
