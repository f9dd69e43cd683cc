// The server command's start-up, as `npm run server` and `npx pin-messaging-server` run it:
// what it says about a missing origin allowlist, and the token claims it expects.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { CloseCode } from '../../../src/protocol/index.js';

const SECRET = 'cli-test-secret-0123456789abcdef0123456789';
const ORIGIN = 'https://shop.example';

/** Starts server/main.ts; resolves once it listens, with its URL and everything it printed. */
async function start(extra: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PIN_PORT: '0', PIN_DB: ':memory:', PIN_AUTH_SECRET: SECRET, ...extra };
  delete env.PIN_DEV;
  for (const [name, value] of Object.entries(extra)) if (value === undefined) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  let timer: ReturnType<typeof setInterval> | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    timer = setInterval(() => {
      const found = /server on (http:\/\/\S+)/.exec(output);
      if (found) resolve(found[1]);
    }, 50);
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${output}`)));
    setTimeout(() => reject(new Error(`server did not start: ${output}`)), 20_000).unref();
  }).finally(() => clearInterval(timer));
  return { child, url, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Opens a socket as `ada` with a token carrying `claims`; the first thing the server does: a frame or a close code. */
async function firstAnswer(url: string, claims: { iss: string; aud: string }): Promise<string | number> {
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ada').setIssuer(claims.iss).setAudience(claims.aud)
    .setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/parties/inbox/ada?token=${encodeURIComponent(token)}`, { origin: ORIGIN });
  ws.once('open', () => ws.send(JSON.stringify({ t: 'hello', v: 1 })));
  const answer = await new Promise<string | number>((resolve) => {
    ws.once('message', (data) => resolve(String(JSON.parse(String(data)).t)));
    ws.once('close', (code) => resolve(code));
  });
  ws.terminate();
  return answer;
}

test('without PIN_ALLOWED_ORIGINS the server warns at start, naming the setting and an example', { timeout: 30_000 }, async () => {
  const { child, output } = await start({ PIN_ALLOWED_ORIGINS: undefined });
  await stop(child);
  assert.match(output(), /PIN_ALLOWED_ORIGINS is not set, so every browser is refused/);
  assert.match(output(), /e\.g\. PIN_ALLOWED_ORIGINS=https:\/\/www\.example\.com/);
});

test('with PIN_ALLOWED_ORIGINS set, no such warning', { timeout: 30_000 }, async () => {
  const { child, output } = await start({ PIN_ALLOWED_ORIGINS: ORIGIN });
  await stop(child);
  assert.doesNotMatch(output(), /PIN_ALLOWED_ORIGINS is not set/);
});

test('PIN_ISSUER and PIN_AUDIENCE (the Cloudflare backend\'s names) set the claims tokens must carry', { timeout: 30_000 }, async () => {
  const { child, url } = await start({ PIN_ALLOWED_ORIGINS: ORIGIN, PIN_ISSUER: 'https://shop.example/auth', PIN_AUDIENCE: 'shop-chat' });
  try {
    assert.equal(await firstAnswer(url, { iss: 'https://shop.example/auth', aud: 'shop-chat' }), 'welcome');
    assert.equal(await firstAnswer(url, { iss: 'pin-messaging', aud: 'pin-messaging' }), CloseCode.Unauthorized);
  } finally {
    await stop(child);
  }
});
