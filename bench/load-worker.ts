// One load-generator thread. It owns whole conversations (all members'
// sockets), so it sees every copy of the messages it sends and can time the
// delivery to the last member without sharing clocks across threads.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type WebSocket from 'ws';
import { closeAll, connectMember, type Endpoint, type Frame } from './client.js';

export interface WorkerSetup {
  endpoint: Endpoint;
  index: number;
  convs: { id: string; members: string[] }[];
}

export type Command =
  | { cmd: 'connect' }
  | { cmd: 'create' }
  | { cmd: 'load'; rate: number; warmupMs: number; durationMs: number }
  | { cmd: 'saturate'; window: number; warmupMs: number; durationMs: number }
  | { cmd: 'close' };

/** What a phase reports back. Latencies are ms from send to the last member's copy. */
export interface PhaseResult {
  sent: number;
  measured: number;
  lost: number;
  latencies: Float64Array;
  /** Deliveries (msg frames received) per second of the measured window. */
  perSecond: number[];
  errors: Record<string, number>;
  /** Share of the phase this generator thread was busy (event loop utilisation). */
  generatorBusy: number;
}

interface Pending {
  sentAt: number;
  remaining: number;
  acked: boolean;
  measured: boolean;
  sender: string;
}

const TEXT = 'Look at this lamp, would it fit the hallway? It comes in brass too.';
const setup = workerData as WorkerSetup;
const sockets = new Map<string, WebSocket>();
const pending = new Map<string, Pending>();
let counter = 0;
let latencies: number[] = [];
let errors: Record<string, number> = {};
let deliveryTimes: number[] = [];
let onAck: ((sender: string) => void) | undefined;
let elu = performance.eventLoopUtilization();

/** The client id in a msg or ack frame, found without parsing (ids are ours: no escapes). */
function idIn(raw: string, from: number): string | undefined {
  const at = raw.indexOf('"id":"', from);
  return at < 0 ? undefined : raw.slice(at + 6, raw.indexOf('"', at + 6));
}

function onRaw(raw: string): void {
  // The hot frames (about 9 msg per ack) are read without JSON.parse, so the
  // generator keeps up with the servers on the same cores.
  const kind = raw.startsWith('{"t":"msg"') ? 'msg' : raw.startsWith('{"t":"ack"') ? 'ack' : undefined;
  const id = kind === 'msg' ? idIn(raw, raw.indexOf('"m":')) : kind === 'ack' ? idIn(raw, 0) : undefined;
  if (kind && id) return kind === 'msg' ? onMsg(id) : onAckFrame(id);
  onFrame(JSON.parse(raw) as Frame);
}

function onMsg(id: string): void {
  const now = performance.now();
  deliveryTimes.push(now);
  const p = pending.get(id);
  if (p && --p.remaining === 0) {
    if (p.measured) latencies.push(now - p.sentAt);
    if (p.acked) pending.delete(id);
  }
}

function onAckFrame(id: string): void {
  const p = pending.get(id);
  if (!p) return;
  p.acked = true;
  if (p.remaining <= 0) pending.delete(id);
  onAck?.(p.sender);
}

function onFrame(frame: Frame): void {
  if (frame.t === 'msg') onMsg(frame.m.id);
  else if (frame.t === 'ack') onAckFrame(frame.id);
  else if (frame.t === 'error') {
    errors[frame.code] = (errors[frame.code] ?? 0) + 1;
    const p = frame.id ? pending.get(frame.id) : undefined;
    if (p) onAck?.(p.sender);
  }
}

function send(conv: { id: string; members: string[] }, sender: string, measured: boolean, create = false): void {
  const id = `w${setup.index}_${(counter++).toString(36).padStart(7, '0')}`;
  const frame: Frame = { t: 'send', conv: conv.id, id, body: { kind: 'text', text: TEXT } };
  if (create) frame.to = conv.members.filter((m) => m !== sender);
  pending.set(id, { sentAt: performance.now(), remaining: conv.members.length - 1, acked: false, measured, sender });
  sockets.get(sender)!.send(JSON.stringify(frame));
}

