import type { Body, User } from '../../src/protocol/index.js';
import { randomId, storedBody } from '../../src/protocol/index.js';
import { ChatClient, ConnectionStatus } from '../../src/state/client.js';
import { memoryOutboxStorage } from '../../src/state/outbox-storage.js';
import { SAMPLE_PEOPLE, TestChat } from '../../src/testing/index.js';
import { PINS, pinBody, text } from './pins.js';
import { StalledTransport } from './stalled-transport.js';

/**
 * Story fixtures: each scenario is a fresh in-memory chat (the real server
 * core behind the memory transport) with Ada signed in, brought into one of
 * the states the elements must show. Build one in a story's loader; the
 * preview disposes it before the next story.
 */
export interface Scenario {
  chat: TestChat;
  /** Ada's client: pass it to the elements. */
  client: ChatClient;
  /** Conversation ids by name (`bob`, `group`...). */
  conv: Record<string, string>;
  /** Other people's clients, when the scenario needs them to act (typing, replies). */
  peers: Record<string, ChatClient>;
}

export type ScenarioName =
  | 'usual'
  | 'empty'
  | 'loading'
  | 'reconnecting'
  | 'offline'
  | 'failedSend'
  | 'longNames'
  | 'untitledGroup'
  | 'bigGroup'
  | 'hugeHistory'
  | 'rtl'
  | 'typing'
  | 'many'
  | 'hostile'
  | 'blockedInGroup';

const disposers: (() => void)[] = [];

/** Stops every client and timer of the scenarios built so far. */
export function disposeScenarios(): void {
  for (const dispose of disposers.splice(0)) dispose();
}

function track(client: ChatClient): ChatClient {
  disposers.push(() => client.destroy());
  return client;
}

/** Resolves once `client` has its welcome (or rejects after `ms`). */
export function online(client: ChatClient, ms = 3_000): Promise<void> {
  return until(() => client.$status.get() === ConnectionStatus.Online, ms, 'online');
}

/** Polls `check` every frame until it holds. */
export function until(check: () => boolean, ms = 3_000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (check()) resolve();
      else if (performance.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else requestAnimationFrame(tick);
    };
    tick();
  });
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** People who write right to left, for the RTL scenario. */
export const RTL_PEOPLE: User[] = [
  { id: 'noa', name: 'נועה כהן' },
  { id: 'omar', name: 'عمر الفاروق' },
  { id: 'layla', name: 'ليلى حداد' },
];

const LONG_TITLE =
  'An exceptionally long pin title that goes on about ferns, light, humidity, watering schedules and the best pots for them, twice over: '.repeat(2);

type Line = [from: string, body: Body];

interface ThreadOptions {
  title?: string;
  /** When the first message was sent. */
  daysAgo?: number;
  /** When the last message was sent (this orders the chat heads). */
  hoursAgo?: number;
  reads?: Record<string, number>;
}

/**
 * Creates a conversation in the server's storage with exact senders. Messages
 * are spread from `daysAgo` until `hoursAgo`, so date separators show.
 */
function thread(chat: TestChat, members: string[], lines: Line[], options: ThreadOptions = {}): string {
  const id = chat.seed({ members, ...(options.title ? { title: options.title } : {}) });
  const start = Date.now() - (options.daysAgo ?? 2) * DAY;
  const end = Date.now() - (options.hoursAgo ?? 1) * HOUR;
  const step = lines.length > 1 ? (end - start) / (lines.length - 1) : 0;
  lines.forEach(([from, body], i) => {
    chat.backend.storage.append(id, from, randomId(), storedBody(body), Math.round(start + i * step));
  });
  for (const [user, seq] of Object.entries(options.reads ?? {})) chat.backend.storage.setRead(id, user, seq);
  return id;
}

