import {
  directConversationId,
  directMembers,
  LIMITS,
  type ClientFrame,
  type ClientFrameOf,
  type Message,
} from '../../../src/protocol/index.js';
import { refusal, type Refusal } from '../../../src/core/context.js';
import { privatePin } from '../../../src/core/send.js';
import type { MessagingPolicy, User } from '../../../src/core/types.js';
import { conversationOf, directoryOf, inboxOf, type Env } from './env.js';
import type { InboxStore, Prefetched } from './inbox-store.js';
import type { Facts } from './wire.js';

/** Conversation objects asked at once while a socket resumes. */
const RESUME_FANOUT = 16;
/** Conversations listed in a welcome per unit of replay budget (as the core counts them). */
const LISTED_PER_UNIT = 50;
/** Directory rows a contact search reads (the core keeps those the policy allows). */
const CONTACT_SCAN = 60;

/** An inbox, as the reads below see it. */
export interface Reads {
  env: Env;
  store: InboxStore;
  /** The inbox's person. */
  me: string;
}

/** Profiles, blocks and follows between the sender and whoever a send names. */
export async function factsFor({ env, store, me }: Reads, frame: ClientFrameOf<'send'>): Promise<Facts> {
  const others = new Set([...(frame.to ?? []), ...(directMembers(frame.conv) ?? [])]);
  others.delete(me);
  const missing = [...others].filter((id) => !store.getUser(id));
  if (missing.length > 0) store.cacheUsers(await directoryOf(env).get(missing));
  const users = [me, ...others].map((id) => store.getUser(id)).filter((u): u is User => u !== undefined);
  const facts: Facts = { users, blocks: [], follows: [] };
  for (const other of others) {
    for (const [a, b] of [
      [me, other],
      [other, me],
    ] as const) {
      if (store.blockedBy(a).includes(b)) facts.blocks.push([a, b]);
      if (store.follows(a, b)) facts.follows.push([a, b]);
    }
  }
  return facts;
}

/**
 * The checks the core makes before it creates a conversation, made here so
 * that a refused creation never reaches (and so never makes) a conversation
 * object: recipients known, nobody blocked between the sender and anyone, nor
 * between any two of the others (their inboxes are asked), the policy, and pin
 * URLs. Same order and wording as the core's. The facts to forward the send
 * with when it passes.
 */
export async function checkCreation(
  reads: Reads,
  frame: ClientFrameOf<'send'>,
  policy: MessagingPolicy,
  allowPrivateUrls: boolean,
): Promise<{ refusal: Refusal } | { facts: Facts }> {
  const { env, store, me } = reads;
  const unsafe = allowPrivateUrls ? undefined : privatePin(frame);
  if (unsafe) return { refusal: unsafe };
  const members = [...new Set([me, ...(frame.to ?? [])])];
  if (members.length < 2) return { refusal: refusal('bad_frame', 'a conversation needs someone besides you') };
  if (members.length > LIMITS.members) return { refusal: refusal('too_many_members', `a conversation has at most ${LIMITS.members} people`) };
  if (frame.conv.startsWith('dm:')) {
    const pair = directMembers(frame.conv);
    if (!pair?.includes(me)) return { refusal: await strangersPair(reads, frame.conv, pair) };
    if (members.length !== 2 || directConversationId(members[0], members[1]) !== frame.conv) {
      return { refusal: refusal('conflict', 'a direct conversation id must name you and the one recipient') };
    }
  }
  const facts = await factsFor(reads, frame);
  const profiles = new Map(facts.users.map((u) => [u.id, u]));
  const sender = profiles.get(me);
  for (const other of members.slice(1)) {
    const recipient = profiles.get(other);
    if (!recipient) return { refusal: refusal('unknown_user', `unknown user ${JSON.stringify(other)}`) };
    if (!sender) return { refusal: refusal('unknown_user', 'your profile is not in the directory') };
    if (store.eitherBlocked(me, other)) return { refusal: refusal('blocked', `you cannot message ${recipient.name}`) };
    const verdict = policy.canMessage(sender, recipient, store);
    if (verdict !== true) return { refusal: refusal('forbidden', verdict) };
  }
  const others = members.slice(1);
  if (others.length > 1) {
    // Each person's inbox holds both directions of their blocks: asking all but one covers every pair.
    const answers = await Promise.all(others.slice(0, -1).map((user) => inboxOf(env, user).blocksAmong(others)));
    const pairs = new Set(facts.blocks.map(([a, b]) => `${a} ${b}`));
    for (const [a, b] of answers.flat()) {
      if (!pairs.has(`${a} ${b}`)) facts.blocks.push([a, b]);
      pairs.add(`${a} ${b}`);
    }
    if (answers.some((found) => found.length > 0)) {
      return { refusal: refusal('blocked', 'some of these people cannot be in one conversation') };
    }
  }
  return { facts };
}

