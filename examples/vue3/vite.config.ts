import vue from '@vitejs/plugin-vue';
import { isCustomElement } from 'pin-messaging/vue';
import { fileURLToPath } from 'node:url';
import { defineConfig, loadEnv } from 'vite';

// isCustomElement tells Vue's template compiler that the package's three tags are
// custom elements, not unresolved Vue components (no "Failed to resolve component").
//
// The messaging server and this dev server's port come from the environment (or a
// .env file beside this one): PIN_SERVER_URL (default http://127.0.0.1:1999, what
// `npm start` in the pin-messaging repository runs, PIN_DEV=1 for sample people and
// /dev/token) and PORT (default 5173). `vite preview` serves the build the same way.
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, fileURLToPath(new URL('.', import.meta.url)), '');
  const target = env.PIN_SERVER_URL ?? 'http://127.0.0.1:1999';
  const server = {
    port: Number(env.PORT ?? 5173),
    strictPort: true,
    // The socket and the development token endpoint go to the messaging server, so
    // the page, its token and its socket share one origin.
    proxy: {
      '/parties': { target, ws: true },
      '/dev/': { target },
    },
  };
  return {
    plugins: [vue({ template: { compilerOptions: { isCustomElement } } })],
    server,
    preview: server,
  };
});
