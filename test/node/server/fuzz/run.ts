import fc from 'fast-check';
import { WebSocket } from 'ws';
import { directConversationId, type ServerFrameOf } from '../../../../src/protocol/index.js';
import { TokenAuthority, type TokenClaims } from '../../../../server/shared/auth.js';
import { SECRET } from '../../../conformance/backend.js';
import { TestClient } from '../../../conformance/client.js';
import { frameCase, type FrameCase, type FrameWorld } from './frame-cases.js';
import { httpCase, type HttpCase } from './http-cases.js';
import { closeIsDocumented, HTTP_STATUSES, kindOf, type Report, serverFrameProblem, show } from './oracle.js';
import { upgradeCase, type UpgradeCase } from './upgrade-cases.js';
import { exchange, parseResponses, upgrade } from './wire.js';

/** A running server under fuzz. */
export interface FuzzTarget {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The Origin the server allows. */
  readonly origin: string;
  issueToken(user: string, claims?: TokenClaims): Promise<string>;
  /** How the server died, or undefined while it runs. */
  death(): Promise<string | undefined>;
  /** Starts it again on the same port and data; without it a phase stops at the first death. */
  restart?(): Promise<void>;
}

export interface PhaseOptions {
  seed: number;
  cases: number;
  /** The phase stops here even if it has not run all its cases (the count then says so). */
  deadline: number;
  /** Statuses a backend's runtime sends before any server code runs, accepted for these requests (counted apart). */
  tolerated?: (status: number, request: Buffer) => boolean;
}

export interface PhaseResult {
  cases: number;
  ms: number;
  /** Why the phase stopped before running all its cases. */
  stopped?: string;
}

/** Crashes after which a phase gives up: each one costs a restart and a replay of its round. */
const MAX_CRASHES = 3;
/** How long a server may take to answer anything before it counts as hanging. */
const ANSWER_MS = 5_000;
/** The bystander checks the server at this pace, and after a phase's last round. */
const PROBE_EVERY_MS = 1_000;

/** The well-behaved person of the run: their socket must answer a ping, and /health must answer, after every round. */
export class Bystander {
  private client?: TestClient;
  private n = 0;
  /** Slowest answers seen, ms. */
  maxPongMs = 0;
  maxHealthMs = 0;
  probes = 0;

  constructor(private readonly target: FuzzTarget) {}

  /** Why the server failed the bystander, or undefined. */
  async check(): Promise<string | undefined> {
    this.probes++;
    const started = Date.now();
    try {
      const response = await fetch(`http://${this.target.host}:${this.target.port}/health`, { signal: AbortSignal.timeout(ANSWER_MS) });
      await response.arrayBuffer();
      if (response.status !== 200) return `/health answered ${response.status}`;
    } catch (error) {
      return `/health did not answer: ${(error as Error).message}`;
    }
    this.maxHealthMs = Math.max(this.maxHealthMs, Date.now() - started);
    try {
      if (!this.client || this.client.ws.readyState !== WebSocket.OPEN) {
        this.client?.ws.terminate();
        this.client = await TestClient.connect(this.reachable(), 'bystander');
      }
      const n = ++this.n;
      const sent = Date.now();
      this.client.send({ t: 'ping', n });
      await this.client.next('pong', (f) => f.n === n, ANSWER_MS);
      this.client.frames.length = 0;
      this.maxPongMs = Math.max(this.maxPongMs, Date.now() - sent);
    } catch (error) {
      this.client?.ws.terminate();
      this.client = undefined;
      return `the bystander's socket got no pong: ${(error as Error).message.slice(0, 200)}`;
    }
    return undefined;
  }

  close(): void {
    this.client?.ws.terminate();
  }

  private reachable() {
    return { url: `http://${this.target.host}:${this.target.port}`, issueToken: (u: string, c?: TokenClaims) => this.target.issueToken(u, c) };
  }
}

interface PhaseSpec<C> {
  name: string;
  arbitrary: fc.Arbitrary<C>;
  roundSize: number;
  /** Sends a round of cases, reporting wrong answers. */
  round(cases: C[]): Promise<void>;
  /** Sends one case on its own; returns the problems its answer shows. */
  replay(c: C): Promise<string[]>;
  show(c: C): string;
}

