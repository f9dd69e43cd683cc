import { defineConfig } from 'vite';

// React 19 needs no plugin here: Vite compiles the TSX (automatic JSX runtime).
// `npm run dev` expects the messaging server from `npm start` on port 1999.
export default defineConfig({
  publicDir: '../../demo/public',
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/parties': { target: 'http://127.0.0.1:1999', ws: true },
      '/dev/': { target: 'http://127.0.0.1:1999' },
    },
  },
});
