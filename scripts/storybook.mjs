// `npm run storybook`: the manifest, then Storybook's dev server on STORYBOOK_PORT (6006),
// so a second checkout or a busy port needs no edit to package.json. Written in Node
// because `-p ${STORYBOOK_PORT:-6006}` only works in POSIX shells.
import { spawn } from 'node:child_process';

const port = process.env.STORYBOOK_PORT || '6006';
if (!/^\d+$/.test(port)) {
  console.error(`STORYBOOK_PORT must be a port number, not "${port}"`);
  process.exit(1);
}
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function run(args) {
  return new Promise((resolve) => {
    const child = spawn(npx, args, { stdio: 'inherit', shell: process.platform === 'win32' });
    child.on('exit', (code, signal) => resolve(signal ? 1 : (code ?? 1)));
  });
}

const analyzed = await run(['cem', 'analyze']);
if (analyzed !== 0) process.exit(analyzed);
process.exit(await run(['storybook', 'dev', '-p', port, ...process.argv.slice(2)]));