async function drain(ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (pending.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

function startPhase(): void {
  elu = performance.eventLoopUtilization();
  latencies = [];
  errors = {};
  deliveryTimes = [];
  pending.clear();
}

function finishPhase(
  started: number,
  warmupMs: number,
  durationMs: number,
  sent: number,
  measured: number,
  generatorBusy = 0,
): PhaseResult {
  const lost = pending.size;
  // A second without a single delivery (a stalled server) counts as 0, not as a second that was not measured.
  const perSecond: number[] = new Array<number>(Math.floor(durationMs / 1000)).fill(0);
  for (const t of deliveryTimes) {
    const second = Math.floor((t - started - warmupMs) / 1000);
    if (second >= 0 && second < perSecond.length) perSecond[second]++;
  }
  const result = { sent, measured, lost, latencies: Float64Array.from(latencies), perSecond, errors, generatorBusy };
  startPhase();
  return result;
}

async function connect(): Promise<void> {
  const users = setup.convs.flatMap((c) => c.members);
  // In batches, so the server's accept queue is not flooded.
  for (let i = 0; i < users.length; i += 50) {
    const batch = users.slice(i, i + 50);
    const opened = await Promise.all(batch.map((u) => connectMember(setup.endpoint, u, onRaw)));
    batch.forEach((u, k) => sockets.set(u, opened[k]));
  }
}

async function create(): Promise<PhaseResult> {
  startPhase();
  const started = performance.now();
  for (const conv of setup.convs) send(conv, conv.members[0], false, true);
  await drain(10_000);
  return finishPhase(started, 0, 0, setup.convs.length, 0);
}

/** Open loop: sends at `rate` per second regardless of replies, spread evenly over the conversations. */
async function load(rate: number, warmupMs: number, durationMs: number): Promise<PhaseResult> {
  startPhase();
  const started = performance.now();
  const convs = setup.convs;
  let sent = 0;
  let measured = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      const end = elapsed >= warmupMs + durationMs;
      const due = Math.floor((rate * Math.min(elapsed, warmupMs + durationMs)) / 1000);
      const measuring = elapsed >= warmupMs;
      for (; sent < due; sent++) {
        const conv = convs[sent % convs.length];
        send(conv, conv.members[Math.floor(sent / convs.length) % conv.members.length], measuring);
        if (measuring) measured++;
      }
      if (end) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const busy = performance.eventLoopUtilization(elu).utilization;
  await drain(3_000);
  return finishPhase(started, warmupMs, durationMs, sent, measured, busy);
}

/** Closed loop: every member keeps `window` sends unacknowledged until time is up. */
async function saturate(window: number, warmupMs: number, durationMs: number): Promise<PhaseResult> {
  startPhase();
  const started = performance.now();
  const convOf = new Map(setup.convs.flatMap((c) => c.members.map((m) => [m, c] as const)));
  let running = true;
  let sent = 0;
  let measured = 0;
  const next = (sender: string) => {
    if (!running) return;
    const measuring = performance.now() - started >= warmupMs;
    send(convOf.get(sender)!, sender, measuring);
    sent++;
    if (measuring) measured++;
  };
  onAck = next;
  for (let k = 0; k < window; k++) for (const sender of convOf.keys()) next(sender);
  await new Promise((r) => setTimeout(r, warmupMs + durationMs));
  running = false;
  onAck = undefined;
  const busy = performance.eventLoopUtilization(elu).utilization;
  await drain(5_000);
  return finishPhase(started, warmupMs, durationMs, sent, measured, busy);
}

parentPort!.on('message', async (command: Command) => {
  try {
    let result: PhaseResult | undefined;
    if (command.cmd === 'connect') await connect();
    else if (command.cmd === 'create') result = await create();
    else if (command.cmd === 'load') result = await load(command.rate, command.warmupMs, command.durationMs);
    else if (command.cmd === 'saturate') result = await saturate(command.window, command.warmupMs, command.durationMs);
    else if (command.cmd === 'close') await closeAll(sockets.values());
    parentPort!.postMessage({ ok: true, result }, result ? [result.latencies.buffer as ArrayBuffer] : []);
  } catch (error) {
    parentPort!.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
