// `npm start`: the chat server (dev mode, data in .data/) and the demo page's
// dev server, together. Each child runs in its own process group so that
// stopping this script stops everything they started (tsx and Vite both spawn
// helpers of their own). Ports: PIN_PORT (server, 1999) and PIN_DEMO_PORT
// (demo, 5173); PIN_DB picks the data file.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';

const serverPort = Number(process.env.PIN_PORT ?? 1999);
const demoPort = Number(process.env.PIN_DEMO_PORT ?? 5173);
const demoOrigins = [`http://localhost:${demoPort}`, `http://127.0.0.1:${demoPort}`];

if (!existsSync('server/main.ts')) {
  console.error('server/main.ts is missing: run this from the repository root.');
  process.exit(1);
}
mkdirSync('.data', { recursive: true });

const extraOrigins = (process.env.PIN_ALLOWED_ORIGINS ?? '').split(',').filter(Boolean);
const serverEnv = {
  PIN_DEV: '1',
  PIN_PORT: String(serverPort),
  PIN_DB: process.env.PIN_DB ?? '.data/dev.db',
  PIN_ALLOWED_ORIGINS: [...new Set([...demoOrigins, ...extraOrigins])].join(','),
};

const children = [];
let stopping = false;

function start(name, args, env) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  child.on('exit', (code, signal) => {
    child.exited = true;
    if (stopping) return;
    console.error(`\n[start] ${name} stopped (${signal ?? `exit ${code}`}); stopping the rest.`);
    stop(code || 1);
  });
  children.push(child);
  return child;
}

function killGroup(child, signal) {
  if (child.exited || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) killGroup(child, 'SIGTERM');
  const force = setTimeout(() => children.forEach((c) => killGroup(c, 'SIGKILL')), 3_000);
  const waitAll = setInterval(() => {
    if (children.every((c) => c.exited)) {
      clearInterval(waitAll);
      clearTimeout(force);
      process.exit(code);
    }
  }, 50);
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
process.on('SIGHUP', () => stop(0));
// Last resort if this script dies of an error: do not leave servers behind.
process.on('exit', () => children.forEach((c) => killGroup(c, 'SIGKILL')));

function portOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port, ms, host) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !stopping) {
    if (await portOpen(port, host)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

for (const [port, host, what] of [[serverPort, '127.0.0.1', 'PIN_PORT'], [demoPort, 'localhost', 'the demo']]) {
  if (await portOpen(port, host)) {
    console.error(`[start] port ${port} (${what}) is already in use: stop whatever holds it first.`);
    process.exit(1);
  }
}

start('chat server', ['--import', 'tsx', 'server/main.ts'], serverEnv);
if (!(await waitForPort(serverPort, 30_000))) {
  if (!stopping) console.error(`[start] the chat server did not listen on ${serverPort} within 30 s.`);
  stop(1);
} else {
  start('demo dev server', ['node_modules/vite/bin/vite.js', '--clearScreen', 'false', '--port', String(demoPort)], {
    PIN_PORT: String(serverPort),
  });
  if (await waitForPort(demoPort, 30_000, 'localhost')) {
    console.log(
      [
        '',
        `  Demo page:    http://localhost:${demoPort}/`,
        `  Chat server:  ws://127.0.0.1:${serverPort}/parties/inbox/<user>?token=...`,
        `  Dev tokens:   http://127.0.0.1:${serverPort}/dev/token?user=<user>`,
        `  Data:         ${serverEnv.PIN_DB}`,
        '',
        '  Ctrl-C stops both.',
        '',
      ].join('\n'),
    );
  } else if (!stopping) {
    console.error(`[start] the demo dev server did not listen on ${demoPort} within 30 s.`);
    stop(1);
  }
}