/**
 * Runs rounds of generated cases (seeded per round, so any round replays
 * alone), checks the server and the bystander after each, and when the
 * server died replays the round one case at a time to find the one that
 * kills it.
 */
async function runPhase<C>(target: FuzzTarget, report: Report, bystander: Bystander, options: PhaseOptions, spec: PhaseSpec<C>): Promise<PhaseResult> {
  const started = Date.now();
  const draw = (round: number, done: number) => fc.sample(spec.arbitrary, { seed: options.seed + round, numRuns: Math.min(spec.roundSize, options.cases - done) });
  let cases = 0;
  let crashes = 0;
  let probed = Date.now();
  let next = draw(0, 0);
  for (let round = 0; next.length > 0; round++) {
    if (Date.now() > options.deadline) return { cases, ms: Date.now() - started, stopped: 'out of time' };
    const batch = next;
    const findingsBefore = report.findings.length;
    const sent = spec.round(batch);
    // Draw the next round while the server works on this one.
    await new Promise((resolve) => setImmediate(resolve));
    next = draw(round + 1, cases + batch.length);
    await sent;
    const death = await target.death();
    if (!death) {
      cases += batch.length;
      if (report.findings.length > findingsBefore) await attribute(report, findingsBefore, batch, spec);
      if (Date.now() - probed > PROBE_EVERY_MS || next.length === 0) {
        const problem = await bystander.check();
        if (problem) report.find(spec.name, `a well-behaved person was failed: ${problem}`, `round ${round} of seed ${options.seed}`);
        probed = Date.now();
      }
      continue;
    }
    crashes++;
    const culprit = await findKiller(target, batch, spec);
    report.crash({ phase: spec.name, death: `${death} (round ${round} of seed ${options.seed})`, culprit });
    if (!target.restart || crashes >= MAX_CRASHES || (await target.death())) {
      return { cases, ms: Date.now() - started, stopped: `server died ${crashes} time(s)` };
    }
  }
  return { cases, ms: Date.now() - started };
}

/** Replays a round one case at a time after restarting the server; the first case that kills it again. */
async function findKiller<C>(target: FuzzTarget, batch: C[], spec: PhaseSpec<C>): Promise<string | undefined> {
  if (!target.restart) return undefined;
  await target.restart();
  for (const c of batch) {
    await spec.replay(c);
    if (await target.death()) {
      await target.restart();
      return spec.show(c);
    }
  }
  return undefined;
}

/** Finds the case behind each new finding of a round by replaying the round's cases alone. */
async function attribute<C>(report: Report, from: number, batch: C[], spec: PhaseSpec<C>): Promise<void> {
  const open = report.findings.slice(from).filter((f) => f.input === undefined);
  for (const c of batch) {
    if (open.every((f) => f.input !== undefined)) return;
    const kinds = new Set((await spec.replay(c)).map(kindOf));
    for (const finding of open) if (finding.input === undefined && kinds.has(kindOf(finding.problem))) finding.input = spec.show(c);
  }
}

// Raw HTTP ------------------------------------------------------------------

/** Requests pipelined on one connection, at most. */
const PIPELINE = 32;
const HTTP_CONNECTIONS = 32;

type Tolerated = PhaseOptions['tolerated'];

function httpProblems(batch: HttpCase[], ex: Awaited<ReturnType<typeof exchange>>, tolerated: Tolerated): { problems: { problem: string; c: HttpCase }[]; answered: number; requeue: HttpCase[] } {
  const problems: { problem: string; c: HttpCase }[] = [];
  if (ex.timedOut && ex.data.length === 0) return { problems: [{ problem: `no answer and no close within ${ANSWER_MS} ms`, c: batch[0] }], answered: batch.length, requeue: [] };
  const parsed = parseResponses(ex.data, batch.map((c) => c.head));
  const { answers } = parsed;
  if (parsed.malformed) problems.push({ problem: parsed.malformed, c: batch[Math.min(answers.length, batch.length - 1)] });
  answers.slice(0, batch.length).forEach((a, i) => {
    if (!HTTP_STATUSES.has(a.status) && !tolerated?.(a.status, batch[i].bytes)) problems.push({ problem: `answered with status ${a.status}`, c: batch[i] });
  });
  if (ex.timedOut) problems.push({ problem: `the connection stayed open ${ANSWER_MS} ms after the request`, c: batch[Math.min(answers.length, batch.length - 1)] });
  const n = Math.min(answers.length, batch.length);
  // Requests after a response that closed the connection were never read: send them again.
  // Otherwise the first unanswered request was answered by the close.
  const closedAfterLast = n > 0 && (answers[n - 1].closes || answers[n - 1].status === 101);
  const answered = closedAfterLast || n === batch.length ? n : n + 1;
  return { problems, answered, requeue: ex.timedOut ? [] : batch.slice(answered) };
}

