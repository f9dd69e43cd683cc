import { directConversationId, LIMITS, type ClientFrameOf } from '../protocol/index.js';
import { refusal, type Refusal } from './context.js';
import type { DirectoryPort, MessagingPolicy } from './types.js';

/**
 * The checks before a conversation is created, in the order the refusals are
 * given. Two steps, because a Cloudflare inbox makes them too (so that a
 * refused creation never makes a conversation object) and must fetch the
 * people named between them: the shape needs nothing stored, the members'
 * check reads profiles, blocks and follows.
 */
export interface CreationShape {
  /** The sender first, then the recipients in the order named, each once. */
  members: string[];
  direct: boolean;
}

/** The members and kind a first send names, or why it cannot create a conversation. */
export function creationShape(sender: string, frame: ClientFrameOf<'send'>): CreationShape | Refusal {
  if (!frame.to) return refusal('not_member', 'no such conversation: name the recipients in `to` to start it');
  const members = [...new Set([sender, ...frame.to])];
  if (members.length < 2) return refusal('bad_frame', 'a conversation needs someone besides you');
  if (members.length > LIMITS.members) {
    return refusal('too_many_members', `a conversation has at most ${LIMITS.members} people`);
  }
  const direct = frame.conv.startsWith('dm:');
  if (direct && (members.length !== 2 || directConversationId(members[0], members[1]) !== frame.conv)) {
    return refusal('conflict', 'a direct conversation id must name you and the one recipient');
  }
  return { members, direct };
}

/**
 * Why these people cannot be in one conversation started by `members[0]`, or
 * undefined when they can: each recipient checked against the sender, then
 * nobody put in a group with someone they blocked, or who blocked them.
 */
export function checkMembers(directory: DirectoryPort, policy: MessagingPolicy, members: readonly string[]): Refusal | undefined {
  const [sender, ...others] = members;
  for (const other of others) {
    const problem = checkPair(directory, policy, sender, other);
    if (problem) return problem;
  }
  for (let i = 0; i < others.length; i++) {
    for (let j = i + 1; j < others.length; j++) {
      if (directory.eitherBlocked(others[i], others[j])) {
        return refusal('blocked', 'some of these people cannot be in one conversation');
      }
    }
  }
  return undefined;
}

/** Why `from` may not message `to`, or undefined when they may. */
export function checkPair(directory: DirectoryPort, policy: MessagingPolicy, from: string, to: string): Refusal | undefined {
  const sender = directory.getUser(from);
  const recipient = directory.getUser(to);
  if (!recipient) return refusal('unknown_user', `unknown user ${JSON.stringify(to)}`);
  if (!sender) return refusal('unknown_user', 'your profile is not in the directory');
  if (directory.eitherBlocked(from, to)) return refusal('blocked', `you cannot message ${recipient.name}`);
  const verdict = policy.canMessage(sender, recipient, directory);
  return verdict === true ? undefined : refusal('forbidden', verdict);
}
