// A host site for the package's browser tests: one origin that serves test
// pages, the built CDN file and the built framework examples, issues tokens
// the way a host's backend would (GET /token?user=), and passes the socket
// through to a real chat server (SQLite in memory) on another port.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type PinServer } from '../../../server/node/server.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** The people on the site; the tests sign in as Ada and Bob. */
export const PEOPLE = {
  ada: 'Ada Lovelace',
  bob: 'Bob Marley',
  cy: 'Cy Twombly',
} as const;
export type Person = keyof typeof PEOPLE;

/** The policy the CSP test page is served with (the issue's strictest sensible one). */
export const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; require-trusted-types-for 'script'; trusted-types lit-html";

/** URL prefix -> folder served under it. */
const MOUNTS: [string, string][] = [
  ['/pages/', 'test/package/pages'],
  ['/cdn/', 'dist/cdn'],
  ['/pins/', 'demo/public/pins'],
  ['/examples/', 'examples'],
];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Passes every upgrade on `http` to the chat server on `port` unchanged (the browser's Origin included). */
export function passSocketsTo(http: Server, port: number): void {
  http.on('upgrade', (req, socket, head) => {
    const upstream = connect(port, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
}

export interface Site {
  /** http://127.0.0.1:port, the origin the pages run on. */
  origin: string;
  chat: PinServer;
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
    authSecret: 'package-tests-secret-of-at-least-32-bytes',
    // The examples' pin images are served by this test site, on loopback.
    limits: { allowPrivateUrls: true },
    log: () => {},
  });
  for (const [id, name] of Object.entries(PEOPLE)) chat.storage.putUser({ id, name });

  http.on('request', (req, res) => {
    serve(req, res, chat).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  passSocketsTo(http, chat.port);

  return {
    origin,
    chat,
    async close() {
      await chat.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, chat: PinServer): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://site');
  if (url.pathname === '/token') {
    // A host backend signs the token for its signed-in person; here the query names them.
    const user = url.searchParams.get('user') ?? '';
    if (!(user in PEOPLE)) return void res.writeHead(403).end();
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
    res.end(await chat.issueToken(user));
    return;
  }
  if (url.pathname === '/dev/token') {
    // The development server's endpoint (`npm start`), which the framework examples call.
    const user = url.searchParams.get('user') ?? '';
    if (!(user in PEOPLE)) return void res.writeHead(403).end();
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ token: await chat.issueToken(user) }));
    return;
  }
  if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
  const file = fileFor(url.pathname);
  if (!file) return void res.writeHead(404).end();
  const headers: Record<string, string> = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' };
  if (url.pathname.startsWith('/pages/csp')) headers['content-security-policy'] = STRICT_CSP;
  res.writeHead(200, headers);
  createReadStream(file).pipe(res);
}

function fileFor(pathname: string): string | undefined {
  for (const [prefix, folder] of MOUNTS) {
    if (!pathname.startsWith(prefix)) continue;
    const base = join(REPO, folder);
    let file = normalize(join(base, decodeURIComponent(pathname.slice(prefix.length))));
    if (!file.startsWith(base + sep)) return undefined;
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    return existsSync(file) ? file : undefined;
  }
  return undefined;
}