export function httpPhase(target: FuzzTarget, report: Report, bystander: Bystander, options: PhaseOptions): Promise<PhaseResult> {
  const send = (batch: HttpCase[]) => exchange(target.host, target.port, Buffer.concat(batch.map((c) => c.bytes)), ANSWER_MS);
  return runPhase(target, report, bystander, options, {
    name: 'http',
    arbitrary: httpCase(options.seed),
    roundSize: PIPELINE * HTTP_CONNECTIONS,
    async round(cases) {
      const queue = [...cases];
      const worker = async () => {
        for (;;) {
          const batch: HttpCase[] = [];
          while (queue.length && batch.length < PIPELINE) {
            const c = queue.shift()!;
            batch.push(c);
            if (c.solo) break;
          }
          if (batch.length === 0) return;
          const ex = await send(batch);
          if (ex.refused) return;
          const { problems, requeue, answered } = httpProblems(batch, ex, options.tolerated);
          const statuses = parseResponses(ex.data, []).answers.slice(0, answered);
          for (const a of statuses) report.count(`http ${a.status}`);
          if (answered > statuses.length) report.count('http close');
          for (const p of problems) report.find('http', p.problem, p.c.bytes);
          queue.unshift(...requeue);
        }
      };
      await Promise.all(Array.from({ length: HTTP_CONNECTIONS }, worker));
    },
    async replay(c) {
      return httpProblems([c], await send([c]), options.tolerated).problems.map((p) => p.problem);
    },
    show: (c) => show(c.bytes),
  });
}

// Upgrades ------------------------------------------------------------------

const UPGRADES_IN_FLIGHT = 16;

function upgradeProblems(c: UpgradeCase, a: Awaited<ReturnType<typeof upgrade>>, tolerated: Tolerated): string[] {
  if (a.refused) return [];
  if (a.malformed) return [a.malformed];
  if (a.timedOut) return [`no answer to the upgrade within ${ANSWER_MS} ms`];
  if (a.status === undefined) return [];
  if (a.status !== 101) return HTTP_STATUSES.has(a.status) || tolerated?.(a.status, c.request) ? [] : [`upgrade answered with status ${a.status}`];
  const ws = a.ws!;
  if (ws.kind === 'text') {
    if (c.mustRefuse) return ['admitted a socket without a valid token for its room, or from a foreign Origin'];
    const problem = ws.compressed ? undefined : serverFrameProblem(ws.text);
    return problem ? [`first frame on an admitted socket: ${problem}`] : [];
  }
  if (ws.kind === 'close') return closeIsDocumented(ws.code, c.breaksProtocol) ? [] : [`socket closed with undocumented code ${ws.code}`];
  if (c.breaksProtocol) return [];
  return ws.kind === 'dropped' ? ['after a 101 the connection was dropped without a close code'] : [`after a 101 neither a pong nor a close within ${ANSWER_MS} ms`];
}

