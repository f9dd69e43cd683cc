// The page benchmark's site: a demo-like page with a dozen pins, with the
// widget (the loader from dist/cdn) and without it, served gzipped on
// loopback; tokens issued like a host's backend; the socket passed through to
// the real Node chat server (SQLite in memory), seeded with conversations that
// have unread messages for the person the pages sign in as.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startServer, type PinServer } from '../../server/node/server.js';
import { directConversationId, randomId } from '../../src/protocol/ids.js';
import { pins } from '../../demo/pins.js';
import { passSocketsTo } from '../../test/package/support/site.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const ME = 'ana';
const OTHERS = { ben: 'Ben Carter', chloe: 'Chloé Martin', dev: 'Dev Patel', emi: 'Emi Tanaka', farah: 'Farah Haddad' };
/** The newest message in each seeded conversation: the open conversation shows it. */
export const LAST_TEXT = 'See you on Sunday?';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The page, with or without the widget: the same markup, styles and images either way. */
function page(widget: boolean): string {
  const cards = Array.from({ length: 12 }, (_, i) => {
    const pin = pins[i % pins.length];
    return `<li class="pin"><div class="media"><img alt="${pin.title}" src="/pins/${pin.slug}.svg" width="${pin.width}" height="${pin.height}" /><button type="button" aria-label="Send “${pin.title}”" data-pin-send data-pin-url="${pin.url}" data-pin-image="/pins/${pin.slug}.svg" data-pin-title="${pin.title}">Send</button></div><h2>${pin.title}</h2><p>${new URL(pin.url).hostname}</p></li>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>Pins</title>
<link rel="stylesheet" href="/demo.css" />
</head>
<body>
<header class="top"><a class="brand" href="./"><span>Pins</span></a></header>
<main><h1 class="visually-hidden">Pins</h1><ul id="grid" class="grid" aria-label="Pins">
${cards}
</ul></main>
${widget ? '<pin-send-dialog></pin-send-dialog>\n<chat-head-stack></chat-head-stack>\n<script type="module" src="/widget.js"></script>' : ''}
</body>
</html>`;
}

/** The snippet a site adds besides the tags: the loader and connect(). */
const WIDGET = `import { connect } from '/cdn/loader.js';
const params = new URLSearchParams(location.search);
if (params.has('prefetch')) document.querySelector('chat-head-stack').setAttribute('prefetch', params.get('prefetch'));
for (const b of document.querySelectorAll('[data-pin-image]')) b.dataset.pinImage = new URL(b.dataset.pinImage, location.href).href;
connect({ user: ${JSON.stringify(ME)}, token: () => fetch('/token').then((r) => r.text()) });
`;

const FILES: Record<string, () => Buffer> = {
  '/with.html': () => Buffer.from(page(true)),
  '/without.html': () => Buffer.from(page(false)),
  '/widget.js': () => Buffer.from(WIDGET),
  '/demo.css': () => readFileSync(join(REPO, 'demo/demo.css')),
};

export interface Site {
  origin: string;
  close(): Promise<void>;
}

export async function startSite(): Promise<Site> {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const chat = await startServer({
    port: 0,
    dbPath: ':memory:',
    allowedOrigins: [origin],
    authSecret: 'page-bench-secret-of-at-least-32-bytes-long',
    limits: { allowPrivateUrls: true },
    log: () => {},
  });
  seed(chat);
  http.on('request', (req, res) => void serve(req, res, chat).catch(() => res.writeHead(500).end()));
  passSocketsTo(http, chat.port);
  return {
    origin,
    async close() {
      await chat.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Five direct conversations, each with a few messages, the newest ones unread by ME. */
function seed(chat: PinServer): void {
  chat.storage.putUser({ id: ME, name: 'Ana Souza' });
  let at = Date.now() - 3_600_000;
  for (const [id, name] of Object.entries(OTHERS)) {
    chat.storage.putUser({ id, name });
    const conv = directConversationId(ME, id);
    chat.storage.createConversation({ id: conv, kind: 'direct', members: [ME, id], createdBy: id, createdAt: at, lastSeq: 0 });
    for (const text of ['Hi!', 'Did you see the lemon tart?', LAST_TEXT]) chat.storage.append(conv, id, randomId(), { kind: 'text', text }, (at += 60_000));
  }
}

const gzipped = new Map<string, Buffer>();

async function serve(req: IncomingMessage, res: ServerResponse, chat: PinServer): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://site');
  if (url.pathname === '/token') {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
    return void res.end(await chat.issueToken(ME));
  }
  const body = FILES[url.pathname]?.() ?? fileFor(url.pathname);
  if (!body) return void res.writeHead(404).end();
  const type = TYPES[extname(url.pathname)] ?? 'application/octet-stream';
  // Compressed as a CDN or a site's server would send it.
  let zipped = gzipped.get(url.pathname);
  if (!zipped) gzipped.set(url.pathname, (zipped = gzipSync(body, { level: 9 })));
  res.writeHead(200, { 'content-type': type, 'content-encoding': 'gzip', 'cache-control': 'no-store' });
  res.end(zipped);
}

function fileFor(pathname: string): Buffer | undefined {
  for (const [prefix, folder] of [
    ['/cdn/', 'dist/cdn'],
    ['/pins/', 'demo/public/pins'],
  ]) {
    if (!pathname.startsWith(prefix)) continue;
    const base = join(REPO, folder);
    const file = normalize(join(base, decodeURIComponent(pathname.slice(prefix.length))));
    if (!file.startsWith(base + sep)) return undefined;
    try {
      return readFileSync(file);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
