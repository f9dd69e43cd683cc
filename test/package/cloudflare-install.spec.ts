// Scaling out from npm (docs/scaling.md, "Deploy from npm"): the packed package installed in
// an app outside the repository, the two files the guide has you write, and `wrangler dev`
// serving the backend from node_modules. Nothing is deployed; everything stays on this machine.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test } from 'playwright/test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { REPO } from './support/site.js';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
/** What the guide installs beside pin-messaging, linked from the repository's node_modules to stay offline. */
const SECRET = 'cloudflare-install-test-secret-0123456789abcdef';
const INSTALLED = [...Object.keys(pkg.dependencies), 'jose', 'partyserver', 'wrangler'];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

test('pin-messaging/cloudflare and the wrangler template run under wrangler dev from an installed copy', async () => {
  test.setTimeout(90_000);
  const root = mkdtempSync(join(tmpdir(), 'pin-cloudflare-app-'));
  let child: ReturnType<typeof spawn> | undefined;
  let output = '';
  try {
    // --ignore-scripts: the build already ran; `prepack` would run it again.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', root], { cwd: REPO, stdio: 'ignore' });
    const tarball = readdirSync(root).find((f) => f.endsWith('.tgz'))!;
    const home = join(root, 'app', 'node_modules', 'pin-messaging');
    mkdirSync(home, { recursive: true });
    execFileSync('tar', ['-xzf', join(root, tarball), '-C', home, '--strip-components=1']);
    for (const name of INSTALLED) {
      mkdirSync(dirname(join(root, 'app', 'node_modules', name)), { recursive: true });
      symlinkSync(join(REPO, 'node_modules', name), join(root, 'app', 'node_modules', name), 'dir');
    }

    // The guide's two files.
    const app = join(root, 'app');
    writeFileSync(join(app, 'worker.ts'), "export { default, Conversation, Directory, Inbox } from 'pin-messaging/cloudflare';\n");
    copyFileSync(join(home, 'server/cloudflare/wrangler.template.jsonc'), join(app, 'wrangler.jsonc'));
    // The secret as `wrangler dev` reads it locally (deployed: `wrangler secret put PIN_AUTH_SECRET`).
    writeFileSync(join(app, '.dev.vars'), `PIN_AUTH_SECRET=${SECRET}\n`);

    const port = await freePort();
    mkdirSync(join(root, 'config'));
    child = spawn(
      process.execPath,
      ['node_modules/wrangler/bin/wrangler.js', 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', '0',
        '--persist-to', join(root, 'data'), '--show-interactive-dev-session=false', '--log-level', 'error'],
      {
        cwd: app,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', XDG_CONFIG_HOME: join(root, 'config') },
      },
    );
    child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk).slice(-4000)));
    child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk).slice(-4000)));

    let health: { status: number; body: unknown } | undefined;
    for (const started = Date.now(); !health && Date.now() - started < 45_000; ) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited ${child.exitCode}:\n${output}`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
        health = { status: response.status, body: await response.json() };
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    expect(health, output).toEqual({ status: 200, body: { ok: true } });

    // A person's socket with a token signed by that secret is welcomed by their inbox object.
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ada').setIssuer('pin-messaging')
      .setAudience('pin-messaging').setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
    const socket = new WebSocket(`ws://127.0.0.1:${port}/parties/inbox/ada?token=${token}`, { origin: 'https://www.example.com' });
    socket.once('open', () => socket.send(JSON.stringify({ t: 'hello', v: 1 })));
    const answer = await new Promise<string | number>((resolve, reject) => {
      socket.once('message', (data) => resolve(String(JSON.parse(String(data)).t)));
      socket.once('close', resolve);
      socket.once('error', reject);
    });
    socket.terminate();
    expect(answer, output).toBe('welcome');
  } finally {
    if (child?.pid) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  }
});
