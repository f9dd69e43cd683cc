// The framework examples copied out of this repository, as someone starting from one
// would: the folder alone in a temp directory, the packed package installed, then
// `npm run build` (the framework's type-checker with skipLibCheck off, then Vite) and
// `npm run preview` with PORT and PIN_SERVER_URL pointing at a real messaging server
// (development tokens on). The page must show the example's own pin images and work:
// two people, a pin sent from one reaches the other.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import type { Browser, Page } from 'playwright/test';
import { startServer } from '../../server/node/server.js';
import { consumerProject, removeConsumerProjects } from './support/consumer.js';
import { expect, head, sendTo, test, upgraded } from './support/fixtures.js';
import { PEOPLE, type Person } from './support/site.js';

const EXAMPLES = ['react19', 'vue3', 'svelte'];
const PIN = 'Lemon tart with a crisp butter crust';

test.afterAll(() => removeConsumerProjects());

/** Every file of `dir` (not node_modules or dist), relative to it. */
function sources(dir: string, under = dir): string[] {
  return readdirSync(under).flatMap((name) => {
    const path = join(under, name);
    if (name === 'node_modules' || name === 'dist') return [];
    return statSync(path).isDirectory() ? sources(dir, path) : [relative(dir, path)];
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs an npm script in `dir`, in a process group of its own (stopped with the returned function). */
function npmRun(dir: string, script: string, env: Record<string, string> = {}, args: string[] = []) {
  const child = spawn('npm', ['run', script, '--silent', ...args], { cwd: dir, env: { ...process.env, ...env }, detached: true });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  return {
    exited,
    output: () => output,
    stop: () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
    },
  };
}

async function open(browser: Browser, origin: string, person: Person, errors: string[], images: Map<string, number>): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  // Failed requests are listed below with their path, not as the console's message.
  page.on('console', (m) => void (m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text())));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('response', (r) => {
    if (r.request().resourceType() === 'image') images.set(new URL(r.url()).pathname, r.status());
    if (r.status() >= 400) errors.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  await page.goto(`${origin}/?user=${person}`);
  return page;
}

for (const example of EXAMPLES) {
  test(`${example}: copied out alone, it type-checks, builds and runs against the server PIN_SERVER_URL names`, async ({ browser }) => {
    test.setTimeout(300_000);
    const dir = consumerProject(`examples/${example}`);

    // Nothing in the folder reaches outside it.
    const outside = sources(dir).filter((file) => readFileSync(join(dir, file), 'utf8').includes('../..'));
    expect(outside).toEqual([]);

    const build = npmRun(dir, 'build');
    expect(await build.exited, build.output()).toBe(0);
    expect(existsSync(join(dir, 'dist/index.html'))).toBe(true);
    expect(existsSync(join(dir, 'dist/pins/lemon-tart.svg'))).toBe(true);

    // The browser's origin is the preview server's: the socket is proxied through it unchanged.
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const chat = await startServer({
      port: 0,
      dbPath: ':memory:',
      authSecret: 'standalone-examples-secret-of-at-least-32-bytes',
      devTokens: true,
      allowedOrigins: [origin],
      // The pin images are served by the example itself, on loopback.
      limits: { allowPrivateUrls: true },
      log: () => {},
    });
    const preview = npmRun(dir, 'preview', { PORT: String(port), PIN_SERVER_URL: `http://127.0.0.1:${chat.port}` }, ['--', '--host', '127.0.0.1']);
    try {
      for (const [id, name] of Object.entries(PEOPLE)) chat.storage.putUser({ id, name });
      await expect.poll(() => fetch(origin).then((r) => r.status, () => 0), { timeout: 30_000, message: preview.output() }).toBe(200);

      const errors: string[] = [];
      const images = new Map<string, number>();
      const ada = await open(browser, origin, 'ada', errors, images);
      const bob = await open(browser, origin, 'bob', errors, images);

      // The example's own pin images, each loaded.
      await expect(ada.getByRole('img', { name: PIN })).toBeVisible();
      await expect.poll(() => ada.getByRole('img', { name: PIN }).evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
      expect(images.get('/pins/lemon-tart.svg')).toBe(200);
      expect(images.get('/pins/lisbon.svg')).toBe(200);

      // Token and socket through the preview server's proxy to PIN_SERVER_URL.
      await expect.poll(() => upgraded(ada, ['pin-send-dialog', 'chat-head-stack'])).toEqual({ 'pin-send-dialog': true, 'chat-head-stack': true });
      await ada.getByRole('button', { name: `Send “${PIN}”` }).click();
      await sendTo(ada, 'bob');
      await expect(ada.getByRole('status')).toHaveText('Sent to 1 conversation');
      await expect(head(bob, 'ada')).toHaveAccessibleName('Open conversation with Ada Lovelace, 1 unread message');
      expect(errors).toEqual([]);
    } finally {
      preview.stop();
      await chat.close();
    }
  });
}
