import type { MessagingPolicy } from './types.js';

/**
 * Anyone in the directory may message anyone else in it. The core has already
 * refused unknown users and blocked pairs before a policy is asked.
 */
export const anyoneInDirectory: MessagingPolicy = {
  name: 'anyone',
  canMessage: () => true,
};

/**
 * The brand-safe rule: two people may message each other only when each
 * follows the other. A brand therefore cannot cold-message someone who
 * follows it, and nobody can message a brand (or a person) that does not
 * follow them back. Checked when a conversation is created, on every send in
 * a direct conversation (an unfollow stops the conversation), and to filter
 * the contact picker.
 */
export const mutualFollow: MessagingPolicy = {
  name: 'mutual-follow',
  canMessage(from, to, directory) {
    if (!directory.follows(from.id, to.id)) return `you do not follow ${to.name}`;
    if (!directory.follows(to.id, from.id)) return `${to.name} does not follow you`;
    return true;
  },
};

/** Policies by the name a deployment configures. */
export const POLICIES: Readonly<Record<string, MessagingPolicy>> = {
  [anyoneInDirectory.name]: anyoneInDirectory,
  [mutualFollow.name]: mutualFollow,
};
