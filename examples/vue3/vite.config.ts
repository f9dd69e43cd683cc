import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// Tell Vue's template compiler that these tags are custom elements, not
// unresolved Vue components. `npm run dev` expects `npm start`'s server on 1999.
const TAGS = new Set(['pin-send-dialog', 'chat-head-stack', 'conversation-panel']);

export default defineConfig({
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => TAGS.has(tag) } } })],
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
