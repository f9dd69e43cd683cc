// The published .d.ts seen from a consumer's project (test/package/types):
// tags in HTMLElementTagNameMap, events in GlobalEventHandlersEventMap, every
// entry's API, and mistakes refused (the @ts-expect-error lines).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'playwright/test';
import { REPO } from './support/site.js';

async function typeCheck(project: string): Promise<string> {
  try {
    await promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { cwd: REPO });
    return '';
  } catch (error) {
    return (error as { stdout: string }).stdout;
  }
}

test('a browser app and a Node backend type-check against the package', async () => {
  test.setTimeout(120_000);
  expect(await typeCheck('test/package/types/tsconfig.json')).toBe('');
});

test('importing one element types its tag and the events on its own', async () => {
  test.setTimeout(120_000);
  expect(await typeCheck('test/package/types/tsconfig.one-element.json')).toBe('');
});
