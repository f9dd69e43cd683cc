// The built server command with webhooks on: delivery runs in a worker thread
// started from the built JavaScript (no TypeScript loader), so this is the
// only suite that runs that path as a site's server would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'playwright/test';
import { TokenAuthority } from '../../server/shared/auth.js';
import { ORIGIN, SECRET } from '../conformance/backend.js';
import { TestClient } from '../conformance/client.js';
import { HOOK_SECRET, Receiver } from '../conformance/webhook-receiver.js';
import { directConversationId } from '../../src/protocol/index.js';
import { REPO } from './support/site.js';

async function startBuilt(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [join(REPO, 'dist/server/main.js')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /server on (http:\/\/\S+)/.exec(output);
      if (found) resolve(found[1]);
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${output}`)));
  });
  return { child, url, output: () => output };
}

test('the built server delivers signed message.created events from its worker thread, and again after a SIGKILL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pin-built-hooks-'));
  const receiver = await Receiver.start();
  const auth = new TokenAuthority([SECRET], 'pin-messaging', 'pin-messaging');
  const env = {
    PIN_PORT: '0',
    PIN_HOST: '127.0.0.1',
    PIN_DB: join(dir, 'chat.db'),
    PIN_AUTH_SECRET: SECRET,
    PIN_ALLOWED_ORIGINS: ORIGIN,
    PIN_WEBHOOK_URL: receiver.url,
    PIN_WEBHOOK_SECRET: HOOK_SECRET,
    PIN_ALLOW_PRIVATE_URLS: '1',
  };
  let server = await startBuilt(env);
  try {
    const reachable = { url: server.url, issueToken: (user: string, claims?: object) => auth.issue(user, claims) };
    const [ana, ben] = ['ana-built', 'ben-built'];
    const conv = directConversationId(ana, ben);
    await (await TestClient.connect(reachable, ben)).close();
    const a = await TestClient.connect(reachable, ana);
    for (let i = 0; i < 5; i++) expect((await a.sendText(conv, `hello ${i}`, i === 0 ? { to: [ben] } : {})).t).toBe('ack');
    await a.close();
    const created = () => receiver.processed.filter((e) => e.type === 'message.created');
    await expect.poll(() => created().length, { timeout: 10_000 }).toBe(5);
    expect(receiver.badSignatures).toBe(0);
    expect(created().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(created()[0].data).toMatchObject({ members: [ana, ben].sort(), offline: [ben] });

    // Recorded while the receiver is down, then the server is killed: the restarted one sends it.
    await receiver.down();
    const again = await TestClient.connect(reachable, ana);
    expect((await again.sendText(conv, 'while down')).t).toBe('ack');
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));
    await receiver.up();
    server = await startBuilt({ ...env, PIN_PORT: '0' });
    await expect.poll(() => created().length, { timeout: 15_000 }).toBe(6);
    expect(created()[5].seq).toBe(6);
    expect(server.output()).not.toContain('delivery worker failed');
  } finally {
    server.child.kill('SIGKILL');
    await receiver.down();
    rmSync(dir, { recursive: true, force: true });
  }
});
