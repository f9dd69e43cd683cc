// Server-side rendering runs a page's modules on the server, where the README's
// `connect()` at module scope must neither throw nor try to open a socket: it
// says once that it stays offline and hands back an idle client.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'playwright/test';
import { REPO } from './support/site.js';

// Module scope, as in the README's npm snippet; called twice, as a re-render would.
const page = (entry: string): string => `
import { connect } from '${entry}';
const first = await connect({ user: 'ana', token: () => 'never fetched' });
const second = await connect({ user: 'ana', token: 'x' });
await new Promise((resolve) => setTimeout(resolve, 200));
console.log(JSON.stringify({ status: [first.$status.get(), second.$status.get()], user: first.user }));
`;

for (const entry of ['pin-messaging', 'pin-messaging/connect', 'pin-messaging/loader']) {
  test(`connect() from '${entry}' at module scope in Node: no throw, one console line, an idle client`, async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', page(entry)], { cwd: REPO });
    const said = stderr.split('\n').filter((line) => line.startsWith('pin-messaging:'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('connect() stays offline');
    expect(said[0]).toContain('in the browser');
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { status: string[]; user: string };
    expect(result).toEqual({ status: ['idle', 'idle'], user: 'ana' });
  });
}
