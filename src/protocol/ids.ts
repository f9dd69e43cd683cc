/**
 * The reserved id that stands for an erased person: their tombstones carry
 * it as `from`. Servers refuse tokens and profiles for it; clients show it as
 * DELETED_USER_NAME.
 */
export const DELETED_USER = 'deleted';
export const DELETED_USER_NAME = 'Deleted person';

/** The one conversation id two people share. */
export function directConversationId(a: string, b: string): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

/** The two members named by a direct conversation id, or undefined for a group. */
export function directMembers(conv: string): [string, string] | undefined {
  if (!conv.startsWith('dm:')) return undefined;
  const [, a, b] = conv.split(':');
  return a && b ? [a, b] : undefined;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** A random id of `size` URL-safe characters from the platform's CSPRNG. */
export function randomId(size = 21): string {
  const bytes = crypto.getRandomValues(new Uint8Array(size));
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte & 63];
  return id;
}

/** A new group conversation id. */
export function newGroupId(): string {
  return `g:${randomId(16)}`;
}
