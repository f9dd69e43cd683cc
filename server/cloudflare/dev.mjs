#!/usr/bin/env node
// Runs the Cloudflare backend locally: `wrangler dev --local` with its data in
// a persistence folder, so messages survive a restart.
//
//   node server/cloudflare/dev.mjs [--port 8787] [--persist .data/wrangler] [--prod] [--var KEY:VALUE ...]
//
// Without --prod it is the demo's dev mode: sample people, GET /dev/token,
// a fixed dev-only signing secret, and the demo page's origins allowed.
// Extra --var flags override any setting (see worker/env.ts). Telemetry is
// off, and wrangler's user config lives in a temporary folder. Signals are
// passed on to wrangler, which stops workerd; to kill everything at once
// (tests), start this script in a process group of its own and kill the group.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);

function take(name, fallback) {
  const i = args.indexOf(name);
  if (i === -1) return fallback;
  const [, value] = args.splice(i, 2);
  return value;
}

const port = take('--port', '8787');
const persist = take('--persist', '.data/wrangler');
const prod = args.includes('--prod');
if (prod) args.splice(args.indexOf('--prod'), 1);

const DEV_VARS = {
  PIN_DEV: '1',
  // Dev tokens are handed to anyone who asks in dev mode; this secret guards nothing else.
  PIN_AUTH_SECRET: 'pin-messaging-local-development-only-secret',
  PIN_ALLOWED_ORIGINS: 'http://localhost:5173,http://127.0.0.1:5173',
  // The demo's pin images are served from this machine, which a production server refuses.
  PIN_ALLOW_PRIVATE_URLS: '1',
};
const vars = prod ? [] : Object.entries(DEV_VARS).flatMap(([k, v]) => ['--var', `${k}:${v}`]);

const config = mkdtempSync(join(tmpdir(), 'pin-wrangler-'));
const wrangler = createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');
const argv = [
  wrangler,
  'dev',
  '--local',
  '--config',
  join(here, 'wrangler.jsonc'),
  '--ip',
  '127.0.0.1',
  '--port',
  port,
  '--inspector-port',
  '0',
  '--persist-to',
  persist,
  '--show-interactive-dev-session=false',
  ...vars,
  ...args,
];
const child = spawn(process.execPath, argv, {
  stdio: 'inherit',
  env: {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? config,
  },
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
process.on('exit', () => rmSync(config, { recursive: true, force: true }));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