/** The everyday inbox: two direct conversations and a group, some of it unread. */
function seedUsual(chat: TestChat): Record<string, string> {
  const bob = thread(
    chat,
    ['ada', 'bob'],
    [
      ['ada', pinBody(0, 'This would look great on your balcony')],
      ['bob', text('Oh I love it. Where do they ship from?')],
      ['ada', text('No idea, the link has the shop. Want me to look?')],
      ['bob', text('Yes please!')],
      ['ada', pinBody(2)],
      ['bob', text('Perfect for the reading corner')],
      ['bob', text('Ordering two of them from https://shop.example.net/lamps/amber')],
    ],
    { reads: { bob: 5, ada: 5 } },
  );
  const cy = thread(chat, ['ada', 'cy'], [['cy', pinBody(3, 'Next summer?')], ['ada', text('Absolutely.')]], {
    daysAgo: 6,
    hoursAgo: 30,
    reads: { ada: 2, cy: 2 },
  });
  const group = thread(
    chat,
    ['ada', 'dee', 'eve', 'fay'],
    [
      ['dee', text('Ideas for the kitchen wall, go!')],
      ['eve', pinBody(1)],
      ['fay', text('Ferns need more light than we have')],
      ['ada', pinBody(4, 'What about this corner instead?')],
      ['dee', text('Yes!')],
      ['eve', pinBody(5, 'And this for Saturday')],
    ],
    { title: 'Kitchen ideas', daysAgo: 1, hoursAgo: 0.2, reads: { ada: 3, dee: 6, eve: 6, fay: 4 } },
  );
  return { bob, cy, group };
}

async function adaOnline(chat: TestChat): Promise<ChatClient> {
  const client = track(chat.client('ada'));
  await online(client);
  return client;
}

