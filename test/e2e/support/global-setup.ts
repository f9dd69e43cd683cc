// Starts the demo once for the whole run; the returned function stops it.
// Workers find the page's address in PIN_E2E_URL.
import { startDemo } from './stack.js';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const demo = await startDemo();
  process.env.PIN_E2E_URL = demo.url;
  return () => demo.stop();
}
