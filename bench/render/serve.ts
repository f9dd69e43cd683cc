import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A pin image per number: every pin card decodes its own file, as in a real conversation. */
function pinSvg(n: number): string {
  const hue = (n * 37) % 360;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="480" viewBox="0 0 400 480"><rect width="400" height="480" fill="hsl(${hue} 45% 70%)"/><circle cx="${100 + (n % 5) * 50}" cy="200" r="90" fill="hsl(${(hue + 150) % 360} 50% 45%)"/><rect x="40" y="360" width="320" height="60" rx="12" fill="hsl(${(hue + 60) % 360} 35% 92%)"/></svg>`;
}

/**
 * Serves a built folder on loopback. Cross-origin isolated (COOP + COEP), so
 * `performance.now()` has its fine resolution instead of 100 us steps.
 */
export async function serve(dir: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const pin = /^\/pin\/(\d{1,4})\.svg$/.exec(path);
    if (pin) {
      res.writeHead(200, { 'content-type': TYPES['.svg'], 'cross-origin-resource-policy': 'same-origin', 'cache-control': 'max-age=3600' });
      res.end(pinSvg(Number(pin[1])));
      return;
    }
    readFile(join(dir, path))
      .then((body) => {
        res.writeHead(200, {
          'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-embedder-policy': 'require-corp',
          'cache-control': 'no-store',
        });
        res.end(body);
      })
      .catch(() => {
        res.writeHead(404).end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
