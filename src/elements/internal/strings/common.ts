/** Strings both the conversation panel and the send dialog show. */
export const COMMON_STRINGS = {
  retry: 'Retry',
  close: 'Close',
  connecting: 'Connecting…',
  offline: 'Offline: messages will be sent when you are back online',
  refused: 'Could not sign in to messages',
};