/**
 * The core's answer to a send naming a direct conversation of two other
 * people: `not_member` when it exists, `conflict` when it does not. One of
 * the two people's inboxes knows, if both are people at all; asking their
 * conversation object would make one.
 */
async function strangersPair({ env }: Reads, conv: string, pair: [string, string] | undefined): Promise<Refusal> {
  const known = pair ? await directoryOf(env).get(pair) : [];
  if (pair && known.length === 2 && (await inboxOf(env, pair[0]).lists(conv))) {
    return refusal('not_member', 'you are not a member of this conversation');
  }
  return refusal('conflict', 'a direct conversation id must name you and the one recipient');
}

/** Spends replay budget: true when paid for. */
export type Spend = (cost: number) => boolean;

/** What the core will read, for a frame answered by the inbox, that lives in other objects. */
export async function prefetch(reads: Reads, frame: ClientFrame, spend: Spend, first: boolean): Promise<Prefetched> {
  const { env, store, me } = reads;
  switch (frame.t) {
    case 'hello':
      return resume(reads, frame, spend, first);
    case 'contacts':
      return { found: await directoryOf(env).search((frame.q ?? '').trim(), CONTACT_SCAN) };
    case 'block':
      if (frame.user !== me && !store.getUser(frame.user)) store.cacheUsers(await directoryOf(env).get([frame.user]));
      return {};
    default:
      return {};
  }
}

/**
 * For `hello`: the page after each stale cursor, and the pending sends that
 * were stored, as far as the person's replay budget pays for them; the rest
 * is not fetched at all. What was decided is handed to the core in the order
 * it asks (see Prefetched.replay): the welcome first, then each stale cursor.
 */
async function resume({ env, store, me }: Reads, frame: ClientFrameOf<'hello'>, spend: Spend, first: boolean): Promise<Prefetched> {
  const pages = new Map<string, Message[]>();
  const sent = new Map<string, Message>();
  const listing = 1 + Math.floor(store.conversationsOf().length / LISTED_PER_UNIT);
  // A socket's first welcome is never refused: a client cannot work without it.
  const welcomed = spend(listing) || first;
  const replay = [welcomed ? 0 : 1];
  if (!welcomed) return { replay };
  const calls: (() => Promise<void>)[] = [];
  for (const [conv, cursor] of Object.entries(frame.cursors ?? {})) {
    const entry = store.entry(conv);
    if (!entry || entry.left || cursor >= entry.view.lastSeq) continue;
    // Unpaid: the core answers it with an empty page that has more, and the client pages on.
    if (!spend(1)) {
      replay.push(1);
      continue;
    }
    replay.push(0);
    calls.push(async () => {
      pages.set(`${conv} ${cursor}`, await conversationOf(env, conv).page(me, cursor, LIMITS.resumePage + 1));
    });
  }
  const pending = new Map<string, string[]>();
  for (const { conv, id } of frame.pending ?? []) {
    if (store.entry(conv)) pending.set(conv, [...(pending.get(conv) ?? []), id]);
  }
  for (const [conv, ids] of pending) {
    // Unpaid: no ack again now; the client sends those again and the conversation deduplicates them.
    if (!spend(1)) break;
    calls.push(async () => {
      for (const m of await conversationOf(env, conv).sent(me, ids)) sent.set(`${conv} ${m.id}`, m);
    });
  }
  for (let i = 0; i < calls.length; i += RESUME_FANOUT) {
    // A conversation that does not answer is skipped: the client fills that gap when its next message comes.
    await Promise.all(calls.slice(i, i + RESUME_FANOUT).map((call) => call().catch((e) => console.error('[pin-messaging] resume', e))));
  }
  return { pages, sent, replay };
}
