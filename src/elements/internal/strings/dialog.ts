import { COMMON_STRINGS } from './common.js';

const SEND_ERROR_REASONS: Readonly<Record<string, string>> = {
  blocked: 'You cannot message this person.',
  forbidden: 'This person does not accept messages from you.',
  unknown_user: 'This person could not be found.',
  too_many_members: 'Too many people for one conversation.',
  unsafe_url: 'The pin link is not allowed.',
  too_long: 'The note is too long.',
  offline: 'You are offline.',
};

/** `<pin-send-dialog>`'s own strings. */
export const DIALOG_STRINGS = {
  ...COMMON_STRINGS,
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
  send: 'Send',
  sending: 'Sending…',
  sent: 'Sent',
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
  /** Under the search as the picked people near the limit: `left` more may be picked, `max` people in all with the sender. */
  pickLimit: (left: number, max: number) =>
    `${left || 'No'} more ${left === 1 ? 'person' : 'people'} can be added (${max} at most, you included)`,
  selectedCount: (n: number) => (n === 1 ? '1 person selected' : `${n} people selected`),
};
