// The server API under generated calls with the right key: every route with
// ids, queries and bodies from fast-check (people who exist, who do not, and
// ids no route accepts; valid bodies, wrong types, unknown fields, oversized
// batches, malformed JSON), on a server with people, groups, messages, open
// reports and webhooks (a receiver that fails some deliveries). Seeded
// (PIN_FUZZ_SEED replays a run) and bounded in cases (PIN_ADMIN_FUZZ_CASES)
// and time. Every call must get a 2xx or a 4xx with a JSON error, never a
// 5xx, and the server must keep serving, its people's sockets included.
// The same on every backend.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { newGroupId } from '../../../src/protocol/index.js';
import { fuzzSettings } from '../../node/server/fuzz/settings.js';
import { ADMIN_KEY, type Backend, type TestServer } from '../backend.js';
import { closeAll, TestClient, uid } from '../client.js';

/** Calls stop here whatever the count (a slow machine), ms. */
const DEADLINE_MS = 60_000;
/** New people, a group, messages and reports every this many calls (erasures and bans use them up). */
const SEED_EVERY = 250;

export function adminFuzzSuite(backend: Backend): void {
  const settings = fuzzSettings(2_000, 'PIN_ADMIN_FUZZ_CASES');
  let server: TestServer;
  let receiver: Server;
  const clients: TestClient[] = [];
  /** Ids of people seeded so far, and of reports seen open: what the calls pick from. */
  const people: string[] = [];
  let reports: string[] = [];

  before(async () => {
    // A receiver that fails three deliveries in ten: retries and dead letters happen during the run.
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(Math.random() < 0.3 ? 500 : 200).end());
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => receiver.once('listening', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    server = await backend.start({ webhooks: { url, secret: 'w'.repeat(40), retryBaseMs: 50, horizonMs: 2_000 } });
    await seed();
  });

  after(async () => {
    await closeAll(...clients);
    await server?.stop();
    receiver?.close();
  });

  async function admin(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { Authorization: `Bearer ${ADMIN_KEY}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${server.url}/admin/v1${path}`, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body });
    return { status: response.status, text: await response.text() };
  }

  /** Three new people with open sockets, a group of them with three messages, two of them reported. */
  async function seed(): Promise<void> {
    const trio = await Promise.all([uid('fz'), uid('fz'), uid('fz')].map((user) => TestClient.connect(server, user)));
    clients.push(...trio);
    const [owner, member, reporter] = trio;
    const conv = newGroupId();
    await owner.sendAcked(conv, 'hello', { to: [member.user, reporter.user], title: 'Fuzz' });
    for (let i = 0; i < 3; i++) {
      const seq = await member.sendAcked(conv, `message ${i}`);
      if (i > 0) assert.equal((await reporter.request({ t: 'report', conv, seq, reason: 'spam' })).t, 'ok');
    }
    people.push(...trio.map((c) => c.user));
    const open = await admin('GET', '/reports?status=open&limit=100');
    reports = (JSON.parse(open.text) as { reports: { id: string }[] }).reports.map((r) => r.id);
  }


  const enc = encodeURIComponent;
  const weird = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.constantFrom('', '..', '%2e%2e', '%00', 'a/b', '%ZZ', 'a b', 'x'.repeat(300), 'nobody', 'r_999999'),
  );
  // Picked at call time from what exists then (arbitraries are built once).
  const person = fc.oneof({ weight: 6, arbitrary: fc.nat().map((i) => people[i % people.length]) }, weird);
  const report = fc.oneof({ weight: 4, arbitrary: fc.nat().map((i) => reports[i % reports.length] ?? 'r_1') }, weird);
  const json = (arbitrary: fc.Arbitrary<unknown>) => arbitrary.map((v) => JSON.stringify(v));
  const junk = fc.oneof(
    json(fc.jsonValue()),
    fc.string({ maxLength: 100 }),
    fc.constantFrom('', '{', '[]', 'null', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}'),
  );
  /** Mostly bodies of the documented shape (their values still drawn wide), some with an unknown field, some junk. */
  const body = (shape: fc.Arbitrary<object>) =>
    fc.oneof(
      { weight: 4, arbitrary: json(shape) },
      json(fc.tuple(shape, fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue()).map(([value, key, extra]) => ({ ...value, [key]: extra }))),
      junk,
    );
  const name = fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 60 }) }, fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null));
  const looks = {
    name,
    avatar: fc.oneof(fc.webUrl(), fc.string(), fc.constant(null)),
    kind: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('person', 'brand') }, fc.string()),
  };
  const profile = fc.record(looks, { requiredKeys: ['name'] });
  const batchUser = fc.record({ id: person, ...looks }, { requiredKeys: ['id', 'name'] });
  const future = fc.integer({ min: 60_000, max: 10 * 86_400_000 }).map((ms) => new Date(Date.now() + ms).toISOString());
  const until = fc.oneof({ weight: 3, arbitrary: future }, fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
  const query = fc.constantFrom('', '?limit=2', '?limit=-1', '?limit=99999', '?limit=x', '?after=zz', '?status=open', '?status=resolved', '?status=x');

  type Call = [method: string, path: string, body: string | undefined];
  const call: fc.Arbitrary<Call> = fc.oneof(
    fc.tuple(fc.constant('GET'), fc.tuple(fc.constantFrom('/users', '/reports', '/webhooks/counts', '/webhooks/dead-letters', '/openapi.json'), query).map(([p, q]) => p + q), fc.constant(undefined)),
    fc.tuple(
      fc.constantFrom('GET', 'DELETE'),
      person.chain((p) => fc.constantFrom(`/users/${enc(p)}`, `/users/${enc(p)}/follows`, `/users/${enc(p)}/blocks`, `/users/${enc(p)}/export`, `/users/${enc(p)}/ban`)),
      fc.constant(undefined),
    ),
    fc.tuple(fc.constant('PUT'), person.map((p) => `/users/${enc(p)}`), body(profile)),
    fc.tuple(fc.constant('PUT'), person.map((p) => `/users/${enc(p)}/ban`), body(fc.record({ until }, { requiredKeys: [] }))),
    fc.tuple(fc.constantFrom('PUT', 'DELETE'), fc.tuple(person, person).map(([a, b]) => `/users/${enc(a)}/follows/${enc(b)}`), fc.option(junk, { nil: undefined })),
    fc.tuple(fc.constant('POST'), fc.constant('/users/batch'), body(fc.record({ users: fc.array(batchUser, { maxLength: 1_100 }) }))),
    fc.tuple(
      fc.constant('POST'),
      fc.constant('/follows/batch'),
      body(fc.record({ changes: fc.array(fc.record({ follower: person, followee: person, follows: fc.oneof({ weight: 4, arbitrary: fc.boolean() }, fc.string()) }), { maxLength: 1_100 }) })),
    ),
    fc.tuple(fc.constant('GET'), report.map((r) => `/reports/${enc(r)}`), fc.constant(undefined)),
    fc.tuple(
      fc.constant('POST'),
      report.map((r) => `/reports/${enc(r)}/resolve`),
      body(fc.record({ action: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('dismiss', 'delete_message', 'ban_sender') }, fc.string()), until }, { requiredKeys: ['action'] })),
    ),
    fc.tuple(
      fc.constant('POST'),
      fc.constant('/webhooks/dead-letters/replay'),
      fc.option(fc.oneof(body(fc.record({ ids: fc.array(fc.string(), { maxLength: 1_100 }) })), body(fc.constant({ all: true }))), { nil: undefined }),
    ),
    fc.tuple(fc.constantFrom('PATCH', 'OPTIONS', 'HEAD', 'POST', 'PUT'), fc.constantFrom('/users', '/reports', '/nothing', '/users/a/b/c'), fc.option(junk, { nil: undefined })),
  );

  test('the server API answers generated calls with the key with 2xx or a JSON 4xx, never a 5xx, and keeps serving', { timeout: DEADLINE_MS + 60_000 }, async () => {
    const deadline = Date.now() + DEADLINE_MS;
    const statuses = new Map<number, number>();
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(call, async ([method, path, body]) => {
        if (Date.now() > deadline) return;
        cases++;
        if (cases % SEED_EVERY === 0) await seed();
        const { status, text } = await admin(method, path, body);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const what = `${method} /admin/v1${path} ${body === undefined ? '' : body.slice(0, 200)}`;
        assert.ok(status < 500, `${what} -> ${status} ${text.slice(0, 300)}`);
        if (status >= 400 && method !== 'HEAD') {
          const error = (JSON.parse(text) as { error?: { code?: unknown } }).error;
          assert.equal(typeof error?.code, 'string', `${what} -> ${status} without a JSON error: ${text.slice(0, 200)}`);
        }
        assert.equal(({} as { polluted?: number }).polluted, undefined, `${what} polluted Object.prototype`);
      }),
      { numRuns: settings.cases, seed: settings.seed, endOnFailure: true },
    );
    const tally = [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s} ${n}`);
    console.log(`fuzz admin (${backend.name}): seed ${settings.seed}, ${cases} calls; answers ${tally.join(', ')}`);
    assert.ok(cases >= Math.min(settings.cases, 500), `only ${cases} calls ran before the deadline`);
    assert.ok((statuses.get(200) ?? 0) + (statuses.get(201) ?? 0) + (statuses.get(204) ?? 0) > cases / 20, 'at least one call in twenty succeeded: the run reached past the checks');

    // Still serving: a new pair connects, messages, and is heard; the health check answers.
    const [a, b] = await Promise.all([uid('after'), uid('after')].map((user) => TestClient.connect(server, user)));
    clients.push(a, b);
    const conv = newGroupId();
    await a.sendAcked(conv, 'still here', { to: [b.user], title: 'After' });
    await b.next('msg', (f) => f.conv === conv, 10_000);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  });
}
