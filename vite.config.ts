import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const repo = fileURLToPath(new URL('.', import.meta.url));
/**
 * Where the chat server runs; the dev server proxies to it. `npm start` runs
 * the Node server on PIN_PORT; PIN_SERVER_URL points the demo at another
 * backend, such as `npm run server:cloudflare` on http://127.0.0.1:8787.
 */
const serverPort = Number(process.env.PIN_PORT ?? 1999);
const serverTarget = process.env.PIN_SERVER_URL || `http://127.0.0.1:${serverPort}`;

export default defineConfig(({ mode }) => ({
  root: fileURLToPath(new URL('./demo', import.meta.url)),
  server: {
    port: 5173,
    strictPort: true,
    // Lets the demo import ../src straight from the sources.
    fs: { allow: [repo] },
    // Same-origin paths for the socket and the dev token issuer, so the demo
    // needs no CORS. The browser's Origin is kept (the server checks it).
    proxy: {
      '/parties': { target: serverTarget, ws: true },
      '/dev/': { target: serverTarget },
      // The Cloudflare worker names avatars after the host it was asked on (this one).
      '/avatars/': { target: serverTarget },
    },
  },
  preview: { port: 5173, strictPort: true },
  // nanostores reads process.env.NODE_ENV at run time.
  define: { 'process.env.NODE_ENV': JSON.stringify(mode === 'production' ? 'production' : 'development') },
  build: { outDir: fileURLToPath(new URL('./dist/demo', import.meta.url)), emptyOutDir: true },
}));
