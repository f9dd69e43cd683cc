import { directMembers, LIMITS, type ClientFrame, type ClientFrameOf, type Message } from '../../../src/protocol/index.js';
import type { User } from '../../core/types.js';
import { conversationOf, directoryOf, type Env } from './env.js';
import type { InboxStore, Prefetched } from './inbox-store.js';
import type { Facts } from './wire.js';

/** Conversation objects asked at once while a socket resumes. */
const RESUME_FANOUT = 32;
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

/** What the core will read, for a frame answered by the inbox, that lives in other objects. */
export async function prefetch(reads: Reads, frame: ClientFrame): Promise<Prefetched> {
  const { env, store, me } = reads;
  switch (frame.t) {
    case 'hello':
      return resume(reads, frame);
    case 'contacts':
      return { found: await directoryOf(env).search((frame.q ?? '').trim(), CONTACT_SCAN) };
    case 'block':
      if (frame.user !== me && !store.getUser(frame.user)) store.cacheUsers(await directoryOf(env).get([frame.user]));
      return {};
    default:
      return {};
  }
}

/** For `hello`: the page after each stale cursor, and the pending sends that were stored. */
async function resume({ env, store, me }: Reads, frame: ClientFrameOf<'hello'>): Promise<Prefetched> {
  const pages = new Map<string, Message[]>();
  const sent = new Map<string, Message>();
  const calls: (() => Promise<void>)[] = [];
  for (const [conv, cursor] of Object.entries(frame.cursors ?? {})) {
    const entry = store.entry(conv);
    if (!entry || entry.left || cursor >= entry.view.lastSeq) continue;
    calls.push(async () => {
      pages.set(`${conv} ${cursor}`, await conversationOf(env, conv).page(me, cursor, LIMITS.resumePage + 1));
    });
  }
  const pending = new Map<string, string[]>();
  for (const { conv, id } of frame.pending ?? []) {
    if (store.entry(conv)) pending.set(conv, [...(pending.get(conv) ?? []), id]);
  }
  for (const [conv, ids] of pending) {
    calls.push(async () => {
      for (const m of await conversationOf(env, conv).sent(me, ids)) sent.set(`${conv} ${m.id}`, m);
    });
  }
  for (let i = 0; i < calls.length; i += RESUME_FANOUT) {
    // A conversation that does not answer is skipped: the client fills that gap when its next message comes.
    await Promise.all(calls.slice(i, i + RESUME_FANOUT).map((call) => call().catch((e) => console.error('[pin-messaging] resume', e))));
  }
  return { pages, sent };
}
