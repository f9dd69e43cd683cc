const SEND_ERROR_REASONS: Readonly<Record<string, string>> = {
  blocked: 'You cannot message this person.',
  forbidden: 'This person does not accept messages from you.',
  unknown_user: 'This person could not be found.',
  too_many_members: 'Too many people for one conversation.',
  unsafe_url: 'The pin link is not allowed.',
  too_long: 'The note is too long.',
  offline: 'You are offline.',
};

/**
 * Every string a person can see or hear. Override some or all of them once for
 * the page with {@link setStrings}, or per element through its `strings` property.
 * Functions receive the values to interpolate.
 */
export const DEFAULT_STRINGS = {
  // <pin-send-dialog>
  sendDialogTitle: 'Send',
  sendTrigger: 'Send',
  searchPeople: 'Search people',
  noPeopleFound: 'No one found',
  recent: 'Recent',
  everyone: 'Everyone',
  selectedPeople: 'Selected people',
  removePerson: (name: string) => `Remove ${name}`,
  addNote: 'Add a note',
  sendSeparately: 'Send separately',
  sendAsGroup: 'Send as a group',
  groupName: 'Group name (optional)',
  /** Under the search as the picked people near the limit: `left` more may be picked, `max` people in all with the sender. */
  pickLimit: (left: number, max: number) =>
    `${left || 'No'} more ${left === 1 ? 'person' : 'people'} can be added (${max} at most, you included)`,
  selectedCount: (n: number) => (n === 1 ? '1 person selected' : `${n} people selected`),
  send: 'Send',
  sending: 'Sending…',
  sent: 'Sent',
  retry: 'Retry',
  close: 'Close',
  sendFailedTo: (name: string) => `Could not send to ${name}`,
  pinToSend: 'Pin to send',
  pinInvalid: 'This pin cannot be sent: its link or image is not a web address.',
  people: 'People',
  sendHow: 'How to send',
  done: 'Done',
  delivery: 'Delivery',
  retrySendTo: (name: string) => `Retry sending to ${name}`,
  loadingPeople: 'Loading people…',
  /** Why a send failed, from the server's error code. */
  sendErrorReason: (code: string) => SEND_ERROR_REASONS[code] ?? 'Something went wrong.',
  // <chat-head-stack>
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
  // <conversation-panel>
  conversation: (title: string) => `Conversation with ${title}`,
  messageHistory: 'Messages',
  writeMessage: 'Write a message',
  sendMessage: 'Send message',
  loadingOlder: 'Loading earlier messages…',
  newMessages: 'New messages',
  typing: (names: string) => `${names} typing…`,
  statusSending: 'Sending',
  statusSent: 'Sent',
  statusSeen: 'Seen',
  statusFailed: 'Not sent',
  today: 'Today',
  yesterday: 'Yesterday',
  members: (n: number) => `${n} members`,
  mute: 'Mute',
  unmute: 'Unmute',
  leave: 'Leave conversation',
  block: (name: string) => `Block ${name}`,
  unblock: (name: string) => `Unblock ${name}`,
  report: 'Report',
  reportSent: 'Thanks, we will look into it',
  back: 'Back',
  more: 'More actions',
  leavingSite: 'You are leaving for another site',
  leavingSiteDetail: (host: string) => `This link goes to ${host}. Only continue if you trust it.`,
  continueTo: (host: string) => `Continue to ${host}`,
  cancel: 'Cancel',
  pinFrom: (host: string) => `Pin from ${host}`,
  you: 'You',
  loadingMessages: 'Loading messages…',
  sendFailed: 'Your message was not sent',
  discard: 'Delete',
  discardMessage: 'Delete unsent message',
  /** The delete button on the person's own stored message (unsend, for everyone). */
  unsendMessage: 'Delete message',
  unsendConfirm: 'Delete this message for everyone?',
  unsendConfirmDetail: 'This cannot be undone.',
  /** In place of a deleted message (a tombstone), and announced once one is deleted. */
  messageDeleted: 'Message deleted',
  reportMessage: (name: string) => `Report message from ${name}`,
  reportConfirm: 'Report this message?',
  reportConfirmDetail: 'It will be sent to our team for review.',
  leaveConfirm: 'Leave this conversation?',
  leaveConfirmDetail: 'You will stop getting its messages.',
  blockConfirm: (name: string) => `Block ${name}?`,
  blockConfirmDetail: (name: string) => `You and ${name} will not be able to message each other.`,
  blockedNotice: (name: string) => `You blocked ${name}.`,
  /** In place of a message from someone the reader blocked. */
  blockedMessage: 'Message from someone you blocked',
  /** Shown in a group with people the reader blocked (one or more); announced once per conversation. */
  blockedInGroup: 'Someone you blocked is in this group. Their messages are hidden.',
  actionFailed: 'That did not work. Please try again.',
  tooLong: (max: number) => `Messages can be up to ${max} characters`,
  // Connection
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  /** Announced when the connection is back after an announced outage. */
  backOnline: 'Back online',
  offline: 'Offline: messages will be sent when you are back online',
  refused: 'Could not sign in to messages',
  empty: 'No messages yet. Say hello!',
  noConversations: 'No conversations yet',
};

export type Strings = typeof DEFAULT_STRINGS;

let page: Strings = DEFAULT_STRINGS;
const listeners = new Set<() => void>();

/** Overrides strings for every element on the page (for example a translation). */
export function setStrings(overrides: Partial<Strings>): void {
  page = { ...page, ...overrides };
  for (const listener of listeners) listener();
}

/** The page's strings merged with an element's own overrides. */
export function stringsFor(overrides?: Partial<Strings>): Strings {
  return overrides ? { ...page, ...overrides } : page;
}

/** Calls `listener` when the page's strings change; returns the unsubscribe function. */
export function onStringsChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