export async function upgradePhase(target: FuzzTarget, report: Report, bystander: Bystander, options: PhaseOptions): Promise<PhaseResult> {
  const people = await Promise.all(['up0', 'up1', 'up2'].map(async (user) => ({ user, token: await target.issueToken(user, { name: user }) })));
  const others = [new TokenAuthority('another-secret-that-is-long-enough-for-hs256', 'pin-messaging', 'pin-messaging'), new TokenAuthority(SECRET, 'pin-messaging', 'another-app'), new TokenAuthority(SECRET, 'someone-else', 'pin-messaging')];
  const badTokens = [
    await target.issueToken('up0', { ttlSeconds: -120 }),
    ...(await Promise.all(others.map((a) => a.issue('up0')))),
    // `alg: none` with the right claims: a server must never take an unsigned token.
    `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'up0', iss: 'pin-messaging', aud: 'pin-messaging', exp: Math.floor(Date.now() / 1000) + 3600 })}.`,
    // A valid token for up0 with the signature of another: the payload names up1.
    swapPayload(people[0].token, people[1].token),
  ];
  const host = `${target.host}:${target.port}`;
  // A server may wait for the rest of a frame that breaks the protocol: silence is fair there, so wait less for it.
  const send = (c: UpgradeCase) => upgrade(target.host, target.port, c.request, c.after, c.breaksProtocol ? 1_000 : ANSWER_MS);
  return runPhase(target, report, bystander, options, {
    name: 'upgrade',
    arbitrary: upgradeCase({ people, badTokens, origin: target.origin }, host),
    roundSize: 96,
    async round(cases) {
      const queue = [...cases];
      const worker = async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const answer = await send(c);
          report.count(`upgrade ${answer.status ?? 'close'}${answer.ws ? ` ${answer.ws.kind === 'close' ? answer.ws.code : answer.ws.kind}` : ''}`);
          for (const problem of upgradeProblems(c, answer, options.tolerated)) report.find('upgrade', problem, c.request);
        }
      };
      await Promise.all(Array.from({ length: UPGRADES_IN_FLIGHT }, worker));
    },
    async replay(c) {
      return upgradeProblems(c, await send(c), options.tolerated);
    },
    show: (c) => `${show(c.request)} then ${show(c.after, 60)}`,
  });
}

function b64(o: object): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

function swapPayload(a: string, b: string): string {
  const [header, , signature] = a.split('.');
  return `${header}.${b.split('.')[1]}.${signature}`;
}

// Frames --------------------------------------------------------------------

const FRAME_PEOPLE = ['fz0', 'fz1', 'fz2', 'fz3'];
/** Three sockets a person: fan-out reaches a sender's other sockets too. */
const FRAME_SOCKETS = [...FRAME_PEOPLE, ...FRAME_PEOPLE, ...FRAME_PEOPLE];
const GROUP = 'g:fuzz-group-0';
/** Frames sent on a socket before a ping that must come back. */
const FRAMES_PER_SOCKET = 150;

/** People, and conversations between them, that frames are sent in; returns the conversations. */
export async function frameWorld(target: FuzzTarget): Promise<FrameWorld> {
  const reachable = { url: `http://${target.host}:${target.port}`, issueToken: (u: string, c?: TokenClaims) => target.issueToken(u, c) };
  const clients = await Promise.all(FRAME_PEOPLE.map((user) => TestClient.connect(reachable, user)));
  const convs: string[] = [];
  for (let i = 0; i < clients.length; i++) {
    const other = FRAME_PEOPLE[(i + 1) % FRAME_PEOPLE.length];
    const conv = directConversationId(FRAME_PEOPLE[i], other);
    const ack = await clients[i].sendText(conv, 'hello', { to: [other] });
    if (ack.t !== 'ack') throw new Error(`setting up ${conv}: ${JSON.stringify(ack)}`);
    convs.push(conv);
  }
  const ack = (await clients[0].sendText(GROUP, 'hello all', { to: FRAME_PEOPLE.slice(1), title: 'fuzz' })) as ServerFrameOf<'ack'>;
  if (ack.t !== 'ack') throw new Error(`setting up ${GROUP}: ${JSON.stringify(ack)}`);
  convs.push(GROUP);
  for (const c of clients) c.ws.terminate();
  return { people: [...FRAME_PEOPLE, 'bystander', 'nobody'], convs };
}

/** Every conversation the fuzz people and the bystander are in now, as their welcomes list them. */
export async function fuzzConversations(target: FuzzTarget): Promise<string[]> {
  const reachable = { url: `http://${target.host}:${target.port}`, issueToken: (u: string, c?: TokenClaims) => target.issueToken(u, c) };
  const convs = new Set<string>();
  for (const user of [...FRAME_PEOPLE, 'bystander']) {
    const client = await TestClient.open(reachable, user);
    await client.opened;
    const welcome = await client.hello();
    for (const c of welcome.conversations) convs.add(c.id);
    client.ws.terminate();
  }
  return [...convs];
}