const builders: Record<ScenarioName, () => Promise<Scenario>> = {
  async usual() {
    const chat = new TestChat();
    const conv = seedUsual(chat);
    return { chat, client: await adaOnline(chat), conv, peers: {} };
  },

  async empty() {
    const chat = new TestChat();
    return { chat, client: await adaOnline(chat), conv: {}, peers: {} };
  },

  async loading() {
    const chat = new TestChat();
    const client = track(new ChatClient({ user: 'ada', transport: new StalledTransport(), outboxStorage: memoryOutboxStorage() }));
    client.start();
    return { chat, client, conv: seedUsual(chat), peers: {} };
  },

  async reconnecting() {
    const chat = new TestChat();
    const conv = seedUsual(chat);
    const client = await adaOnline(chat);
    // The server goes away: the transport keeps retrying until the story closes.
    chat.backend.kill();
    await until(() => client.$status.get() !== ConnectionStatus.Online, 3_000, 'the drop');
    return { chat, client, conv, peers: {} };
  },

  async offline() {
    const chat = new TestChat();
    const conv = seedUsual(chat);
    const client = await adaOnline(chat);
    chat.backend.kill();
    await until(() => client.$status.get() !== ConnectionStatus.Online, 3_000, 'the drop');
    await client.sendText(conv.bob, 'On the train, will send when I have signal');
    await client.sendText(conv.bob, 'Also: the lamp is back in stock');
    return { chat, client, conv, peers: {} };
  },

  async failedSend() {
    const chat = new TestChat();
    const conv = seedUsual(chat);
    // Bob blocks Ada after she loaded the conversation: her next send is refused for good.
    const client = await adaOnline(chat);
    chat.backend.storage.setBlocked('bob', 'ada', true);
    await client.sendText(conv.bob, 'Did the lamp arrive?');
    await until(() => client.pendingIn(conv.bob).some((e) => e.state === 'failed'), 3_000, 'the refusal');
    return { chat, client, conv, peers: {} };
  },

  async longNames() {
    const chat = new TestChat();
    const long = thread(chat, ['ada', 'long'], [
      ['long', text('Hallo! '.repeat(3) + 'Supercalifragilisticexpialidocious'.repeat(6))],
      ['ada', { kind: 'pin', pin: { ...PINS[1], title: LONG_TITLE } }],
    ]);
    const group = thread(chat, ['ada', 'long', 'ivy', 'dee'], [['ivy', text('Named the group, sorry')]], {
      title: 'The extraordinarily long-winded committee for the planning of the annual neighbourhood garden festival and bake sale',
    });
    const conv = { ...seedUsual(chat), long, longGroup: group };
    return { chat, client: await adaOnline(chat), conv, peers: {} };
  },

  /** A group without a name, of five: its header shows the names that fit and "+N". */
  async untitledGroup() {
    const chat = new TestChat();
    const lines: Line[] = [['bob', text('Who is in for Sunday?')], ['ada', text('Me!')], ['dee', text('Me too')]];
    const group = thread(chat, ['bob', 'ada', 'cy', 'dee', 'eve'], lines, { reads: { ada: 3 } });
    return { chat, client: await adaOnline(chat), conv: { group }, peers: {} };
  },

  async bigGroup() {
    const chat = new TestChat();
    const members = ['ada', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jo'];
    const lines: Line[] = members.slice(1).map((m, i) => [m, i % 3 === 0 ? pinBody(i) : text(`${m} is in for Saturday`)]);
    const group = thread(chat, members, lines, { title: 'Saturday picnic (10)', daysAgo: 1, reads: { ada: 4 } });
    return { chat, client: await adaOnline(chat), conv: { group }, peers: {} };
  },

  async hugeHistory() {
    const chat = new TestChat();
    const huge = chat.seed({ members: ['ada', 'bob'], messages: 10_000, startAt: Date.now() - 10_000 * 60_000, reads: { ada: 10_000, bob: 10_000 } });
    return { chat, client: await adaOnline(chat), conv: { huge }, peers: {} };
  },

  async rtl() {
    const chat = new TestChat({ users: [...SAMPLE_PEOPLE, ...RTL_PEOPLE] });
    const omar = thread(chat, ['ada', 'omar'], [
      ['omar', text('مرحبا! هل رأيت هذا التصميم؟')],
      ['ada', pinBody(2, 'نعم، جميل جدا')],
      ['omar', text('سأطلبه اليوم')],
    ], { reads: { ada: 2 } });
    const group = thread(chat, ['ada', 'noa', 'layla', 'omar'], [
      ['noa', text('שלום לכולם! מה דעתכם על זה?')],
      ['layla', pinBody(0)],
    ], { title: 'مجموعة الحديقة', daysAgo: 1, reads: { ada: 1 } });
    return { chat, client: await adaOnline(chat), conv: { omar, group }, peers: {} };
  },

  async typing() {
    const chat = new TestChat();
    const conv = seedUsual(chat);
    const client = await adaOnline(chat);
    const bob = track(chat.client('bob'));
    await online(bob);
    bob.typing(conv.bob);
    const timer = setInterval(() => bob.typing(conv.bob), 3_100);
    disposers.push(() => clearInterval(timer));
    return { chat, client, conv, peers: { bob } };
  },

  async many() {
    const chat = new TestChat();
    const conv = seedUsual(chat);
    const others = ['gus', 'hal', 'ivy', 'jo', 'kit', 'lou', 'acme'];
    others.forEach((id, i) => {
      conv[id] = thread(chat, ['ada', id], [[id, text(`Hi Ada, it is ${id} here`)], [id, pinBody(i)]], {
        daysAgo: 3 + i,
        hoursAgo: 48 + i,
        reads: { ada: i % 2 },
      });
    });
    return { chat, client: await adaOnline(chat), conv, peers: {} };
  },

  async hostile() {
    const chat = new TestChat({ users: [...SAMPLE_PEOPLE, { id: 'mallory', name: '<img src=x onerror=alert(1)>\u202Eevil\u202C' }] });
    const mallory = thread(chat, ['ada', 'mallory'], [
      ['mallory', text('<img src=x onerror=alert(1)> <script>alert(2)</script> </textarea>')],
      ['mallory', text('Click javascript:alert(1) or https://xn--pple-43d.com/login or https://example.com/\u202Egnp.exe')],
      ['mallory', text('😀'.repeat(4_000))],
      ['mallory', { kind: 'pin', pin: { ...PINS[3], url: 'https://evil.example/landing', title: '"><svg onload=alert(1)>' }, note: '\u200B\u200B\u200Bhidden' }],
    ]);
    return { chat, client: await adaOnline(chat), conv: { mallory }, peers: {} };
  },

  async blockedInGroup() {
    const chat = new TestChat();
    const group = thread(chat, ['dee', 'eve', 'fay', 'ada'], [
      ['dee', text('Ideas for the kitchen wall, go!')],
      ['eve', pinBody(1, 'This one, obviously')],
      ['fay', text('Ferns need more light than we have')],
      ['eve', text('Nobody asked you, Fay')],
      ['ada', pinBody(4, 'What about this corner instead?')],
      ['dee', text('Yes!')],
    ], { title: 'Kitchen ideas', daysAgo: 1, hoursAgo: 0.2, reads: { ada: 6 } });
    // Ada blocked Eve in a direct conversation earlier; the group they share shows Eve's messages as placeholders.
    chat.backend.storage.setBlocked('ada', 'eve', true);
    return { chat, client: await adaOnline(chat), conv: { group }, peers: {} };
  },
};

/** Signs another person in to the scenario's chat (disposed with it), to send or type from a play function. */
export async function peer(s: Scenario, user: string): Promise<ChatClient> {
  const client = (s.peers[user] ??= track(s.chat.client(user)));
  await online(client);
  return client;
}

/** Builds a fresh scenario (use it in a story loader). */
export function scenario(name: ScenarioName): Promise<Scenario> {
  return builders[name]();
}
