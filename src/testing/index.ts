import type { Body, User } from '../protocol/index.js';
import { directConversationId, newGroupId, randomId, storedBody } from '../protocol/index.js';
import { ChatClient } from '../state/client.js';
import { memoryOutboxStorage } from '../state/outbox-storage.js';
import { createMemoryBackend, MemoryTransport, type MemoryBackend, type MemoryFaults } from '../transport/memory.js';
import type { MessagingPolicy, ServerLimits } from '../core/types.js';

/** People for tests and stories. `ada` is the usual signed-in person. */
export const SAMPLE_PEOPLE: User[] = [
  { id: 'ada', name: 'Ada Lovelace' },
  { id: 'bob', name: 'Bob Marley' },
  { id: 'cy', name: 'Cy Twombly' },
  { id: 'dee', name: 'Dee Dee Bridgewater' },
  { id: 'eve', name: 'Eve Arden' },
  { id: 'fay', name: 'Fay Wray' },
  { id: 'gus', name: 'Gus Van Sant' },
  { id: 'hal', name: 'Hal Ashby' },
  { id: 'ivy', name: 'Ivy Compton-Burnett' },
  { id: 'jo', name: 'Jo Nesbø' },
  { id: 'kit', name: 'Kit Harington' },
  { id: 'lou', name: 'Lou Reed' },
  { id: 'long', name: 'Maximiliana Wolfeschlegelsteinhausenbergerdorff-Alcázar de la Cruz' },
  { id: 'acme', name: 'Acme Home & Garden', brand: true },
];

/**
 * A small seeded random generator (mulberry32). Give it to `MemoryTransport`'s
 * `random` option so that a run's faults and jitter replay exactly.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface TestChatOptions {
  users?: User[];
  /** The person `client()` signs in as by default. */
  me?: string;
  policy?: MessagingPolicy;
  limits?: Partial<ServerLimits>;
}

export interface SeedOptions {
  /** Everyone in it, the creator first. */
  members: string[];
  title?: string;
  /** How many text messages to put in it, or the exact bodies. */
  messages?: number | Body[];
  /** Time of the first message (ms); the rest follow a minute apart. */
  startAt?: number;
  /** Who reads everything up to which seq. */
  reads?: Record<string, number>;
}

/**
 * An in-memory chat for tests, stories and demos without a server: the real
 * conversation core behind `MemoryTransport`, people in its directory, and
 * helpers to seed conversations directly into its storage (fast enough for
 * 10,000 messages).
 */
export class TestChat {
  readonly backend: MemoryBackend;
  readonly me: string;

  constructor(options: TestChatOptions = {}) {
    this.me = options.me ?? 'ada';
    this.backend = createMemoryBackend({
      users: options.users ?? SAMPLE_PEOPLE,
      policy: options.policy,
      limits: { rateBurst: 1_000, ratePerSecond: 1_000, ...options.limits },
    });
  }

  /** A started client for `user` (the default person when omitted), with faults on its transport. */
  client(user = this.me, faults: MemoryFaults = {}): ChatClient {
    const transport = new MemoryTransport({ backend: this.backend, user, ...faults });
    const client = new ChatClient({ user, transport, outboxStorage: memoryOutboxStorage(), headsStorage: null });
    client.start();
    return client;
  }

  /** Creates a conversation straight in storage and returns its id. */
  seed(options: SeedOptions): string {
    const { members } = options;
    const direct = members.length === 2 && !options.title;
    const id = direct ? directConversationId(members[0], members[1]) : newGroupId();
    const storage = this.backend.storage;
    const startAt = options.startAt ?? Date.now() - 86_400_000;
    if (!storage.getConversation(id)) {
      storage.createConversation({
        id,
        kind: direct ? 'direct' : 'group',
        members,
        ...(options.title ? { title: options.title } : {}),
        createdBy: members[0],
        createdAt: startAt,
        lastSeq: 0,
      });
    }
    const bodies =
      typeof options.messages === 'number'
        ? Array.from({ length: options.messages }, (_, i): Body => ({ kind: 'text', text: `Message ${i + 1}` }))
        : (options.messages ?? []);
    bodies.forEach((body, i) => {
      storage.append(id, members[i % members.length], randomId(), storedBody(body), startAt + i * 60_000);
    });
    for (const [user, seq] of Object.entries(options.reads ?? {})) storage.setRead(id, user, seq);
    return id;
  }
}

export { MemoryTransport, createMemoryBackend, type MemoryBackend, type MemoryFaults };
