// The fuzz suite (B11, B12) against a backend's server with fewer cases than
// the Node run (test/node/server/fuzz.test.ts): raw HTTP, upgrades and client
// frames from fast-check, seeded (PIN_FUZZ_SEED) and bounded in cases
// (PIN_FUZZ_WRANGLER_CASES) and time. A backend that cannot be restarted from
// here stops a phase at its first death, and the run reports it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { answersHttp } from '../../node/server/fuzz/wire.js';
import { Report, sequenceProblem, storedMessageProblem } from '../../node/server/fuzz/oracle.js';
import { Bystander, framePhase, frameWorld, fuzzConversations, httpPhase, upgradePhase, type FuzzTarget, type PhaseOptions, type PhaseResult } from '../../node/server/fuzz/run.js';
import { fuzzSettings } from '../../node/server/fuzz/settings.js';
import { ORIGIN, type Backend, type TestServer } from '../backend.js';

/** Safety nets: a phase stops here, and its count then says so. */
const PHASE_MS = { http: 15_000, upgrade: 10_000, frames: 20_000 };
/** Budgets high enough that well-formed frames reach validation and storage instead of the rate limiter. */
const GENEROUS = { rateBurst: 1e9, ratePerSecond: 1e9, frameBurst: 1e9, framesPerSecond: 1e9 };

export interface FuzzSuiteOptions {
  /** Cases of a run unless PIN_FUZZ_WRANGLER_CASES says otherwise. */
  cases?: number;
  /** Statuses the backend's runtime answers some requests with before the server's code runs (see PhaseOptions). */
  tolerated?: PhaseOptions['tolerated'];
}

export function fuzzSuite(backend: Backend, { cases = 6_000, tolerated }: FuzzSuiteOptions = {}): void {
  const settings = fuzzSettings(cases, 'PIN_FUZZ_WRANGLER_CASES');
  const report = new Report();
  const results: Record<string, PhaseResult> = {};
  let server: TestServer;
  let target: FuzzTarget;
  let bystander: Bystander;

  before(async () => {
    server = await backend.start({ limits: GENEROUS });
    const { port } = server;
    target = {
      name: backend.name,
      host: '127.0.0.1',
      port,
      origin: ORIGIN,
      issueToken: (user, claims) => server.issueToken(user, claims),
      death: async () => ((await answersHttp('127.0.0.1', port)) ? undefined : 'the server answers no request'),
    };
    bystander = new Bystander(target);
  });

  after(async () => {
    bystander?.close();
    await server?.stop();
  });

  const assertClean = (phase: string) => {
    const own = report.only(phase);
    assert.ok(!own.failed, `PIN_FUZZ_SEED=${settings.seed}\n${own.describe()}`);
  };
  const summary = (phase: string, r: PhaseResult) =>
    `fuzz ${phase} (${backend.name}): ${r.cases} cases in ${(r.ms / 1000).toFixed(1)} s${r.stopped ? `, stopped: ${r.stopped}` : ''}\n  answers: ${report.tally(phase)}`;

  test(`raw HTTP request lines and headers are answered with a documented status or a close (${backend.name}, B11)`, { timeout: PHASE_MS.http + 30_000 }, async () => {
    results.http = await httpPhase(target, report, bystander, { seed: settings.seed, cases: settings.http, deadline: Date.now() + PHASE_MS.http, tolerated });
    console.info(summary('http', results.http));
    assertClean('http');
  });

  test(`upgrade requests are refused unless token, room and Origin are right (${backend.name}, B6, B7, B11)`, { timeout: PHASE_MS.upgrade + 30_000 }, async () => {
    results.upgrade = await upgradePhase(target, report, bystander, { seed: settings.seed + 1_000_000, cases: settings.upgrade, deadline: Date.now() + PHASE_MS.upgrade, tolerated });
    console.info(summary('upgrade', results.upgrade));
    assertClean('upgrade');
  });

  test(`mutated, deep, huge, binary and non-UTF-8 frames get valid server frames with documented codes, or a documented close (${backend.name}, B12)`, { timeout: PHASE_MS.frames + 30_000 }, async () => {
    const world = await frameWorld(target);
    results.frames = await framePhase(target, report, bystander, { seed: settings.seed + 2_000_000, cases: settings.frames, deadline: Date.now() + PHASE_MS.frames }, world);
    console.info(summary('frames', results.frames));
    assertClean('frames');
  });

  test(`after the run (${backend.name}): the server still answers, nothing invalid is stored, and every case ran`, { timeout: 30_000 }, async () => {
    assert.equal(await bystander.check(), undefined, 'the server answers after the run');
    const bad: string[] = [];
    let stored = 0;
    const convs = await fuzzConversations(target);
    for (const conv of convs) {
      const messages = await server.messages(conv, 0, 10_000);
      stored += messages.length;
      for (const m of messages) {
        const problem = storedMessageProblem({ conv, seq: m.seq, id: m.id, from: m.from, body: m.body });
        if (problem) bad.push(`${conv} #${m.seq}: ${problem}`);
      }
      const problem = sequenceProblem(messages.map((m) => m.seq));
      if (problem) bad.push(`${conv}: ${problem}`);
    }
    const total = Object.values(results).reduce((sum, r) => sum + r.cases, 0);
    console.info(
      `fuzz (${backend.name}): seed ${settings.seed}, ${total} cases (${Object.entries(results).map(([k, r]) => `${k} ${r.cases}`).join(', ')}); ` +
        `${stored} messages stored in ${convs.length} conversations; bystander: ${bystander.probes} probes, slowest /health ${bystander.maxHealthMs} ms, slowest pong ${bystander.maxPongMs} ms`,
    );
    assert.deepEqual(bad.slice(0, 20), [], 'nothing invalid is stored');
    assert.ok(stored > 10, 'valid frames among the fuzz were stored (the oracle saw real data)');
    assert.ok(total >= settings.cases, `only ${total} of ${settings.cases} cases ran: ${Object.entries(results).map(([k, r]) => `${k}: ${r.stopped ?? 'complete'}`).join(', ')}`);
  });
}
