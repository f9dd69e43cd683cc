// F3: the server is killed (SIGKILL, no goodbye) in the middle of a burst,
// then started again on the same data. Nothing acknowledged may be lost;
// what was not acknowledged is resent and stored once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TokenAuthority } from '../../../server/shared/auth.js';
import type { ChatClient } from '../../../src/state/index.js';
import { waitFor } from '../../node/support/wait.js';
import type { Backend, ServerProcess } from '../backend.js';
import { freePort } from '../ports.js';
import { realClient } from '../real-client.js';

const ORIGIN = 'http://shop.example';
const SECRET = 'killed-server-test-secret-of-32-bytes-or-more';
const UNLIMITED = { ratePerSecond: 100_000, rateBurst: 100_000, framesPerSecond: 100_000, frameBurst: 100_000 };

/** F3 against a server process of `backend`. */
export function killedServerSuite(backend: Backend): void {
  const dir = mkdtempSync(join(tmpdir(), 'pin-killed-'));
  const servers: ServerProcess[] = [];
  const clients: ChatClient[] = [];
  after(() => {
    clients.forEach((c) => c.destroy());
    servers.forEach((s) => s.kill());
    rmSync(dir, { recursive: true, force: true });
  });

  const launch = async (port: number) => {
    const server = await backend.launch(port, dir, { secret: SECRET, origin: ORIGIN, limits: UNLIMITED });
    servers.push(server);
    return server;
  };

  test('F3: a server killed mid-burst loses no acknowledged message and stores the rest once', { timeout: 60_000 + 2 * backend.launchMs }, async () => {
    const port = await freePort();
    let server = await launch(port);
    const auth = new TokenAuthority(SECRET, 'pin-messaging', 'pin-messaging');
    const connect = (user: string) => {
      const { client } = realClient(user, { host: `127.0.0.1:${port}`, token: () => auth.issue(user, { name: user }), origin: ORIGIN });
      clients.push(client);
      return client;
    };
    const kim = connect('kim');
    const lee = connect('lee');
    await waitFor('online', () => kim.$status.get() === 'online' && lee.$status.get() === 'online');
    await kim.sendText('dm:kim:lee', 'hello');
    await waitFor('conversation exists', () => lee.timeline('dm:kim:lee').get().hi === 1);

    const N = 2_000;
    const acked = new Set<string>();
    kim.$outbox.listen((entries) => {
      const pending = new Set(entries.map((e) => e.id));
      for (const m of kim.timeline('dm:kim:lee').get().messages) if (!pending.has(m.id)) acked.add(m.id);
    });
    for (let i = 0; i < N; i++) void kim.sendText('dm:kim:lee', `burst ${i}`);
    await waitFor('some acknowledged', () => acked.size > 200, 20_000, 1);
    server.kill();
    const ackedBeforeKill = new Set(acked);
    await waitFor('kim notices', () => kim.$status.get() !== 'online');
    assert.ok(kim.$outbox.get().length > 0, 'the kill came mid-burst');

    server = await launch(port);
    await waitFor('everything delivered after the restart', () => lee.timeline('dm:kim:lee').get().hi === N + 1 && kim.$outbox.get().length === 0, 30_000);
    const texts = lee.timeline('dm:kim:lee').get().messages.map((m) => (m.body.kind === 'text' ? m.body.text : ''));
    assert.deepEqual(texts, ['hello', ...Array.from({ length: N }, (_, i) => `burst ${i}`)]);
    const ids = new Set(lee.timeline('dm:kim:lee').get().messages.map((m) => m.id));
    for (const id of ackedBeforeKill) assert.ok(ids.has(id), 'an acknowledged message survived the kill');
    console.info(`F3 (${backend.name}): killed after ${ackedBeforeKill.size} of ${N} acknowledgements; all ${N} stored once after the restart`);
  });
}