/** A socket of one fuzz person that sends frames in batches, each closed by a ping. */
class FrameSocket {
  private ws?: WebSocket;
  private n = 0;

  constructor(
    private readonly target: FuzzTarget,
    private readonly user: string,
    private readonly report: Report,
  ) {}

  /** Sends the cases (those that end the socket last) and waits for the closing pong or a close; returns the problems seen. */
  async batch(cases: FrameCase[], record = true): Promise<string[]> {
    const problems: string[] = [];
    // Which frame of the batch caused a reply is not known here: the phase replays the batch to find it.
    const note = (problem: string, reply?: string) => {
      problems.push(problem);
      if (record) this.report.find('frames', problem, undefined, reply);
    };
    let ws: WebSocket;
    try {
      ws = await this.open();
    } catch (error) {
      // A server that refuses the socket is judged by the death check and the bystander.
      return [`could not open a socket: ${(error as Error).message}`];
    }
    const ordered = [...cases.filter((c) => !c.ends), ...cases.filter((c) => c.ends)];
    const breaks = ordered.some((c) => c.breaksProtocol);
    const n = ++this.n;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        note(`no pong within ${ANSWER_MS} ms after a batch of ${ordered.length} frames`);
        done();
      }, ANSWER_MS);
      const onMessage = (data: Buffer, binary: boolean) => {
        const text = data.toString('utf8');
        if (binary) note('the server sent a binary frame', show(text));
        const problem = serverFrameProblem(text);
        if (problem) return note(problem, show(text));
        const frame = JSON.parse(text) as { t: string; n?: number; code?: string };
        if (record) this.report.count(`frames ${frame.t === 'error' ? frame.code : frame.t}`);
        if (frame.t === 'pong' && frame.n === n) done();
      };
      const onClose = (code: number) => {
        this.ws = undefined;
        if (record) this.report.count(`frames close ${code}`);
        if (code === 1006) note('the socket was dropped without a close code');
        else if (!closeIsDocumented(code, breaks)) note(`socket closed with undocumented code ${code}`);
        done();
      };
      const done = () => {
        clearTimeout(timer);
        ws.off('message', onMessage);
        ws.off('close', onClose);
        resolve();
      };
      ws.on('message', onMessage);
      ws.on('close', onClose);
      for (const c of ordered) if (ws.readyState === WebSocket.OPEN) ws.send(c.data, { binary: c.binary });
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ t: 'ping', n }));
    });
    return problems;
  }

  close(): void {
    this.ws?.terminate();
    this.ws = undefined;
  }

  private async open(): Promise<WebSocket> {
    if (this.ws?.readyState === WebSocket.OPEN) return this.ws;
    const token = await this.target.issueToken(this.user, { name: this.user });
    const ws = new WebSocket(`ws://${this.target.host}:${this.target.port}/parties/inbox/${this.user}?token=${token}`, {
      headers: { Origin: this.target.origin },
      perMessageDeflate: false,
      maxPayload: 8 * 1024 * 1024,
    });
    ws.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', (code) => reject(new Error(`closed with ${code} before it opened`)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    });
    this.ws = ws;
    return ws;
  }
}

export async function framePhase(target: FuzzTarget, report: Report, bystander: Bystander, options: PhaseOptions, world: FrameWorld): Promise<PhaseResult> {
  const sockets = FRAME_SOCKETS.map((user) => new FrameSocket(target, user, report));
  const solo = new FrameSocket(target, FRAME_PEOPLE[0], report);
  try {
    return await runPhase(target, report, bystander, options, {
      name: 'frames',
      arbitrary: frameCase(world, options.seed),
      roundSize: FRAMES_PER_SOCKET * sockets.length,
      async round(cases) {
        await Promise.all(sockets.map((s, i) => s.batch(cases.slice(i * FRAMES_PER_SOCKET, (i + 1) * FRAMES_PER_SOCKET))));
      },
      async replay(c) {
        return solo.batch([c], false);
      },
      show: (c) => `${c.binary ? 'binary ' : ''}${show(c.data)}`,
    });
  } finally {
    for (const s of [...sockets, solo]) s.close();
  }
}
