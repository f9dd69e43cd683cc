// The fuzz suite against the Node server (B4, B11, B12, B13): raw HTTP
// requests, upgrade requests and client frames from fast-check, seeded
// (PIN_FUZZ_SEED replays a run) and bounded in cases (PIN_FUZZ_CASES) and
// time. The server runs in a child process so that input that kills it is
// reported, with the one input that does, instead of ending the test run.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'libsql';
import { CONVERSATION_ID, LIMITS } from '../../../src/protocol/index.js';
import { NodeServerProcess, type ServerMemory } from './fuzz/node-target.js';
import { Report, sequenceProblem, storedMessageProblem, type StoredMessage } from './fuzz/oracle.js';
import { Bystander, framePhase, frameWorld, httpPhase, upgradePhase, type PhaseResult } from './fuzz/run.js';
import { fuzzSettings } from './fuzz/settings.js';

const DEFAULT_CASES = 110_000;
const settings = fuzzSettings(DEFAULT_CASES);
/** A run from the defaults must reach the issue's count; an override must reach its own. */
const REQUIRED = process.env.PIN_FUZZ_CASES ? settings.cases : 100_000;
/** Safety nets, for the default count on two busy cores: a phase stops here and the count then falls short. */
const scale = Math.max(1, settings.cases / DEFAULT_CASES);
const PHASE_MS = { http: 45_000 * scale, upgrade: 30_000 * scale, frames: 60_000 * scale };
/**
 * Growth of the server's memory over the whole run that counts as bounded.
 * Resident memory settles 40-55 MB above a fresh process's (code, allocator
 * arenas, SQLite's cache) and stays there in longer runs; the run sends some
 * 200 MB, so a server keeping an eighth of it breaks the heap bound.
 */
const MAX_RSS_GROWTH = 80 * 1024 * 1024;
const MAX_HEAP_GROWTH = 24 * 1024 * 1024;

/**
 * Budgets high enough that no well-formed frame is refused for pace: the
 * frames reach validation, authorisation and storage instead of the rate
 * limiter. (Refusals for pace and 4008 closes are answers the oracle accepts.)
 */
const GENEROUS = Object.fromEntries(
  ['rateBurst', 'ratePerSecond', 'frameBurst', 'framesPerSecond', 'abuseThreshold', 'refusalThreshold', 'replayBurst', 'replayPerSecond', 'createBurst', 'createPerMinute'].map((k) => [k, 1e9]),
);

const dir = mkdtempSync(join(tmpdir(), 'pin-fuzz-'));
const dbPath = join(dir, 'chat.db');
const report = new Report();
const results: Record<string, PhaseResult> = {};
let server: NodeServerProcess;
let bystander: Bystander;
let baseline: ServerMemory;

before(async () => {
  server = await NodeServerProcess.start(dbPath, GENEROUS);
  bystander = new Bystander(server);
  assert.equal(await bystander.check(), undefined, 'the server answers before the run');
  baseline = await server.memory();
});

