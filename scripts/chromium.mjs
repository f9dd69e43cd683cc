// The one Chromium every browser run here uses (tests, stories, benchmarks,
// screenshots): Debian's, or the one CHROME_PATH names. This project never
// downloads browsers.

export const chromiumPath = process.env.CHROME_PATH || '/usr/bin/chromium';

/** Flags for a sandboxed CI machine; the last five keep Chromium from waiting on a closed network. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
