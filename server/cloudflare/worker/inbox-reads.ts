import {
  directMembers,
  ErrorCode,
  LIMITS,
  type ClientFrame,
  type ClientFrameOf,
  type Message,
} from '../../../src/protocol/index.js';
import { refusal, type Refusal } from '../../../src/core/context.js';
import { checkMembers, creationShape } from '../../../src/core/creation.js';
import { privatePin } from '../../../src/core/send.js';
import type { MessagingPolicy, User } from '../../../src/core/types.js';
import { conversationOf, directoryOf, inboxOf, type Env } from './env.js';
import { FactsDirectory } from './facts-directory.js';
import type { InboxDirectory, InboxList, Prefetched } from './inbox-store.js';
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
  people: InboxDirectory;
  list: InboxList;
  /** The inbox's person. */
  me: string;
}

/** Profiles, blocks and follows between the sender and whoever a send names. */
export async function factsFor({ env, people, me }: Reads, frame: ClientFrameOf<'send'>): Promise<Facts> {
  const others = new Set([...(frame.to ?? []), ...(directMembers(frame.conv) ?? [])]);
  others.delete(me);
  const missing = [...others].filter((id) => !people.getUser(id));
  if (missing.length > 0) people.cacheUsers(await directoryOf(env).get(missing));
  const users = [me, ...others].map((id) => people.getUser(id)).filter((u): u is User => u !== undefined);
  const facts: Facts = { users, blocks: [], follows: [] };
  for (const other of others) {
    for (const [a, b] of [
      [me, other],
      [other, me],
    ] as const) {
      if (people.blockedBy(a).includes(b)) facts.blocks.push([a, b]);
      if (people.follows(a, b)) facts.follows.push([a, b]);
    }
  }
  return facts;
}

/**
 * The core's checks before it creates a conversation (`creationShape`, then
 * `checkMembers`), made here too so that a refused creation never reaches
 * (and so never makes) a conversation object. The members are checked on the
 * facts the send is then forwarded with, so the conversation's core sees the
 * same answer; blocks between two recipients are asked of their inboxes only
 * once everyone has passed the checks with the sender. Pin URLs first, as the
 * core checks them. The facts to forward the send with when it passes.
 */
export async function checkCreation(
  reads: Reads,
  frame: ClientFrameOf<'send'>,
  policy: MessagingPolicy,
  allowPrivateUrls: boolean,
): Promise<{ refusal: Refusal } | { facts: Facts }> {
  const { env, me } = reads;
  const unsafe = allowPrivateUrls ? undefined : privatePin(frame);
  if (unsafe) return { refusal: unsafe };
  const shape = creationShape(me, frame);
  if ('code' in shape) {
    const pair = directMembers(frame.conv);
    const strangers = shape.code === ErrorCode.Conflict && frame.conv.startsWith('dm:') && !pair?.includes(me);
    return { refusal: strangers ? await strangersPair(reads, frame.conv, pair) : shape };
  }
  const facts = await factsFor(reads, frame);
  const directory = new FactsDirectory(facts);
  let problem = checkMembers(directory, policy, shape.members);
  const others = shape.members.slice(1);
  if (!problem && others.length > 1) {
    // Each person's inbox holds both directions of their blocks: asking all but one covers every pair.
    const answers = await Promise.all(others.slice(0, -1).map((user) => inboxOf(env, user).blocksAmong(others)));
    const pairs = new Set(facts.blocks.map(([a, b]) => `${a} ${b}`));
    for (const [a, b] of answers.flat()) {
      if (!pairs.has(`${a} ${b}`)) facts.blocks.push([a, b]);
      pairs.add(`${a} ${b}`);
    }
    directory.use(facts);
    problem = checkMembers(directory, policy, shape.members);
  }
  return problem ? { refusal: problem } : { facts };
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
  const { env, people, me } = reads;
  switch (frame.t) {
    case 'hello':
      return resume(reads, frame, spend, first);
    case 'contacts':
      return { found: await directoryOf(env).search((frame.q ?? '').trim(), CONTACT_SCAN) };
    case 'block':
      if (frame.user !== me && !people.getUser(frame.user)) people.cacheUsers(await directoryOf(env).get([frame.user]));
      return {};
    default:
      return {};
  }
}

/**
 * For `hello`: the page after each stale cursor, and the pending sends that
 * were stored, as far as the person's replay budget pays for them; the rest
 * is not fetched at all. What was decided is handed to the core in the order
 * it asks (see Prefetched.replay): the welcome first, then the `gone` answers
 * for cursors of conversations the person is not in, then each stale cursor.
 */
async function resume({ env, list, me }: Reads, frame: ClientFrameOf<'hello'>, spend: Spend, first: boolean): Promise<Prefetched> {
  const pages = new Map<string, Message[]>();
  const sent = new Map<string, Message>();
  const listing = 1 + Math.floor(list.conversationsOf().length / LISTED_PER_UNIT);
  // A socket's first welcome is never refused: a client cannot work without it.
  const welcomed = spend(listing) || first;
  const replay = [welcomed ? 0 : 1];
  if (!welcomed) return { replay };
  const calls: (() => Promise<void>)[] = [];
  const cursors = Object.entries(frame.cursors ?? {});
  // Cursors for conversations the person is not in are told `gone` only as far as the budget pays (src/core/hello.ts).
  const unknown = cursors.reduce((n, [conv]) => (list.listed(conv) ? n : n + 1), 0);
  if (unknown > 0) replay.push(spend(Math.ceil(unknown / LISTED_PER_UNIT)) ? 0 : 1);
  for (const [conv, cursor] of cursors) {
    const entry = list.entry(conv);
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
    if (list.entry(conv)) pending.set(conv, [...(pending.get(conv) ?? []), id]);
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