after(async () => {
  bystander?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The phase's own crashes and findings, as a failure message. */
function assertClean(phase: string): void {
  const own = report.only(phase);
  assert.ok(!own.failed, `PIN_FUZZ_SEED=${settings.seed}\n${own.describe()}`);
}

const mb = (n?: number) => (n === undefined ? '?' : `${(n / 1024 / 1024).toFixed(1)} MB`);

async function summary(phase: string, r: PhaseResult): Promise<string> {
  const memory = (await server.death()) ? undefined : await server.memory();
  return (
    `fuzz ${phase} (node): ${r.cases} cases in ${(r.ms / 1000).toFixed(1)} s${r.stopped ? `, stopped: ${r.stopped}` : ''}; server rss ${mb(memory?.rss)}, heap ${mb(memory?.heapUsed)}\n` +
    `  answers: ${report.tally(phase)}`
  );
}

test('raw HTTP request lines and headers are answered with a documented status or a close, never a hang or a crash (B11)', { timeout: PHASE_MS.http + 30_000 }, async () => {
  results.http = await httpPhase(server, report, bystander, { seed: settings.seed, cases: settings.http, deadline: Date.now() + PHASE_MS.http });
  console.info(await summary('http', results.http));
  assertClean('http');
});

test('upgrade requests are refused (4xx, or a documented close code) unless token, room and Origin are right (B6, B7, B11)', { timeout: PHASE_MS.upgrade + 30_000 }, async () => {
  results.upgrade = await upgradePhase(server, report, bystander, { seed: settings.seed + 1_000_000, cases: settings.upgrade, deadline: Date.now() + PHASE_MS.upgrade });
  console.info(await summary('upgrade', results.upgrade));
  assertClean('upgrade');
});

test('mutated, deep, huge, binary and non-UTF-8 frames get valid server frames with documented codes, or a documented close (B4, B5, B12)', { timeout: PHASE_MS.frames + 30_000 }, async () => {
  const world = await frameWorld(server);
  results.frames = await framePhase(server, report, bystander, { seed: settings.seed + 2_000_000, cases: settings.frames, deadline: Date.now() + PHASE_MS.frames }, world);
  console.info(await summary('frames', results.frames));
  assertClean('frames');
});

test(`after the run: the server still answers, its memory is bounded, nothing invalid is stored, and at least ${REQUIRED} cases ran`, { timeout: 30_000 }, async () => {
  const total = Object.values(results).reduce((sum, r) => sum + r.cases, 0);
  const lines = [`fuzz (node): seed ${settings.seed}, ${total} cases (${Object.entries(results).map(([k, r]) => `${k} ${r.cases}`).join(', ')})`];
  lines.push(`  bystander: ${bystander.probes} probes, slowest /health ${bystander.maxHealthMs} ms, slowest pong ${bystander.maxPongMs} ms`);
  assert.equal(await bystander.check(), undefined, 'the server answers after the run');

  const end = await server.memory();
  lines.push(`  server memory before -> after the run: rss ${mb(baseline?.rss)} -> ${mb(end.rss)}, heap ${mb(baseline?.heapUsed)} -> ${mb(end.heapUsed)}`);

  await server.stop();
  const db = new Database(dbPath, { readonly: true });
  const rows = db.prepare('SELECT conv, seq, client_id AS id, sender AS "from", body FROM messages ORDER BY conv, seq').all() as (Omit<StoredMessage, 'body'> & { body: string })[];
  const convs = db.prepare('SELECT id, title, (SELECT count(*) FROM members m WHERE m.conv = c.id) AS members FROM conversations c').all() as { id: string; title: string | null; members: number }[];
  db.close();
  lines.push(`  stored: ${rows.length} messages in ${convs.length} conversations`);
  console.info(lines.join('\n'));

  const bad: string[] = [];
  const seqs = new Map<string, number[]>();
  for (const row of rows) {
    const problem = storedMessageProblem({ ...row, body: JSON.parse(row.body) as unknown });
    if (problem) bad.push(`${row.conv} #${row.seq}: ${problem}`);
    seqs.set(row.conv, [...(seqs.get(row.conv) ?? []), row.seq]);
  }
  for (const [conv, list] of seqs) {
    const problem = sequenceProblem(list);
    if (problem) bad.push(`${conv}: ${problem}`);
  }
  for (const c of convs) {
    if (!CONVERSATION_ID.test(c.id)) bad.push(`conversation id ${JSON.stringify(c.id.slice(0, 80))}`);
    if (c.members > LIMITS.members) bad.push(`${c.id}: ${c.members} members`);
    if (c.title !== null && [...c.title].length > LIMITS.titleCodePoints) bad.push(`${c.id}: a title of ${[...c.title].length} characters`);
  }
  assert.deepEqual(bad.slice(0, 20), [], 'nothing invalid is stored');
  assert.ok(rows.length > 100, 'valid frames among the fuzz were stored (the oracle saw real data)');

  if (baseline?.rss !== undefined && end.rss !== undefined) {
    assert.ok(end.rss - baseline.rss < MAX_RSS_GROWTH, `server RSS grew by ${mb(end.rss - baseline.rss)}`);
  }
  assert.ok(end.heapUsed - (baseline?.heapUsed ?? end.heapUsed) < MAX_HEAP_GROWTH, `server heap grew by ${mb(end.heapUsed - baseline.heapUsed)}`);
  assert.ok(total >= REQUIRED, `only ${total} of ${REQUIRED} cases ran: ${Object.entries(results).map(([k, r]) => `${k}: ${r.stopped ?? 'complete'}`).join(', ')}`);
});
